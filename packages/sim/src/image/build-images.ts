import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { DOCKER_BIN, ensureBaseImage, exec, run } from '@gnm/testkit';

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The two sim versions, for update tests: network node/api version and ML node version. */
export const SIM_VERSIONS = [
  { chain: '0.2.14', mlnode: '3.0.14' },
  { chain: '0.2.15', mlnode: '3.0.16' },
] as const;
export type SimVersion = (typeof SIM_VERSIONS)[number];

export interface SimImage {
  version: SimVersion;
  /** gnm/sim:<chain>-sim: every network-node service. */
  networkRef: string;
  /** gnm/mlnode-sim:<mlnode>-sim: the same image under the ML node's version. */
  mlnodeRef: string;
  built: boolean;
}

export function simImageRefs(v: SimVersion): { networkRef: string; mlnodeRef: string } {
  return { networkRef: `gnm/sim:${v.chain}-sim`, mlnodeRef: `gnm/mlnode-sim:${v.mlnode}-sim` };
}

/** Bundles the sim into one CommonJS file (no node_modules inside the image). */
export async function bundleSim(outFile: string): Promise<void> {
  await build({
    entryPoints: [path.join(PKG, 'src/main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: outFile,
    logLevel: 'error',
    legalComments: 'none',
  });
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : [p];
  });
}

/**
 * Builds the sim images in the main dockerd, FROM the harness base image (no registry), one
 * multi-role image per version, tagged under both the network and the ML-node name. Rebuilt only
 * when the bundle, the image files or the base image change.
 */
export async function ensureSimImages(versions: readonly SimVersion[] = SIM_VERSIONS): Promise<SimImage[]> {
  const base = await ensureBaseImage();
  const ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-sim-image-'));
  try {
    await bundleSim(path.join(ctx, 'sim.cjs'));
    fs.cpSync(path.join(PKG, 'image-files'), ctx, { recursive: true });
    const h = createHash('sha256').update(base.hash);
    for (const f of filesUnder(ctx).sort()) h.update(`${path.relative(ctx, f)}\0`).update(fs.readFileSync(f));
    const contentHash = h.digest('hex').slice(0, 16);
    const out: SimImage[] = [];
    for (const v of versions) {
      const { networkRef, mlnodeRef } = simImageRefs(v);
      const hash = `${contentHash}-${v.chain}-${v.mlnode}`;
      const label = await exec(DOCKER_BIN, [
        'image',
        'inspect',
        '--format',
        '{{index .Config.Labels "org.gonka-node-manager.sim-hash"}}',
        networkRef,
      ]);
      const ml = await exec(DOCKER_BIN, ['image', 'inspect', mlnodeRef]);
      if (label.exitCode === 0 && label.stdout.trim() === hash && ml.exitCode === 0) {
        out.push({ version: v, networkRef, mlnodeRef, built: false });
        continue;
      }
      fs.writeFileSync(
        path.join(ctx, 'Dockerfile'),
        [
          `FROM ${base.ref}`,
          'COPY sim.cjs /opt/gnm-sim/sim.cjs',
          'COPY bin/ /usr/local/bin/',
          'COPY init-docker.sh /root/init-docker.sh',
          `ENV SIM_CHAIN_VERSION=${v.chain} SIM_MLNODE_VERSION=${v.mlnode}`,
          `LABEL org.gonka-node-manager.sim-hash=${hash}`,
          'WORKDIR /root',
          'CMD ["gnm-sim"]',
          '',
        ].join('\n'),
      );
      await run(DOCKER_BIN, ['build', '-q', '-t', networkRef, '-t', mlnodeRef, ctx], {
        env: { ...process.env, DOCKER_BUILDKIT: '0' } as Record<string, string>,
        context: `build the sim image ${networkRef}`,
        timeoutMs: 300_000,
      });
      out.push({ version: v, networkRef, mlnodeRef, built: true });
    }
    return out;
  } finally {
    fs.rmSync(ctx, { recursive: true, force: true });
  }
}

/** Paths of the sim's compose assets. */
export const SIM_COMPOSE = {
  networkOverride: path.join(PKG, 'compose/docker-compose.sim.yml'),
  mlnodeOverride: path.join(PKG, 'compose/docker-compose.mlnode.sim.yml'),
  genesis: path.join(PKG, 'compose/genesis.json'),
};
