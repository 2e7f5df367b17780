/**
 * Refusals of the bundle repository that are not about signatures (those are packages/bundle's
 * `BundleVerificationError`, with its codes): a malformed archive, a key that must stay offline, a
 * missing trusted root, an unreachable upstream. Each message says what to do.
 */
export type BundleRepositoryFailure =
  'bad-archive' | 'offline-key' | 'bad-key' | 'no-trusted-root' | 'no-upstream' | 'unsupported';

export class BundleRepositoryError extends Error {
  override name = 'BundleRepositoryError';
  constructor(
    readonly code: BundleRepositoryFailure,
    message: string,
  ) {
    super(message);
  }
}
