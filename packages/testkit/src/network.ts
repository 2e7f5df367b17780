import { run, exec } from './exec.js';

/**
 * The harness LAN: a bridge inside its own "switch" namespace (so the root namespace's iptables, where
 * the main dockerd sets FORWARD to DROP, never sees host-to-host traffic), one veth per host, and one
 * veth to the root namespace so tests and the control plane reach the hosts at the gateway address.
 */
export async function createLan(lanNetns: string, gatewayLink: string, gatewayCidr: string): Promise<void> {
  await run('ip', ['netns', 'add', lanNetns], { context: 'create the LAN namespace' });
  await run('ip', ['-n', lanNetns, 'link', 'add', 'br0', 'type', 'bridge']);
  await run('ip', ['-n', lanNetns, 'link', 'set', 'br0', 'up']);
  await run('ip', ['-n', lanNetns, 'link', 'set', 'lo', 'up']);
  await run('ip', ['link', 'add', gatewayLink, 'type', 'veth', 'peer', 'name', 'gw', 'netns', lanNetns]);
  await run('ip', ['-n', lanNetns, 'link', 'set', 'gw', 'master', 'br0', 'up']);
  await run('ip', ['addr', 'add', gatewayCidr, 'dev', gatewayLink]);
  await run('ip', ['link', 'set', gatewayLink, 'up']);
}

/** Creates the host's namespace and its veth into the LAN; the host sees it as eth0. */
export async function addHostToLan(
  lanNetns: string,
  hostNetns: string,
  index: number,
  cidr: string,
  gatewayIp: string,
): Promise<void> {
  await run('ip', ['netns', 'add', hostNetns], { context: `create network namespace ${hostNetns}` });
  const lanSide = `h${index}`;
  // Both ends are created directly inside their namespaces: no temporary name in the root namespace.
  await run('ip', [
    '-n',
    lanNetns,
    'link',
    'add',
    lanSide,
    'type',
    'veth',
    'peer',
    'name',
    'eth0',
    'netns',
    hostNetns,
  ]);
  await run('ip', ['-n', lanNetns, 'link', 'set', lanSide, 'master', 'br0', 'up']);
  await run('ip', ['-n', hostNetns, 'link', 'set', 'lo', 'up']);
  await run('ip', ['-n', hostNetns, 'addr', 'add', cidr, 'dev', 'eth0']);
  await run('ip', ['-n', hostNetns, 'link', 'set', 'eth0', 'up']);
  await run('ip', ['-n', hostNetns, 'route', 'add', 'default', 'via', gatewayIp]);
}

export async function listNetns(): Promise<string[]> {
  const r = await exec('ip', ['netns', 'list']);
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter(Boolean);
}

export async function linkExists(name: string): Promise<boolean> {
  return (await exec('ip', ['link', 'show', name])).exitCode === 0;
}

/** Picks a free /24 in 10.213.0.0/16 that no route of the root namespace and no live run uses. */
export async function pickSubnet(taken: readonly string[]): Promise<number> {
  const routes = (await exec('ip', ['-4', 'route', 'show'])).stdout;
  const addrs = (await exec('ip', ['-4', 'addr', 'show'])).stdout;
  for (let attempt = 0; attempt < 200; attempt++) {
    const k = 1 + Math.floor(Math.random() * 254);
    const prefix = `10.213.${k}.`;
    if (routes.includes(prefix) || addrs.includes(prefix) || taken.some((s) => s.startsWith(prefix)))
      continue;
    return k;
  }
  throw new Error('no free /24 left in 10.213.0.0/16 for the harness LAN; run `npm run testkit:cleanup`');
}
