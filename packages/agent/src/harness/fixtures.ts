import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBundle, type BundleManifest } from '@gnm/bundle';
import { SIM_COMPOSE } from '@gnm/sim';
import { joinDir, type Host } from '@gnm/testkit';
import type { Release } from '@gnm/control-plane/testing/tuf-release';
import { buildExecutable } from '../build/build-executable.js';

/**
 * Shared pieces of the agent's harness tests: the single executable (built once per test file), the
 * signed sim bundle under several versions, and the sim nvidia-smi on a host's PATH.
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const SIM_MANIFEST = path.resolve(path.dirname(SIM_COMPOSE.networkOverride), '../bundle/sim.manifest.json');
const SIM_SMI_DIR = path.resolve(HERE, '../../../sim/nvidia-smi');

export const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-agent-harness-'));

let exe: Promise<{ file: string; sha256: string }> | undefined;
export const agentExecutable = () => (exe ??= buildExecutable(path.join(tmp, 'exe')));

/** The sim bundle (official v0.2.14 files + the sim overrides) built, then copied under each version. */
export function simBundles(versions: string[]): { dir: string; manifest: BundleManifest }[] {
  const base = path.join(tmp, 'sim-bundle');
  const m = buildBundle({
    from: joinDir('v0.2.14'),
    manifest: SIM_MANIFEST,
    overrides: [SIM_COMPOSE.networkOverride, SIM_COMPOSE.mlnodeOverride],
    out: base,
  });
  return versions.map((version) => {
    const dir = path.join(tmp, `sim-bundle-${version}`);
    fs.cpSync(base, dir, { recursive: true });
    const manifest = { ...m, version };
    fs.writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    return { dir, manifest };
  });
}

export function signAll(release: Release, dirs: string[]): void {
  for (const d of dirs) release.release(d, { publish: false });
  release.publish();
}

/** Puts the sim's nvidia-smi (real captured outputs, no Node) on the host's PATH with a GPU profile. */
export async function installSimNvidiaSmi(host: Host, profile: string): Promise<void> {
  await host.copyIn(SIM_SMI_DIR, '/usr/local/lib/gnm-sim/nvidia-smi');
  await host.run('ln', ['-sf', '/usr/local/lib/gnm-sim/nvidia-smi/nvidia-smi', '/usr/local/bin/nvidia-smi']);
  await host.writeFile('/etc/gnm-sim/gpu-profile', `${profile}\n`);
}

/** Removes the agent's firewall chains and their hooks (iptables and ip6tables), whatever is left. */
export const REMOVE_GNM_CHAINS = [
  'iptables -D DOCKER-USER -m comment --comment "gnm: firewall hook (gnm-agent)" -j GNM-FWD',
  'iptables -D INPUT -m comment --comment "gnm: firewall hook (gnm-agent)" -j GNM-IN',
  'iptables -F GNM-FWD',
  'iptables -X GNM-FWD',
  'iptables -F GNM-IN',
  'iptables -X GNM-IN',
  'ip6tables -D INPUT -m comment --comment "gnm: firewall hook (gnm-agent)" -j GNM-IN',
  'ip6tables -F GNM-IN',
  'ip6tables -X GNM-IN',
  'true',
].join('; ');

/**
 * A shared harness host as it was before an installed agent ran a node on it: the agent killed, the
 * join stack and its volumes down, our firewall chains gone, the agent's state, stacks, model cache,
 * executable and the sim nvidia-smi removed — so the next test file finds a bare host.
 */
export async function resetAgentHost(h: Host): Promise<void> {
  await h.exec('pkill', ['-9', '-f', 'gnm-agent']);
  await h.exec('docker', [
    'compose',
    '--project-name',
    'join',
    'down',
    '--remove-orphans',
    '--volumes',
    '-t',
    '1',
  ]);
  await h.exec('sh', ['-c', REMOVE_GNM_CHAINS]);
  await h.exec('rm', ['-rf', '/var/lib/gnm-agent', '/srv/gnm', '/srv/gnm-hf', '/usr/local/bin/gnm-agent']);
  await h.exec('rm', ['-rf', '/usr/local/bin/nvidia-smi', '/usr/local/lib/gnm-sim', '/etc/gnm-sim']);
}
