import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fuzzMultiplier, fuzzSeed, loopbackOnlySockets, wrongValue } from '@gnm/protocol/testing';
import { openDatabase, type OpenedDatabase } from '../db/open.js';
import { Accounts, type User } from '../accounts/accounts.js';
import { AuditLog } from '../audit/audit-log.js';
import { Sessions } from '../sessions/sessions.js';
import { ApiTokens } from '../tokens/api-tokens.js';
import { buildServer, ephemeralIdentity } from '../server.js';
import { SESSION_COOKIE } from './context.js';

/**
 * Every API route, from Fastify's own route list (so a new route is covered without touching this
 * test), called through `inject` with generated path ids, query strings and bodies: bodies and queries
 * from the route's JSON schema in the OpenAPI document (mostly right, some fields wrong), plus junk,
 * wrong types, huge strings, `__proto__` keys, deep and broken JSON. Only 2xx and 4xx may come back,
 * and a 4xx must leave the database exactly as it was (each table's row count and a hash of its rows).
 *
 * No request leaves the process: `fetch` is replaced by one that refuses (the recommendation's seed API,
 * a registration's reachability check and a bundle upstream would otherwise dial out), and the
 * recommendation's `seedApi` is only ever an unreachable address.
 */
const UNREACHABLE = ['http://127.0.0.1:9/', 'http://127.0.0.1:9', 'https://127.0.0.1:9/'];
/** Every route is a target (the agent downloads serve a small stand-in executable). */
const SKIPPED = new Set<string>();

type Json = Record<string, unknown>;
interface Caller {
  name: string;
  headers: Record<string, string>;
}

describe('fuzz: every API route through inject', () => {
  let dir: string;
  let db: OpenedDatabase;
  let app: FastifyInstance;
  let doc: { paths: Record<string, Record<string, Json>> };
  let owner: User;
  const callers: Caller[] = [];
  const ids: Record<string, string[]> = {};
  const dialed: string[] = [];
  // Requests a route makes for a user (seed API, reachability) go through the outbound policy over
  // node:http, not fetch: generated addresses must not be dialled from the test machine either.
  let guard: ReturnType<typeof loopbackOnlySockets> | undefined;

  beforeAll(async () => {
    guard = loopbackOnlySockets();
    vi.stubGlobal('fetch', (url: unknown) => {
      dialed.push(String(url));
      return Promise.reject(new TypeError('fetch failed: outbound requests are off in this test'));
    });
    dir = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'gnm-fuzz-api-'));
    db = await openDatabase({ dataDir: dir });
    // The install routes serve whatever executable they are given: a stand-in keeps them 200.
    const exe = path.join(dir, 'gnm-agent-stand-in');
    fs.writeFileSync(exe, '#!/bin/sh\necho stand-in\n', { mode: 0o755 });
    app = await buildServer(
      { logLevel: 'silent', dataDir: dir, publicUrl: 'http://127.0.0.1:9', agentBinary: exe },
      db.db,
      {
        identity: ephemeralIdentity(),
      },
    );
    await app.ready();
    doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const accounts = new Accounts(db.db, new AuditLog(db.db));
    owner = await accounts.createOwner(
      (await accounts.issueSetupToken()) ?? '',
      'owner@example.org',
      'long enough password',
      null,
    );
    await refreshCallers();
    await seed();
  }, 120_000);
  afterAll(async () => {
    guard?.restore();
    vi.unstubAllGlobals();
    await app.close();
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The owner's session, a write and a read token, and nobody. Recreated when a case logged them out. */
  async function refreshCallers(): Promise<void> {
    const { token, session } = await new Sessions(db.db).create(owner);
    const tokens = new ApiTokens(db.db);
    const write = (await tokens.create(owner, `fuzz-write-${crypto.randomUUID()}`, 'write', 1)).token;
    const read = (await tokens.create(owner, `fuzz-read-${crypto.randomUUID()}`, 'read', 1)).token;
    callers.splice(
      0,
      callers.length,
      {
        name: 'session',
        headers: { cookie: `${SESSION_COOKIE}=${token}`, 'x-csrf-token': session.csrfToken },
      },
      { name: 'write token', headers: { authorization: `Bearer ${write}` } },
      { name: 'read token', headers: { authorization: `Bearer ${read}` } },
      { name: 'nobody', headers: {} },
    );
  }

  async function call(method: string, url: string, body?: unknown) {
    const r = await app.inject({
      method: method as 'GET',
      url,
      headers: callers[0]?.headers ?? {},
      ...(body !== undefined ? { payload: body as Json } : {}),
    });
    if (r.statusCode >= 300) throw new Error(`seeding ${method} ${url}: ${r.statusCode} ${r.body}`);
    return r.json<Json>();
  }

  /** One object of each kind, so path ids often name something that exists. */
  async function seed(): Promise<void> {
    const add = (kind: string, id: unknown) => {
      if (typeof id === 'string') (ids[kind] ??= []).push(id);
    };
    const host = (await call('POST', '/api/v1/hosts', { name: `fuzz-${ids.hosts?.length ?? 0}` })) as {
      host: { id: string };
    };
    add('hosts', host.host.id);
    const host2 = (await call('POST', '/api/v1/hosts', { name: `fuzz-ml-${ids.hosts?.length ?? 0}` })) as {
      host: { id: string };
    };
    add('hosts', host2.host.id);
    add('tasks', (await call('POST', `/api/v1/hosts/${host.host.id}/tasks`, { op: 'host.probe' })).id);
    const node = await call('POST', '/api/v1/nodes', {
      hostId: host.host.id,
      config: {
        name: `fuzz-node-${ids.nodes?.length ?? 0}`,
        role: 'network',
        network: 'mainnet',
        publicHost: '203.0.113.7',
        accountPubkey: 'A1XaDhc1R9pXUY9UecgiyR+RcYdHFBV99uhO+fnfBYDd',
      },
    });
    add('nodes', node.id);
    const ml = await call('POST', '/api/v1/nodes', {
      hostId: host2.host.id,
      config: {
        name: `fuzz-ml-${ids.nodes?.length ?? 0}`,
        role: 'mlnode',
        network: 'mainnet',
        publicHost: '203.0.113.8',
        serving: { model: 'MiniMaxAI/MiniMax-M2.7', args: [], maxConcurrent: 100 },
      },
    });
    add('nodes', ml.id);
    add(
      'attachments',
      (
        await call('POST', `/api/v1/nodes/${String(node.id)}/attachments`, {
          mlNodeId: ml.id,
          networkAddress: '10.0.0.1',
          mlAddress: '10.0.0.2',
        })
      ).id,
    );
    add(
      'tokens',
      (await call('POST', '/api/v1/tokens', { name: `seed-${ids.tokens?.length ?? 0}`, scope: 'read' })).id,
    );
    add(
      'invitations',
      (
        await call('POST', '/api/v1/invitations', {
          email: `guest${ids.invitations?.length ?? 0}@example.org`,
        })
      ).id,
    );
  }

  /** Row count and a hash of the rows of each table. */
  async function fingerprint(): Promise<Map<string, string>> {
    const tables = await sql<{
      name: string;
    }>`select name from sqlite_master where type = 'table' order by name`.execute(db.db);
    const out = new Map<string, string>();
    for (const { name } of tables.rows) {
      // Bookkeeping a refusal may write, by design: the audit record of a denied attempt (with the
      // autoincrement counter behind it), and a token's last use.
      if (name === 'sqlite_sequence') continue;
      const rows =
        name === 'audit_log'
          ? await sql<Json>`select * from audit_log where outcome <> 'denied' order by rowid`.execute(db.db)
          : await sql<Json>`select * from ${sql.table(name)} order by rowid`.execute(db.db);
      if (name === 'api_tokens') for (const r of rows.rows) delete r.last_used_at;
      const h = crypto.createHash('sha256');
      for (const r of rows.rows)
        h.update(JSON.stringify(r, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v)));
      out.set(name, `${rows.rows.length}:${h.digest('hex')}`);
    }
    return out;
  }
  const changed = (a: Map<string, string>, b: Map<string, string>) =>
    [...b].filter(([t, v]) => a.get(t) !== v).map(([t]) => t);

  it('answers every route with 2xx or 4xx, never 5xx, and writes nothing on a 4xx', async () => {
    const routes = app.routeList.filter((r) => !SKIPPED.has(`${r.method} ${r.url}`));
    expect(routes.length).toBeGreaterThanOrEqual(40);
    const perRoute = 200 * fuzzMultiplier();
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let cases = 0;
    let notBuilt = 0;
    let fp = await fingerprint();
    for (const [i, route] of routes.entries()) {
      const op = doc.paths[route.url.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()];
      const request = requestFor(route, op, ids);
      const samples = fc.sample(request, { seed: fuzzSeed(4200 + i), numRuns: perRoute });
      const stream = route.url.endsWith('/stream');
      for (const [n, s] of samples.entries()) {
        const caller = callers[n % callers.length] ?? { name: 'nobody', headers: {} };
        const res = await app.inject({
          method: route.method as 'GET',
          url: s.url,
          headers: { ...caller.headers, ...(s.contentType ? { 'content-type': s.contentType } : {}) },
          ...(s.payload !== undefined ? { payload: s.payload } : {}),
          // Event streams stay open: take the status line, then hang up.
          ...(stream ? { payloadAsStream: true } : {}),
        });
        if (stream) res.stream().destroy();
        cases++;
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        const what = () =>
          `${route.method} ${route.url} as ${caller.name} (seed ${fuzzSeed(4200 + i)}, case ${n}): ${s.url} ${String(s.payload).slice(0, 300)}`;
        // The console's own page when its files were not built (`vite build`): an answer by design.
        const consoleNotBuilt =
          res.statusCode === 503 &&
          !route.url.startsWith('/api') &&
          String(res.headers['content-type']).startsWith('text/html');
        if (consoleNotBuilt) notBuilt++;
        else if (res.statusCode >= 500)
          failures.push(`${res.statusCode} ← ${what()} → ${stream ? '' : res.body.slice(0, 300)}`);
        const now = await fingerprint();
        const wrote = changed(fp, now);
        if (res.statusCode >= 400 && res.statusCode < 500 && wrote.length)
          failures.push(
            `wrote ${wrote.join(', ')} on ${res.statusCode} ← ${what()} → ${stream ? '' : res.body.slice(0, 200)}`,
          );
        fp = now;
        // A case that logged the caller out or revoked its token: new credentials for the next one.
        if (res.statusCode < 300 && route.method !== 'GET') {
          await refreshCallers();
          fp = await fingerprint();
        }
      }
    }
    const hist = [...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`);
    const fivexx = failures.filter((f) => /^5\d\d/.test(f)).length;
    console.log(
      `fuzz api: ${routes.length} routes × ${perRoute} cases (${cases}), ${fivexx} 5xx, ${failures.length - fivexx} writes on 4xx (statuses ${hist.join(' ')}; outbound requests refused: ${dialed.length}, sockets outside loopback stopped: ${guard?.blocked.length ?? 0}, console not built: ${notBuilt}, skipped: ${[...SKIPPED].join(', ')})`,
    );
    const kinds = new Map<string, number>();
    for (const f of failures) {
      const k = /^(.*? on \d+ ← [A-Z]+ \S+|\d+ ← [A-Z]+ \S+)/.exec(f)?.[1] ?? f.slice(0, 80);
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    expect(
      [...kinds].map(([k, n]) => `${n}× ${k}`),
      failures.slice(0, 5).join('\n'),
    ).toEqual([]);
    expect(
      dialed.every(
        (u) => UNREACHABLE.some((x) => u.startsWith(x.replace(/\/$/, ''))) || u.includes('127.0.0.1:9'),
      ),
    ).toBe(true);
  }, 600_000);
});

interface Sample {
  url: string;
  payload?: string;
  contentType?: string;
}

const JUNK_IDS = [
  '',
  'x',
  '0',
  '-1',
  'host_doesnotexist',
  '..%2F..%2Fetc%2Fpasswd',
  '%00',
  'a'.repeat(300),
  '__proto__',
  'constructor',
  "1' OR '1'='1",
  '%F0%9F%92%A9',
  '%',
];

/** Path, query and body of one generated request for a route. */
function requestFor(
  route: { method: string; url: string },
  op: Json | undefined,
  ids: Record<string, string[]>,
): fc.Arbitrary<Sample> {
  const params = [...route.url.matchAll(/:(\w+)|\*/g)];
  const allIds = Object.values(ids).flat();
  const idFor = (at: number) => {
    // The collection named just before the parameter: /hosts/:id takes host ids.
    const kind = route.url.slice(0, at).split('/').filter(Boolean).at(-1) ?? '';
    const own = ids[kind] ?? [];
    return fc.oneof(
      { weight: 6, arbitrary: own.length ? fc.constantFrom(...own) : fc.constantFrom(...JUNK_IDS) },
      { weight: 1, arbitrary: allIds.length ? fc.constantFrom(...allIds) : fc.constant('x') },
      { weight: 2, arbitrary: fc.constantFrom(...JUNK_IDS) },
      { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map(encodeURIComponent) },
    );
  };
  const pathArb = fc.tuple(...params.map((m) => idFor(m.index))).map((values) => {
    let k = 0;
    return route.url.replace(/:(\w+)|\*/g, () => values[k++] ?? '');
  });
  const queryParams = ((op?.parameters as Json[] | undefined) ?? []).filter((p) => p.in === 'query');
  const queryArb = fc
    .tuple(
      ...queryParams.map((p) => {
        const name = String(p.name);
        if (name === 'seedApi')
          return fc.constantFrom(...UNREACHABLE, 'not a url', 'ftp://x').map((v) => [name, v] as const);
        return fc
          .option(
            fc.oneof(
              { weight: 4, arbitrary: fromSchema((p.schema as Json | undefined) ?? {}, 0) },
              { weight: 1, arbitrary: wrongValue },
            ),
            { freq: 4 },
          )
          .map((v) => [name, v] as const);
      }),
      fc.option(
        fc.dictionary(fc.constantFrom('__proto__', 'x', 'limit', 'seedApi'), fc.string({ maxLength: 20 })),
        {
          freq: 5,
        },
      ),
    )
    .map(([...parts]) => {
      const extra = parts.pop() as Record<string, string> | null;
      const q = new URLSearchParams();
      for (const p of parts as (readonly [string, unknown])[])
        if (p[1] !== null && p[1] !== undefined)
          q.append(p[0], typeof p[1] === 'string' ? p[1] : JSON.stringify(p[1]));
      // Extra keys, except one that would make the recommendation dial a real seed.
      if (extra) for (const [k, v] of Object.entries(extra)) if (k !== 'seedApi') q.append(k, v);
      if (route.url.endsWith('/recommendation') && !q.has('seedApi')) q.set('seedApi', UNREACHABLE[0] ?? '');
      const s = q.toString();
      return s ? `?${s}` : '';
    });
  const bodySchema = (
    (op?.requestBody as Json | undefined)?.content as Record<string, { schema?: Json }> | undefined
  )?.['application/json']?.schema;
  const hasBody = route.method !== 'GET' && route.method !== 'HEAD';
  const bodyArb: fc.Arbitrary<Pick<Sample, 'payload' | 'contentType'>> = hasBody
    ? fc.oneof(
        {
          weight: bodySchema ? 12 : 2,
          arbitrary: (bodySchema ? nearMiss(bodySchema) : fc.jsonValue({ maxDepth: 2 })).map((v) => ({
            payload: JSON.stringify(v),
            contentType: 'application/json',
          })),
        },
        {
          weight: 2,
          arbitrary: wrongValue.map((v) => ({ payload: safeJson(v), contentType: 'application/json' })),
        },
        { weight: 1, arbitrary: junkBody },
        { weight: 1, arbitrary: fc.constant({}) },
      )
    : fc.constant({});
  return fc.tuple(pathArb, queryArb, bodyArb).map(([p, q, b]) => ({ url: p + q, ...b }));
}

const junkBody: fc.Arbitrary<Pick<Sample, 'payload' | 'contentType'>> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }).map((s) => ({ payload: s, contentType: 'application/json' })),
  fc
    .constantFrom(
      '{',
      '{"a":',
      'null',
      '[]',
      '""',
      '{"__proto__":{"admin":true}}',
      '{"constructor":{"prototype":{"admin":true}}}',
      '['.repeat(5000) + ']'.repeat(5000),
      '{"a":'.repeat(2000) + '1' + '}'.repeat(2000),
      JSON.stringify({ name: 'x'.repeat(1_000_000) }),
    )
    .map((s) => ({ payload: s, contentType: 'application/json' })),
  fc
    .constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
    )
    .map((contentType) => ({ payload: 'name=x&scope=write', contentType })),
);

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'null';
  } catch {
    return 'null';
  }
}

/** A value of the schema, then sometimes one field wrong, missing, or a `__proto__` key added. */
function nearMiss(schema: Json): fc.Arbitrary<unknown> {
  return fc
    .tuple(fromSchema(schema, 0), fc.nat(), wrongValue, fc.integer({ min: 0, max: 9 }))
    .map(([v, at, wrong, how]) => {
      if (how < 6 || typeof v !== 'object' || v === null || Array.isArray(v)) return v;
      const o: Json = { ...(v as Json) };
      const keys = Object.keys(o);
      const k = keys[at % Math.max(keys.length, 1)];
      if (how === 6 && k) o[k] = wrong;
      else if (how === 7 && k) return Object.fromEntries(Object.entries(o).filter(([key]) => key !== k));
      else if (how === 8)
        Object.defineProperty(o, '__proto__', {
          value: wrong,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else o[`extra${at % 3}`] = wrong;
      return o;
    });
}

/** A fast-check arbitrary for a JSON schema (the subset our zod schemas produce). */
function fromSchema(s: Json, depth: number): fc.Arbitrary<unknown> {
  if (depth > 6) return fc.constant(null);
  const sub = (x: unknown) => fromSchema((x as Json | undefined) ?? {}, depth + 1);
  if (Array.isArray(s.enum) && s.enum.length) return fc.constantFrom(...(s.enum as unknown[]));
  if ('const' in s) return fc.constant(s.const);
  for (const k of ['anyOf', 'oneOf'] as const) {
    const alts = s[k] as unknown[] | undefined;
    if (Array.isArray(alts) && alts.length) return fc.oneof(...alts.map(sub));
  }
  if (Array.isArray(s.allOf) && s.allOf.length) return sub(s.allOf[0]);
  const type = Array.isArray(s.type) ? (s.type as string[]) : s.type ? [String(s.type)] : [];
  if (type.length > 1) return fc.oneof(...type.map((t) => fromSchema({ ...s, type: t }, depth)));
  const num = (k: string) => (typeof s[k] === 'number' ? (s[k] as number) : undefined);
  switch (type[0]) {
    case 'string': {
      if (typeof s.pattern === 'string') {
        try {
          return fc
            .stringMatching(new RegExp(s.pattern))
            .filter((x) => x.length <= (num('maxLength') ?? 1e6));
        } catch {
          /* a pattern JavaScript cannot take: fall through */
        }
      }
      if (s.format === 'email') return fc.emailAddress();
      if (s.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
      if (s.format === 'uri') return fc.constantFrom(...UNREACHABLE);
      return fc.string({
        minLength: num('minLength') ?? 0,
        maxLength: Math.min(num('maxLength') ?? 40, 200),
      });
    }
    case 'integer':
      return fc.integer({
        min: Math.max(num('minimum') ?? -1e6, -(2 ** 31)),
        max: Math.min(num('maximum') ?? 1e6, 2 ** 31),
      });
    case 'number':
      return fc.double({ min: num('minimum') ?? -1e6, max: num('maximum') ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(sub(s.items), {
        minLength: num('minItems') ?? 0,
        maxLength: Math.min(num('maxItems') ?? 4, 4),
      });
    case 'object': {
      const props = (s.properties as Record<string, unknown> | undefined) ?? {};
      const required = (s.required as string[] | undefined) ?? [];
      const rec = fc.record(Object.fromEntries(Object.entries(props).map(([k, v]) => [k, sub(v)])), {
        requiredKeys: required.filter((k) => k in props),
      });
      if (Object.keys(props).length) return rec;
      if (s.additionalProperties && typeof s.additionalProperties === 'object')
        return fc.dictionary(fc.string({ maxLength: 10 }), sub(s.additionalProperties), { maxKeys: 3 });
      return fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}
