import { StackLayout, compareVersions } from '@gnm/bundle';
import { OperationFailure } from '../operations/registry.js';

/**
 * A lower bundle version than the running one is never applied, even when it is signed (older signed
 * releases stay in the repository): only stack.rollback goes back, to the release kept on this host,
 * which was verified when it was applied. Checked before anything is fetched.
 */
export function refuseOlderRelease(stacksRoot: string, version: string): void {
  const layout = new StackLayout(stacksRoot);
  const current = layout.current();
  if (!current || compareVersions(version, current) >= 0) return;
  const kept = layout.previous();
  throw new OperationFailure(
    'older-release',
    `bundle ${version} is older than release ${current} running on this host; nothing was changed on this host. A lower version is reached only by stack.rollback, to the release kept on this host (${kept ?? 'none is kept'}); to run ${version}'s content again, have it signed under a version above ${current}`,
  );
}
