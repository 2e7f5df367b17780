export {
  BundleRepository,
  createBundleRepository,
  type BundleInfo,
  type BundleRepositoryOptions,
  type BundleRepositoryLog,
  type ImportResult,
  type TrustInfo,
} from './bundle-repository.js';
export { BundleRepositoryError, type BundleRepositoryFailure } from './errors.js';
export { bundleOptionsFromEnv, BundleConfigError } from './env-options.js';
export { ARCHIVE_LIMITS } from './archive.js';
