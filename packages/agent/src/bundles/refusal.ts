import type { BundleVerificationError, VerifyFailure } from '@gnm/bundle';
import { OperationFailure } from '../operations/registry.js';

/** What the operator does about each refusal (the control plane may be the one at fault). */
const WHAT_TO_DO: Record<VerifyFailure, string> = {
  rollback:
    'A control plane restored from an old backup, or one that was tampered with, serves metadata older than the host has seen: import the release authority’s latest signed archive into the control plane (gnm bundle import) and apply again. Do not delete the host’s trusted metadata to get past this: it is what lets the host refuse old releases',
  expired:
    'Give the control plane its online keys, snapshot and timestamp (PUT /api/v1/bundles/online-keys, or GNM_TUF_ONLINE_KEYS_DIR) so it re-signs the timestamp, or import a freshly published archive, then apply again; meanwhile stack.rollback to the kept release still works',
  'mix-and-match':
    'The control plane serves metadata of different repository versions together, which the release keys never published: import the release authority’s latest signed archive (gnm bundle import) and apply again; if it happens again, the control plane may have been tampered with',
  mismatch:
    'A file or metadata differs from what the release keys signed: import the signed archive again (gnm bundle import) and apply again; if it happens again, the control plane may have been tampered with',
  'bad-signature':
    'The metadata is not signed by the keys of the root this host was installed with: import an archive signed by that release authority',
  'untrusted-root':
    'This host trusts only the root pinned by its install command: import an archive of that release authority, or re-run the install command from the host page',
  'too-large':
    'The repository holds a file above the size limits: import the release authority’s signed archive again',
  'bad-path': 'The bundle names a file outside its folder: use a bundle built by gnm bundle build',
  'not-found':
    'The bundle or one of its files is not signed in the repository: import its signed archive (gnm bundle import) first',
  unreachable: 'Apply again once the control plane answers',
};

/** The task error for a bundle the TUF checks refused: what happened, that nothing changed, what to do. */
export function bundleRefusal(e: BundleVerificationError, running: string | null): OperationFailure {
  const kept = running ? ` (release ${running} keeps running)` : '';
  if (e.code === 'unreachable')
    return new OperationFailure(
      'bundle-unavailable',
      `${e.message}; nothing was changed on this host${kept}. ${WHAT_TO_DO.unreachable}`,
    );
  return new OperationFailure(
    'bundle-refused',
    `the bundle was refused (${e.code}): ${e.message}; nothing was changed on this host${kept}. ${WHAT_TO_DO[e.code]}`,
  );
}
