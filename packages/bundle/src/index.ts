export { buildBundle, readBundleManifest, BuildError, type BuildOptions } from './build.js';
export { BundleManifest, ManifestSource, readManifestSource, type Role } from './manifest.js';
export { ParamSpec, ParamKind, ParamError, checkValue, checkHost, NodeConfigValue } from './params.js';
export {
  checkHostPath,
  checkHostPathOnHost,
  normaliseHostPath,
  resolveOnHost,
  DEFAULT_HOST_PATH_ROOTS,
  DEFAULT_DOCKER_ROOT,
  DEFAULT_AGENT_STATE_ROOT,
  DEFAULT_STACKS_ROOT,
  GENERIC_HOST_PATH_CONTEXT,
  HOST_PATH_EXAMPLE,
  SYSTEM_ROOTS,
  type HostPathContext,
  type ProtectedRoot,
} from './host-path-policy.js';
export { valueMountSources, type MountSource } from './mount-sources.js';
export {
  renderRelease,
  compareVersions,
  releaseFor,
  resolveValues,
  composeFilesFor,
  RenderError,
  type RenderOptions,
  type RenderedRelease,
  type HostRole,
  type Values,
} from './render.js';
export { StackLayout, writeFileAtomic } from './layout.js';
export { Repository, assertTargetPath, DEFAULT_EXPIRY_DAYS } from './tuf/repo.js';
export { generateKey, readKeys, writeKey, ROLES, type SigningKey, type RoleName } from './tuf/keys.js';
export {
  fetchVerified,
  withTrustedRepository,
  ensureTrustedRoot,
  BundleVerificationError,
  LIMITS,
  type VerifyFailure,
} from './tuf/client.js';
export { publishBundle, bundleTargets, fetchBundle } from './publish.js';
