import { checkHostPath } from '@gnm/bundle';

/**
 * The control plane's host-path check on values it stores or sends (node configurations, the values
 * of stack.apply and node.deploy tasks). It does not know which values a bundle mounts, nor the
 * host's own folders, so it judges every value that names a host folder by the generic rules
 * (system folders, the agent's and Docker's default folders, `..`); the agent checks again with its
 * own allow-list and the real paths, and its check is the one that counts.
 */
export function hostPathProblems(values: Readonly<Record<string, unknown>>, prefix = ''): string[] {
  const problems: string[] = [];
  for (const [k, v] of Object.entries(values)) {
    if (typeof v !== 'string') continue;
    const why = v.startsWith('/')
      ? checkHostPath(v)
      : /^\.{1,2}(\/|$)/.test(v) && v.split('/').includes('..')
        ? 'must not contain ".." segments: give a host folder as an absolute path, such as /srv/gonka/hf-cache'
        : undefined;
    if (why) problems.push(`${prefix}${k}: ${why}`);
  }
  return problems;
}
