import http from 'node:http';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackOnlySockets } from '../testing/loopback-only.js';
import { connectTcpForUser } from './connect-tcp.js';
import { fetchForUser } from './fetch-for-user.js';
import { OutboundError } from './outbound-error.js';
import { outboundPolicy } from './policy.js';
import type { Resolver } from './resolve.js';

const strict = outboundPolicy('');
const loopback = outboundPolicy('loopback');

async function reasonOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(OutboundError);
    return (e as OutboundError).label;
  }
  return 'ok';
}

// These tests name metadata and private addresses on purpose: were the policy to regress, no socket
// may really go there from the test machine (the guard fails the test instead).
const guard = loopbackOnlySockets();
afterAll(() => {
  guard.restore();
  expect(guard.blocked).toEqual([]);
});
describe('fetchForUser and connectTcpForUser', () => {
  const hits: { url: string; host: string }[] = [];
  let port = 0;
  let base = '';
  const srv = http.createServer((req, res) => {
    hits.push({ url: req.url ?? '', host: req.headers.host ?? '' });
    const u = req.url ?? '';
    if (u.startsWith('/hop/')) {
      const n = Number(u.slice(5));
      res.statusCode = 302;
      res.setHeader('location', n > 0 ? `/hop/${n - 1}` : '/ok');
      res.end();
    } else if (u === '/to-file') {
      res.statusCode = 301;
      res.setHeader('location', 'file:///etc/passwd');
      res.end();
    } else if (u === '/big') res.end('x'.repeat(4096));
    else if (u === '/slow') setTimeout(() => res.end('late'), 2000);
    else res.end('{"ok":true}');
  });
  beforeAll(async () => {
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    port = (srv.address() as net.AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => new Promise<void>((r) => srv.close(() => r())));

  it('reaches an allowed address and hands back the answer', async () => {
    const r = await fetchForUser(`${base}/x`, {}, loopback);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ok: true });
  });

  it('refuses before connecting: loopback without the allowance, odd spellings of it, metadata names', async () => {
    hits.length = 0;
    for (const u of [
      `${base}/`,
      `http://localhost:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      `http://2130706433:${port}/`,
      `http://0x7f.1:${port}/`,
      `http://127.1:${port}/`,
      'http://metadata.google.internal/computeMetadata/v1/',
      `http://user:pw@example.org/`,
      'file:///etc/passwd',
      'gopher://example.org/',
    ])
      expect(await reasonOf(fetchForUser(u, {}, strict)), u).toBe('refused-by-policy');
    for (const host of ['127.0.0.1', 'localhost', '2130706433', '0x7f.1', '::1', '169.254.169.254'])
      expect(await reasonOf(connectTcpForUser(host, port, strict)), host).toBe('refused-by-policy');
    expect(await reasonOf(connectTcpForUser('169.254.169.254', 80, outboundPolicy('link-local')))).toBe(
      'refused-by-policy',
    );
    expect(hits).toEqual([]);
  });

  it('resolves once, checks every address and connects to the checked one (no rebinding)', async () => {
    hits.length = 0;
    let calls = 0;
    const rebinding: Resolver = () => {
      calls++;
      return Promise.resolve([
        { address: '93.184.216.34', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ]);
    };
    expect(await reasonOf(fetchForUser(`http://seed.test:${port}/`, { resolve: rebinding }, strict))).toBe(
      'refused-by-policy',
    );
    expect(calls).toBe(1);
    // A name the resolver maps to an allowed address: the request goes there, with the name as Host.
    const local: Resolver = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    const r = await fetchForUser(`http://seed.test:${port}/named`, { resolve: local }, loopback);
    expect(r.status).toBe(200);
    expect(hits).toEqual([{ url: '/named', host: `seed.test:${port}` }]);
    const nowhere: Resolver = () => Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }));
    expect(await reasonOf(fetchForUser('http://seed.test/', { resolve: nowhere }, loopback))).toBe(
      'dns-failed',
    );
  });

  it('follows redirects a bounded number of times, checking each hop', async () => {
    expect((await fetchForUser(`${base}/hop/2`, {}, loopback)).status).toBe(200);
    expect(await reasonOf(fetchForUser(`${base}/hop/5`, {}, loopback))).toBe('http-status 3xx');
    expect((await fetchForUser(`${base}/hop/0`, { maxRedirects: 0 }, loopback)).status).toBe(302);
    expect(await reasonOf(fetchForUser(`${base}/to-file`, {}, loopback))).toBe('refused-by-policy');
  });

  it('gives fixed reasons for what goes wrong on the way', async () => {
    expect(await reasonOf(fetchForUser(`${base}/big`, { maxBytes: 1000 }, loopback))).toBe('bad-answer');
    expect(await reasonOf(fetchForUser(`${base}/slow`, { timeoutMs: 300 }, loopback))).toBe('timeout');
    expect(await reasonOf(fetchForUser('http://127.0.0.1:1/', {}, loopback))).toBe('connect-failed');
    expect(await reasonOf(fetchForUser(`https://127.0.0.1:${port}/`, {}, loopback))).toBe('tls-failed');
    try {
      await connectTcpForUser('127.0.0.1', 1, loopback);
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ reason: 'connect-failed', code: 'ECONNREFUSED' });
      expect((e as Error).message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    }
    await expect(connectTcpForUser('127.0.0.1', port, loopback)).resolves.toBeUndefined();
  });
});
