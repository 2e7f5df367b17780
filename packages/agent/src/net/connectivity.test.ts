import http from 'node:http';
import type net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loopbackOnlySockets } from '@gnm/protocol/testing';
import { runChecks } from './connectivity.js';
import type { OperationContext } from '../operations/registry.js';

/**
 * net.check dials what the control plane names: this host's own policy (GNM_AGENT_OUTBOUND_ALLOW)
 * decides where it may go — private addresses (the attach flow's purpose) by default, loopback only
 * when the operator lists it, metadata addresses never — and a result never carries the far side's
 * words.
 */
const MARKER = 'far-side-words-41c2';

// These tests name metadata and private addresses on purpose: were the policy to regress, no socket
// may really go there from the test machine (the guard fails the test instead).
const guard = loopbackOnlySockets();
afterAll(() => {
  guard.restore();
  expect(guard.blocked).toEqual([]);
});
describe('net.check under the host outbound policy', () => {
  const hits: string[] = [];
  let port = 0;
  const srv = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    res.statusCode = 503;
    res.end(MARKER);
  });
  beforeAll(async () => {
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    port = (srv.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => srv.close(() => r())));
  afterEach(() => {
    delete process.env.GNM_AGENT_OUTBOUND_ALLOW;
    hits.length = 0;
  });

  const ctx = (): OperationContext =>
    ({ signal: new AbortController().signal, emit: () => undefined }) as unknown as OperationContext;
  const run = (host: string, p: number, kind: 'http' | 'tcp' = 'http') =>
    runChecks({ checks: [{ id: 'c', kind, host, port: p, path: '/health' }] }, ctx());

  it('does not dial loopback by default, nor a metadata address ever', async () => {
    for (const [host, p, kind] of [
      ['127.0.0.1', port, 'http'],
      ['localhost', port, 'tcp'],
      ['::ffff:127.0.0.1', port, 'tcp'],
      ['169.254.169.254', 80, 'http'],
      ['fd00:ec2::254', 80, 'tcp'],
    ] as const) {
      const r = await run(host, p, kind);
      expect(r.results[0], host).toMatchObject({ ok: false, failure: 'policy' });
    }
    process.env.GNM_AGENT_OUTBOUND_ALLOW = 'loopback,private,link-local';
    const meta = await run('169.254.169.254', 80);
    expect(meta.results[0]).toMatchObject({ ok: false, failure: 'policy' });
    expect(hits).toEqual([]);
  });

  it('dials loopback where the host allows it, and reports the status class, not the body', async () => {
    process.env.GNM_AGENT_OUTBOUND_ALLOW = 'loopback';
    const r = await run('127.0.0.1', port);
    expect(hits).toEqual(['/health']);
    expect(r.results[0]).toMatchObject({ ok: false, failure: 'http' });
    expect(JSON.stringify(r)).not.toContain(MARKER);
    const closed = await run('127.0.0.1', 1, 'tcp');
    expect(closed.results[0]).toMatchObject({ ok: false, failure: 'refused' });
  });
});
