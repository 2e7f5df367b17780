/**
 * The serialisable description of a harness run: enough for any process (a test worker, the cleanup
 * command, the reaper) to reach the hosts or to remove every resource the run created.
 */
export type HostRole = 'docker' | 'registry';

export interface HostDescriptor {
  name: string;
  role: HostRole;
  /** Address on the harness LAN. */
  ip: string;
  /** Name under /run/netns. */
  netns: string;
  /** Bind-mounted handle of the host's private mount namespace. */
  mntFile: string;
  /** Per-host data: overlay upper dirs, docker data-root, logs. */
  dataDir: string;
  /** Namespace inode numbers, to find every process of the host at teardown. */
  netnsInode?: number;
  mntInode?: number;
  /** PID of the host's main daemon (dockerd or docker-registry), as seen from the root namespace. */
  daemonPid?: number;
  /** True when /usr/bin/node is hidden inside the host. */
  hideNode: boolean;
}

export interface PoolDescriptor {
  runId: string;
  ownerPid: number;
  createdAt: string;
  /** e.g. 10.213.42.0/24 */
  subnet: string;
  /** Root-namespace address on the harness LAN (tests and the control plane are reached here). */
  gatewayIp: string;
  lanNetns: string;
  gatewayLink: string;
  registry?: HostDescriptor & { address: string };
  hosts: HostDescriptor[];
  /** Lifecycle of the run, written to its state file after every step. */
  state: 'creating' | 'ready' | 'tearing-down';
}
