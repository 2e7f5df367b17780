import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { rawPublicKey, signEnrollment } from '@gnm/protocol';
import { buildServer } from '../server.js';
import { Accounts } from '../accounts/accounts.js';
import { AuditLog } from '../audit/audit-log.js';
import { Sessions } from '../sessions/sessions.js';
import { freshDatabase } from '../testing/databases.js';
import type { OpenedDatabase } from '../db/open.js';
import { SESSION_COOKIE } from './context.js';

/**
 * One printable-name rule for every name a person chooses and others see (host, token and node names,
 * the host name an agent reports, e-mail addresses): no control characters (NUL, newline, tab), no
 * invisible format characters (a right-to-left override makes `gpu‮exe.1` read as `gpu1.exe`; zero-width
 * spaces make two names look alike), no line or paragraph separators, no spaces at either end. Each
 * route is first shown to take a good name, then every bad one is refused and none is stored.
 */
const BAD: Record<string, string> = {
  nul: 'gpu\u0000one',
  'bidi override': 'gpu\u202Eexe.1',
  newline: 'two\nlines',
  'carriage return': 'two\rlines',
  tab: 'gpu\tone',
  'line separator': 'gpu\u2028one',
  'paragraph separator': 'gpu\u2029one',
  'zero-width space': 'gpu\u200Bone',
  'byte order mark': '\uFEFFgpu',
  'bidi isolate': 'gpu\u2066one',
  'leading space': ' gpu-one',
  'trailing space': 'gpu-one ',
};
const PUBKEY = 'A1XaDhc1R9pXUY9UecgiyR+RcYdHFBV99uhO+fnfBYDd';
/** An address that carries the bad characters where the name has them (a trailing space stays trailing). */
const emailOf = (name: string) => (name.endsWith(' ') ? 'someone@example.org ' : `${name}@example.org`);
const nodeConfig = (name: string) => ({
  name,
  role: 'network',
  network: 'mainnet',
  publicHost: '127.0.0.1',
  accountPubkey: PUBKEY,
});

describe('one printable-name rule on every route that takes a name', () => {
  let opened: OpenedDatabase;
  let app: FastifyInstance;
  let headers: Record<string, string> = {};
  let n = 0;
  // Each request from its own address: enrollment is rate-limited per address.
  const inject = (method: 'POST' | 'PUT', url: string, payload: unknown, h = headers) =>
    app.inject({
      method,
      url,
      headers: h,
      payload: payload as object,
      remoteAddress: `10.9.${n % 250}.${(n += 1) % 250}`,
    });
  const newHost = async () => {
    const r = await inject('POST', '/api/v1/hosts', { name: `host-${(n += 1)}` });
    expect(r.statusCode).toBe(201);
    return r.json<{ host: { id: string }; enrollment: { token: string } }>();
  };
  const enroll = (token: string, fields: { hostname?: string; agentVersion?: string }) => {
    const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
    const raw = rawPublicKey(publicKey);
    return inject(
      'POST',
      '/agent/v1/enroll',
      {
        token,
        publicKey: raw,
        proof: signEnrollment(token, raw, 'plain-ws', privateKey),
        agentVersion: fields.agentVersion ?? '0.1.0',
        hostname: fields.hostname ?? 'host-ok',
      },
      {},
    );
  };
  let nodeId = '';

  /** Each route: how to send a name, and whether the answer stored it. */
  const routes: Record<string, (name: string) => Promise<{ statusCode: number; body: string }>> = {
    'POST /api/v1/hosts (name)': (name) => inject('POST', '/api/v1/hosts', { name }),
    'POST /api/v1/tokens (name)': (name) => inject('POST', '/api/v1/tokens', { name, scope: 'read' }),
    'POST /api/v1/nodes (config.name)': async (name) =>
      inject('POST', '/api/v1/nodes', { hostId: (await newHost()).host.id, config: nodeConfig(name) }),
    'PUT /api/v1/nodes/:id/config (config.name)': (name) =>
      inject('PUT', `/api/v1/nodes/${nodeId}/config`, { config: nodeConfig(name) }),
    'POST /agent/v1/enroll (hostname)': async (name) =>
      enroll((await newHost()).enrollment.token, { hostname: name }),
    'POST /agent/v1/enroll (agentVersion)': async (name) =>
      enroll((await newHost()).enrollment.token, { agentVersion: name }),
    'POST /api/v1/invitations (email)': (name) =>
      inject('POST', '/api/v1/invitations', { email: emailOf(name) }),
  };
  const good: Record<string, string> = {
    'POST /api/v1/invitations (email)': 'good',
    'POST /agent/v1/enroll (agentVersion)': '0.1.0',
  };

  beforeAll(async () => {
    opened = await freshDatabase('sqlite');
    const accounts = new Accounts(opened.db, new AuditLog(opened.db));
    const owner = await accounts.createOwner(
      (await accounts.issueSetupToken()) ?? '',
      'owner@example.org',
      'long enough password',
      null,
    );
    const { token, session } = await new Sessions(opened.db).create(owner);
    headers = { cookie: `${SESSION_COOKIE}=${token}`, 'x-csrf-token': session.csrfToken };
    app = await buildServer({ logLevel: 'silent' }, opened.db);
    const host = await newHost();
    const node = await inject('POST', '/api/v1/nodes', {
      hostId: host.host.id,
      config: nodeConfig('node-0'),
    });
    expect(node.statusCode).toBe(201);
    nodeId = node.json<{ id: string }>().id;
  });
  afterAll(async () => {
    await app.close();
    await opened.close();
  });

  it.each(Object.keys(routes))('%s takes a good name and refuses every unprintable one', async (route) => {
    const send = routes[route];
    if (!send) throw new Error(route);
    const ok = await send(good[route] ?? `name-${(n += 1)} ok`);
    expect({ route, status: ok.statusCode, body: ok.body }).toMatchObject({
      route,
      status: expect.toSatisfy((s: number) => s >= 200 && s < 300) as number,
    });
    const accepted: string[] = [];
    for (const [what, name] of Object.entries(BAD)) {
      const r = await send(name);
      if (r.statusCode < 400 || r.statusCode >= 500) accepted.push(`${what} → ${r.statusCode}`);
      else
        expect({ what, body: r.body }).toEqual({ what, body: expect.stringMatching(/printable/i) as string });
    }
    expect(accepted).toEqual([]);
  });

  it('nothing unprintable was stored', async () => {
    const dump = JSON.stringify(
      await Promise.all(
        (['hosts', 'api_tokens', 'nodes', 'invitations', 'users'] as const).map((t) =>
          opened.db.selectFrom(t).selectAll().execute(),
        ),
      ),
    );
    for (const [what, name] of Object.entries(BAD))
      expect({ what, stored: dump.includes(JSON.stringify(name).slice(1, -1)) }).toEqual({
        what,
        stored: false,
      });
  });

  it('POST /api/v1/setup (email) refuses an unprintable address and makes no owner', async () => {
    const fresh = await freshDatabase('sqlite');
    const setupToken = (await new Accounts(fresh.db, new AuditLog(fresh.db)).issueSetupToken()) ?? '';
    const server = await buildServer({ logLevel: 'silent' }, fresh.db);
    try {
      for (const name of Object.values(BAD)) {
        const r = await server.inject({
          method: 'POST',
          url: '/api/v1/setup',
          payload: { setupToken, email: emailOf(name), password: 'long enough password' },
          remoteAddress: `10.8.0.${(n += 1) % 250}`,
        });
        expect({ name, status: r.statusCode }).toEqual({ name, status: 400 });
      }
      expect(await fresh.db.selectFrom('users').selectAll().execute()).toEqual([]);
    } finally {
      await server.close();
      await fresh.close();
    }
  });
});
