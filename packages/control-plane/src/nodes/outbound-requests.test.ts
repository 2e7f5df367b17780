import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackOnlySockets } from '@gnm/protocol/testing';
import { startTestControlPlane, type TestControlPlane } from '../testing/control-plane.js';

/**
 * Requests the control plane makes on a user's word (the recommendation's seed API, the
 * reachability check before registration) go through the outbound policy: loopback, private and
 * link-local addresses only where the operator allows them, metadata addresses never, every
 * address a name resolves to checked, every redirect hop checked, and the answer carries a fixed
 * reason — never what the far side said.
 */
const PUBKEY = 'A1XaDhc1R9pXUY9UecgiyR+RcYdHFBV99uhO+fnfBYDd';
const MARKER = 'far-side-body-7f3a9c';
const REPORT = JSON.stringify({
  agentVersion: '0.1.0',
  probe: { gpus: [{ index: 0, name: 'NVIDIA H200', memoryMiB: 143771, driverVersion: '570' }] },
});

/** A local HTTP server that counts what it is asked and answers with `answer`. */
async function server(
  host: string,
  answer: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<{ url: string; port: number; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const s = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    answer(req, res);
  });
  await new Promise<void>((r) => s.listen(0, host, r));
  const a = s.address();
  if (!a || typeof a !== 'object') throw new Error('no port');
  return {
    url: `http://${host}:${a.port}`,
    port: a.port,
    hits,
    close: () => new Promise<void>((r) => s.close(() => r())),
  };
}

const models = (_q: http.IncomingMessage, res: http.ServerResponse) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ models: [{ id: 'moonshotai/Kimi-K2.6' }], note: MARKER }));
};

async function hostWithGpus(cp: TestControlPlane): Promise<string> {
  const id = (await cp.call<{ host: { id: string } }>(cp.owner, 'POST', '/api/v1/hosts', { name: 'gpu-1' }))
    .body.host.id;
  await cp.db.db.updateTable('hosts').set({ last_report: REPORT }).where('id', '=', id).execute();
  return id;
}

// These tests name metadata and private addresses on purpose: were the policy to regress, no socket
// may really go there from the test machine (the guard fails the test instead).
const guard = loopbackOnlySockets();
afterAll(() => {
  guard.restore();
  expect(guard.blocked).toEqual([]);
});
describe('outbound requests chosen by a user', () => {
  /** No allowance: the default of a control plane in production. */
  let strict: TestControlPlane;
  /** Loopback, private and link-local allowed, as a lab or the sim would configure it. */
  let lab: TestControlPlane;
  /** Only 127.0.0.1 itself allowed (a CIDR), so other loopback addresses stay refused. */
  let narrow: TestControlPlane;
  let strictHost = '';
  let labHost = '';
  let narrowHost = '';

  beforeAll(async () => {
    strict = await startTestControlPlane('sqlite', { plain: true, outboundAllow: '' });
    lab = await startTestControlPlane('sqlite', {
      plain: true,
      outboundAllow: 'loopback,private,link-local',
    });
    narrow = await startTestControlPlane('sqlite', { plain: true, outboundAllow: '127.0.0.1/32' });
    strictHost = await hostWithGpus(strict);
    labHost = await hostWithGpus(lab);
    narrowHost = await hostWithGpus(narrow);
  });
  afterAll(async () => {
    await Promise.all([strict.close(), lab.close(), narrow.close()]);
  });

  const recommend = (cp: TestControlPlane, hostId: string, seedApi: string) =>
    cp.call<{ detail?: string; allowedModels?: { source: string; fallbackReason?: string } }>(
      cp.owner,
      'GET',
      `/api/v1/hosts/${hostId}/recommendation?network=sim&seedApi=${encodeURIComponent(seedApi)}`,
    );

  it('the path is open where the operator allows it: a loopback seed is read', async () => {
    const seed = await server('127.0.0.1', models);
    try {
      const r = await recommend(lab, labHost, `${seed.url}/`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.allowedModels?.source).toBe('live');
      expect(seed.hits).toEqual(['/v1/models']);
    } finally {
      await seed.close();
    }
  });

  it('a loopback seed is refused without the allowance, and never asked', async () => {
    const seed = await server('127.0.0.1', models);
    try {
      const r = await recommend(strict, strictHost, `${seed.url}/`);
      expect(seed.hits).toEqual([]);
      expect(r.status, JSON.stringify(r.body)).toBe(422);
      expect(r.body.detail).toMatch(/refused-by-policy/);
      expect(r.body.detail).toMatch(/GNM_OUTBOUND_ALLOW/);
      expect(JSON.stringify(r.body)).not.toContain(MARKER);
    } finally {
      await seed.close();
    }
  });

  it('a name that resolves to loopback is refused too (every resolved address is checked)', async () => {
    const seed = await server('127.0.0.1', models);
    try {
      const r = await recommend(strict, strictHost, `http://localhost:${seed.port}/`);
      expect(seed.hits).toEqual([]);
      expect(r.status, JSON.stringify(r.body)).toBe(422);
      expect(r.body.detail).toMatch(/refused-by-policy/);
    } finally {
      await seed.close();
    }
  });

  it('a metadata address is refused even where private, loopback and link-local are allowed', async () => {
    for (const seedApi of [
      'http://169.254.169.254/',
      'http://169.254.169.254:80',
      'http://100.100.100.200/',
    ]) {
      const r = await recommend(lab, labHost, seedApi);
      expect(r.status, `${seedApi}: ${JSON.stringify(r.body)}`).toBe(422);
      expect(r.body.detail).toMatch(/refused-by-policy/);
    }
  });

  it('a redirect from an allowed seed to a refused address is not followed', async () => {
    const target = await server('127.0.0.2', models);
    const seed = await server('127.0.0.1', (_q, res) => {
      res.statusCode = 302;
      res.setHeader('location', `${target.url}/v1/models`);
      res.end(MARKER);
    });
    try {
      const r = await recommend(narrow, narrowHost, `${seed.url}/`);
      expect(seed.hits).toEqual(['/v1/models']);
      expect(target.hits).toEqual([]);
      expect(r.status, JSON.stringify(r.body)).toBe(422);
      expect(r.body.detail).toMatch(/refused-by-policy/);
      expect(JSON.stringify(r.body)).not.toContain(MARKER);
    } finally {
      await Promise.all([seed.close(), target.close()]);
    }
  });

  it('what the far side says never reaches the user: a fixed reason with the status class only', async () => {
    const seed = await server('127.0.0.1', (_q, res) => {
      res.statusCode = 503;
      res.end(`${MARKER} internal error at /srv/secret`);
    });
    const odd = await server('127.0.0.1', (_q, res) => res.end(JSON.stringify({ [MARKER]: true })));
    try {
      const down = await recommend(lab, labHost, `${seed.url}/`);
      expect(down.status).toBe(200);
      expect(down.body.allowedModels).toMatchObject({ source: 'bundle', fallbackReason: 'http-status 5xx' });
      const bad = await recommend(lab, labHost, `${odd.url}/`);
      expect(bad.body.allowedModels).toMatchObject({ source: 'bundle', fallbackReason: 'bad-answer' });
      const closed = await recommend(lab, labHost, 'http://127.0.0.1:1/');
      expect(closed.body.allowedModels).toMatchObject({ source: 'bundle', fallbackReason: 'connect-failed' });
      for (const r of [down, bad, closed]) {
        expect(JSON.stringify(r.body)).not.toContain(MARKER);
        expect(JSON.stringify(r.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
      }
    } finally {
      await Promise.all([seed.close(), odd.close()]);
    }
  });

  it('registration does not dial a loopback public address without the allowance; the answer names a fixed reason', async () => {
    const api = await server('127.0.0.1', (_q, res) => res.end(MARKER));
    const p2pHits: number[] = [];
    const p2p = net.createServer((s) => {
      p2pHits.push(1);
      s.end();
    });
    await new Promise<void>((r) => p2p.listen(0, '127.0.0.1', r));
    const p2pPort = (p2p.address() as net.AddressInfo).port;
    try {
      const node = await strict.call<{ id: string }>(strict.owner, 'POST', '/api/v1/nodes', {
        hostId: strictHost,
        config: {
          name: 'node-a',
          role: 'network',
          network: 'mainnet',
          publicHost: '127.0.0.1',
          accountPubkey: PUBKEY,
          ports: { api: api.port, p2pExternal: p2pPort },
        },
      });
      expect(node.status, JSON.stringify(node.body)).toBe(201);
      await strict.db.db
        .updateTable('nodes')
        .set({ release: '0.2.14-3', state: 'deployed' })
        .where('id', '=', node.body.id)
        .execute();
      const r = await strict.call<{ detail: string }>(
        strict.owner,
        'POST',
        `/api/v1/nodes/${node.body.id}/register`,
      );
      expect(api.hits).toEqual([]);
      expect(p2pHits).toEqual([]);
      expect(r.status, JSON.stringify(r.body)).toBe(409);
      expect(r.body.detail).toMatch(/nothing was registered/);
      expect(r.body.detail).toMatch(/refused-by-policy/);
      expect(r.body.detail).not.toMatch(/ECONNREFUSED|did not answer \(/);
    } finally {
      await api.close();
      await new Promise<void>((r) => p2p.close(() => r()));
    }
  });
});
