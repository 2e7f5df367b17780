/**
 * What this build of the control plane can and cannot do yet. Shown on `/` and `/api/v1/status` so
 * nobody mistakes the skeleton for the product: each line names the issue that delivers it.
 */
export const BUILD_STATUS = {
  built: [
    'control-plane skeleton: configuration, status endpoint',
    'multi-host test harness (packages/testkit)',
  ],
  notBuiltYet: [
    'accounts API and UI login, hosts, enrollment, agent gateway, tasks (issue #5)',
    'node agent (issue #6)',
    'deploying a Gonka node end to end, try-it demo (issue #7)',
    'attaching ML nodes with firewall rules (issue #8)',
    'web UI (issue #9)',
  ],
} as const;
