/**
 * What this build of the control plane can and cannot do yet. Shown on `/` and `/api/v1/status` so
 * nobody mistakes a partial product for the whole: each line names the issue that delivers it.
 */
export const BUILD_STATUS = {
  built: [
    'accounts: owner setup, invitations, sessions with CSRF, API tokens, audit log (issue #5)',
    'hosts: enrollment tokens, install command with three pins, revocation (issue #5)',
    'agent gateway: mutual handshake over pinned TLS, status reports, presence (issue #5)',
    'tasks: persisted, queued while offline, streamed live, exactly once across crashes (issue #5)',
    'bundle repository: import signed bundles, serve TUF to agents, re-sign snapshot/timestamp (issue #5)',
  ],
  notBuiltYet: [
    'node agent and its install script (issue #6)',
    'deploying a Gonka node end to end, try-it demo (issue #7)',
    'attaching ML nodes with firewall rules (issue #8)',
    'web UI (issue #9)',
  ],
} as const;
