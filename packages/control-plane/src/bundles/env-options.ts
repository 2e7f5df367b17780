import type { BundleRepositoryOptions } from './bundle-repository.js';

export class BundleConfigError extends Error {
  override name = 'BundleConfigError';
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The bundle repository's environment variables → options. Errors name the variable and what it accepts.
 *   GNM_SECRET_KEY                 base64 of 32 bytes (else <data dir>/secret.key, created 0600)
 *   GNM_TUF_ONLINE_KEYS_DIR        folder with the snapshot-*.key.pem and timestamp-*.key.pem files
 *   GNM_TUF_UPSTREAM               https URL of an upstream TUF repository to mirror
 *   GNM_TUF_UPSTREAM_ROOT_SHA256   sha256 of the upstream 1.root.json (first mirror without an import)
 */
export function bundleOptionsFromEnv(
  env: NodeJS.ProcessEnv,
  dataDir: string,
): Pick<
  BundleRepositoryOptions,
  'dataDir' | 'secretKey' | 'onlineKeysDir' | 'upstream' | 'upstreamRootSha256'
> {
  const upstream = env.GNM_TUF_UPSTREAM?.trim() || undefined;
  if (upstream) {
    let u: URL;
    try {
      u = new URL(upstream);
    } catch {
      throw new BundleConfigError(
        `GNM_TUF_UPSTREAM: "${upstream}" is not a URL (e.g. https://bundles.example.org/tuf)`,
      );
    }
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && LOOPBACK.has(u.hostname)))
      throw new BundleConfigError('GNM_TUF_UPSTREAM must be an https:// URL (plain http only on localhost)');
    if (u.username || u.password || u.search || u.hash)
      throw new BundleConfigError('GNM_TUF_UPSTREAM: no credentials, query or fragment in the URL');
  }
  const pin = env.GNM_TUF_UPSTREAM_ROOT_SHA256?.trim() || undefined;
  if (pin && !/^[a-fA-F0-9]{64}$/.test(pin))
    throw new BundleConfigError('GNM_TUF_UPSTREAM_ROOT_SHA256 must be a sha256 in hex (64 characters)');
  return {
    dataDir,
    secretKey: env.GNM_SECRET_KEY || undefined,
    onlineKeysDir: env.GNM_TUF_ONLINE_KEYS_DIR || undefined,
    upstream,
    upstreamRootSha256: pin?.toLowerCase(),
  };
}
