import net from 'node:net';
import { startTestControlPlane, type TestControlPlane } from '@gnm/control-plane/testing';
import type { NodeHealthFacts } from '@gnm/gonka/health-facts';
import { ensureWebBuilt } from '../build/ensure-built.js';

/**
 * A control plane as a fresh install is: HTTPS with its self-signed certificate, SQLite, the built
 * console at /, no owner yet and a one-time setup token (what `npm start` prints on a first run).
 * startTestControlPlane makes an owner for API tests; the console's first run needs none, so that
 * owner is removed again and a setup token issued the way the control plane's start does.
 */
export interface FreshConsole {
  cp: TestControlPlane;
  url: string;
  setupToken: string;
  close(): Promise<void>;
}

export async function startFreshConsole(
  o: {
    /** More options of the control plane (the harness tests listen on the LAN, serve a real agent). */
    controlPlane?: Parameters<typeof startTestControlPlane>[1];
    /** Record a stand-in `gonka-join` release (default); the harness test imports a signed bundle instead. */
    standInBundle?: boolean;
  } = {},
): Promise<FreshConsole> {
  ensureWebBuilt((l) => console.log(l));
  // Agents report every 2 s (as a small fleet's do every 10 s), so presence follows within the test.
  const cp = await startTestControlPlane('sqlite', { reportIntervalMs: 2000, ...o.controlPlane });
  await cp.db.db.deleteFrom('users').execute();
  const setupToken = await cp.services.accounts.issueSetupToken();
  if (!setupToken) throw new Error('no setup token: the instance still has an owner');
  // A release of the signed bundle, as `gnm bundle import` records it (deploys take the newest one);
  // importing a real archive is the bundle repository's own test.
  if (o.standInBundle !== false)
    await cp.db.db
      .insertInto('bundles')
      .values({
        name: 'gonka-join',
        version: '0.2.14-1',
        gonka_release: 'v0.2.14',
        file_count: 1,
        targets_version: 1,
        imported_at: new Date().toISOString(),
      })
      .execute();
  return { cp, url: cp.url, setupToken, close: () => cp.close() };
}

/** A port nothing listens on: a "seed node" that does not answer (the recommender falls back). */
export const closedPort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });

/** The agent's status report of an 8×H200 server with Docker and Compose, ready for a full node. */
export function h200Report(containers: { service: string; state: string }[] = []): Record<string, unknown> {
  return {
    agentVersion: '0.1.0',
    probe: {
      os: { prettyName: 'Debian GNU/Linux 12 (bookworm)', kernel: '6.1.0-28-amd64', arch: 'x64' },
      cpu: { model: 'AMD EPYC 9654', cores: 192 },
      memory: { totalMiB: 2_063_000 },
      disk: { path: '/var/lib/gnm-agent/stacks', freeGiB: 3400, totalGiB: 3800 },
      docker: { server: '26.1.5', compose: '2.32.4', nvidiaRuntime: true },
      gpus: Array.from({ length: 8 }, (_, i) => ({
        index: i,
        name: 'NVIDIA H200',
        memoryMiB: 143_771,
        driverVersion: '570.124.06',
        pciBusId: `00000000:${(0x18 + i * 0x10).toString(16).toUpperCase()}:00.0`,
        computeCapability: '9.0',
      })),
      nvlink: { gpus: 8, nvlinkPairs: 28, allPairsNvlink: true },
      portsInUse: [22],
      findings: [
        { check: 'docker', severity: 'ok', message: 'Docker 26.1.5' },
        { check: 'compose', severity: 'ok', message: 'Docker Compose 2.32.4' },
        {
          check: 'fabric-manager',
          severity: 'warning',
          message: 'nvidia-fabricmanager is not running (NVSwitch systems need it)',
          fix: 'apt-get install nvidia-fabricmanager-570 && systemctl enable --now nvidia-fabricmanager',
        },
      ],
    },
    containers: containers.map((c) => ({
      ...c,
      name: `join-${c.service}-1`,
      health: null,
      status: c.state === 'running' ? 'Up 5 minutes' : 'Exited (1) 1 minute ago',
      exitCode: 0,
      image: `sim/${c.service}:1`,
      configHash: null,
    })),
  };
}

export const STACK_SERVICES = ['api', 'inference', 'node', 'proxy', 'tmkms'];

/** What node.health reads on a healthy, synced, registered and granted full node. */
export function healthyFacts(chainId: string | null = 'gonka-sim'): NodeHealthFacts {
  return {
    at: new Date().toISOString(),
    role: 'full',
    release: '0.2.14-1',
    containers: STACK_SERVICES.map((service) => ({
      service,
      state: 'running',
      health: 'healthy',
      restartCount: 0,
    })),
    chain: {
      height: 1200,
      catchingUp: false,
      latestBlockTime: new Date().toISOString(),
      networkHeight: 1201,
      chainId,
      consensusKey: 'x2pBIAVeBXjVnxs7AYRm6cBGg+6TnGWgkzxwwMx0YyY=',
    },
    setupReport: {
      overall: 'PASS',
      checks: [
        'permissions_granted',
        'feegrant_allowance',
        'consensus_key_match',
        'cold_key_not_in_keyring',
        'active_in_epoch',
        'block_sync',
      ].map((id) => ({ id, status: 'PASS', message: `${id} ok` })),
    },
    mlNodes: [
      {
        id: 'node1',
        state: 'INFERENCE',
        loadedModel: 'Qwen/Qwen3-235B-A22B-Instruct-2507-FP8',
        healthy: true,
        pocWeight: 12,
      },
    ],
    errors: [],
  };
}
