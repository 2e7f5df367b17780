import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../testing/databases.js';
import { startTestControlPlane, type Caller, type TestControlPlane } from '../testing/control-plane.js';
import { SESSION_COOKIE } from './context.js';

/**
 * DESIGN invariant 7: every route that takes an id is walked with another user's ids and must answer
 * 404 (not 403: ids cannot be probed). A new id route that this test does not classify fails it.
 */
describe.each(DIALECTS)('users are isolated, on %s', (dialect) => {
  let cp: TestControlPlane;
  let alice: Caller;
  let bob: Caller;
  const ids = {
    host: '',
    task: '',
    token: '',
    invitation: '',
    node: '',
    attachment: '',
    mlHost: '',
    mlNode: '',
  };
  /** Alice's ids no other account may ever be shown (the invitation is the owner's). */
  const aliceIds = () => [ids.host, ids.task, ids.token, ids.node, ids.attachment, ids.mlHost, ids.mlNode];

  beforeAll(async () => {
    cp = await startTestControlPlane(dialect, { plain: true });
    // Alice joins through an invitation, as users do.
    const inv = await cp.call<{ id: string; token: string }>(cp.owner, 'POST', '/api/v1/invitations', {
      email: 'alice@example.org',
    });
    expect(inv.status).toBe(201);
    const accepted = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept',
      payload: { token: inv.body.token, password: 'alice has a long password' },
    });
    expect(accepted.statusCode).toBe(201);
    const cookie = accepted.cookies.find((c) => c.name === SESSION_COOKIE)?.value ?? '';
    const s = accepted.json<{ user: Caller['user']; csrfToken: string }>();
    alice = { user: s.user, headers: { cookie: `${SESSION_COOKIE}=${cookie}`, 'x-csrf-token': s.csrfToken } };
    bob = await cp.newUser('bob@example.org');

    ids.host = (
      await cp.call<{ host: { id: string } }>(alice, 'POST', '/api/v1/hosts', { name: 'alice-gpu' })
    ).body.host.id;
    ids.task = (
      await cp.call<{ id: string }>(alice, 'POST', `/api/v1/hosts/${ids.host}/tasks`, { op: 'host.probe' })
    ).body.id;
    ids.node = (
      await cp.call<{ id: string }>(alice, 'POST', '/api/v1/nodes', {
        hostId: ids.host,
        config: {
          name: 'alice-node',
          role: 'network',
          network: 'mainnet',
          publicHost: '203.0.113.7',
          accountPubkey: 'A1XaDhc1R9pXUY9UecgiyR+RcYdHFBV99uhO+fnfBYDd',
        },
      })
    ).body.id;
    expect(ids.node).toMatch(/^node_/);
    // An ML node on a second host of Alice's, attached to her network node (the flow waits for the hosts).
    const mlHost = (
      await cp.call<{ host: { id: string } }>(alice, 'POST', '/api/v1/hosts', { name: 'alice-gpu-2' })
    ).body.host.id;
    ids.mlHost = mlHost;
    const mlNode = (
      await cp.call<{ id: string }>(alice, 'POST', '/api/v1/nodes', {
        hostId: mlHost,
        config: {
          name: 'alice-ml',
          role: 'mlnode',
          network: 'mainnet',
          publicHost: '203.0.113.8',
          serving: { model: 'MiniMaxAI/MiniMax-M2.7', args: [], maxConcurrent: 100 },
        },
      })
    ).body.id;
    ids.mlNode = mlNode;
    const att = await cp.call<{ id: string }>(alice, 'POST', `/api/v1/nodes/${ids.node}/attachments`, {
      mlNodeId: mlNode,
      networkAddress: '10.0.0.1',
      mlAddress: '10.0.0.2',
    });
    expect(att.status, JSON.stringify(att.body)).toBe(202);
    ids.attachment = att.body.id;
    ids.token = (
      await cp.call<{ id: string }>(alice, 'POST', '/api/v1/tokens', { name: 'alice', scope: 'read' })
    ).body.id;
    ids.invitation = (
      await cp.call<{ id: string }>(cp.owner, 'POST', '/api/v1/invitations', { email: 'carol@example.org' })
    ).body.id;
  });
  afterAll(async () => cp.close());

  /** Which id each parameterised route takes, and what a stranger must get. */
  const classify = (url: string): { id: keyof typeof ids; expect: number } | 'public' | undefined => {
    if (url.startsWith('/api/v1/hosts/:id')) return { id: 'host', expect: 404 };
    if (url.startsWith('/api/v1/tasks/:id')) return { id: 'task', expect: 404 };
    if (url.startsWith('/api/v1/tokens/:id')) return { id: 'token', expect: 404 };
    if (url.startsWith('/api/v1/nodes/:id')) return { id: 'node', expect: 404 };
    if (url.startsWith('/api/v1/attachments/:id')) return { id: 'attachment', expect: 404 };
    // Instance administration: the owner's alone, so any other user is refused outright.
    if (url.startsWith('/api/v1/invitations/:id')) return { id: 'invitation', expect: 403 };
    // Signed, public content (the TUF repository agents fetch).
    if (url.startsWith('/tuf/')) return 'public';
    // The API documentation's static assets.
    if (url.startsWith('/api/docs/')) return 'public';
    return undefined;
  };

  /** A body that passes validation, so the answer is about the id and not the payload. */
  const validBody = (url: string): object =>
    url.endsWith('/tasks')
      ? { op: 'host.probe' }
      : url.endsWith('/config')
        ? { config: {} }
        : url.endsWith('/keys/backup')
          ? { recipient: 'age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq' }
          : {};

  it('another user gets 404 for everything of Alice’s, through every route that takes an id', async () => {
    const routes = cp.app.routeList.filter((r) => r.url.includes(':') || r.url.includes('*'));
    expect(routes.length).toBeGreaterThanOrEqual(8);
    const unclassified = routes.filter((r) => classify(r.url) === undefined);
    expect(unclassified, 'classify these new routes in this test').toEqual([]);
    let checked = 0;
    for (const r of routes) {
      const c = classify(r.url);
      if (!c || c === 'public') continue;
      const url = r.url.replace(':id', ids[c.id]);
      const res = await cp.call<{ status: number }>(
        bob,
        r.method as 'GET',
        url,
        r.method === 'GET' || r.method === 'DELETE' ? undefined : validBody(r.url),
      );
      expect({ route: `${r.method} ${r.url}`, status: res.status }).toEqual({
        route: `${r.method} ${r.url}`,
        status: c.expect,
      });
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(8);
    // Alice's things are untouched and still hers.
    expect((await cp.call<{ state: string }>(alice, 'GET', `/api/v1/hosts/${ids.host}`)).body.state).toBe(
      'pending',
    );
    expect((await cp.call<{ state: string }>(alice, 'GET', `/api/v1/tasks/${ids.task}`)).body.state).toBe(
      'queued',
    );
  });

  it('lists are scoped: Bob sees none of Alice’s hosts, tasks, tokens or audit entries', async () => {
    const hosts = await cp.call<{ hosts: unknown[] }>(bob, 'GET', '/api/v1/hosts');
    const tasks = await cp.call<{ tasks: unknown[] }>(bob, 'GET', '/api/v1/tasks');
    const tokens = await cp.call<{ tokens: unknown[] }>(bob, 'GET', '/api/v1/tokens');
    const audit = await cp.call<{ entries: { target: string | null }[] }>(bob, 'GET', '/api/v1/audit');
    expect(hosts.body.hosts).toEqual([]);
    expect(tasks.body.tasks).toEqual([]);
    expect(tokens.body.tokens).toEqual([]);
    expect(audit.body.entries.map((e) => e.target)).not.toContain(ids.host);
    const bulk = await cp.call(bob, 'POST', '/api/v1/tasks', { hostIds: [ids.host], op: 'host.probe' });
    expect(bulk.status).toBe(404);
    const all = await cp.call(bob, 'GET', '/api/v1/hosts?scope=all');
    expect(all.status).toBe(403);
    for (const owner of ['/api/v1/users', '/api/v1/invitations'])
      expect((await cp.call(bob, 'GET', owner)).status).toBe(403);
  });

  it('the owner can read Alice’s host, and that read is in both audit logs', async () => {
    const r = await cp.call<{ id: string }>(cp.owner, 'GET', `/api/v1/hosts/${ids.host}`);
    expect(r.status).toBe(200);
    const all = await cp.call<{ hosts: { id: string }[] }>(cp.owner, 'GET', '/api/v1/hosts?scope=all');
    expect(all.body.hosts.map((h) => h.id)).toContain(ids.host);
    const aliceAudit = await cp.call<{ entries: { action: string; actorId: string }[] }>(
      alice,
      'GET',
      '/api/v1/audit',
    );
    expect(aliceAudit.body.entries).toContainEqual(
      expect.objectContaining({ action: 'owner.read-host', actorId: cp.owner.user.id }),
    );
    const ownerAudit = await cp.call<{ entries: { action: string }[] }>(cp.owner, 'GET', '/api/v1/audit');
    expect(ownerAudit.body.entries.map((e) => e.action)).toEqual(
      expect.arrayContaining(['owner.read-host', 'owner.read-all-hosts']),
    );
  });

  /** An id of the same shape as `id` that nobody has. */
  const unknownLike = (id: string) =>
    id.replace(/_[0-9a-f]+$/, (t) => `_${'0123456789abcdef'.repeat(4).slice(0, t.length - 1)}`);

  it('a not-found answer is the same for another account’s object and for an id nobody has, and names no other id', async () => {
    const routes = cp.app.routeList.filter((r) => r.url.includes(':'));
    let checked = 0;
    for (const r of routes) {
      const c = classify(r.url);
      if (!c || c === 'public' || c.expect !== 404) continue;
      const theirs = ids[c.id];
      const nobodys = unknownLike(theirs);
      expect(nobodys).not.toBe(theirs);
      const body = r.method === 'GET' || r.method === 'DELETE' ? undefined : validBody(r.url);
      const answer = async (id: string) => {
        const res = await cp.call<object>(bob, r.method as 'GET', r.url.replace(':id', id), body);
        return { status: res.status, body: JSON.stringify(res.body).replaceAll(id, '<id>') };
      };
      const route = `${r.method} ${r.url}`;
      const forTheirs = await answer(theirs);
      expect.soft({ route, ...forTheirs }).toEqual({ route, ...(await answer(nobodys)) });
      for (const other of aliceIds()) expect.soft(forTheirs.body, route).not.toContain(other);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(15);
  });

  /**
   * Every list the API serves, by route. `account`: a list of the caller's objects, where the owner
   * sees other accounts' objects only with `scope=all` (audited as `auditAll`); `own`: always the
   * caller's alone, even for the owner; `instance`: not per account (the owner's administration, the
   * signed bundles, the server's own state); `stream`: Server-Sent Events of the caller's own tasks.
   */
  const LISTS: Record<
    string,
    { kind: 'account'; auditAll: string } | { kind: 'own' | 'instance' | 'stream' | 'public' }
  > = {
    '/api/v1/hosts': { kind: 'account', auditAll: 'owner.read-all-hosts' },
    '/api/v1/nodes': { kind: 'account', auditAll: 'owner.read-all-nodes' },
    '/api/v1/tasks': { kind: 'account', auditAll: 'owner.read-all-tasks' },
    '/api/v1/fleet': { kind: 'account', auditAll: 'owner.read-all-hosts' },
    '/api/v1/tokens': { kind: 'own' },
    '/api/v1/audit': { kind: 'own' },
    '/api/v1/session': { kind: 'own' },
    '/api/v1/stream': { kind: 'stream' },
    '/api/v1/users': { kind: 'instance' },
    '/api/v1/invitations': { kind: 'instance' },
    '/api/v1/bundles': { kind: 'instance' },
    '/api/v1/bundles/trust': { kind: 'instance' },
    '/api/v1/bundles/online-keys': { kind: 'instance' },
    '/api/v1/instance': { kind: 'instance' },
    '/api/v1/setup': { kind: 'public' },
    '/api/v1/status': { kind: 'public' },
    '/install.sh': { kind: 'public' },
    '/': { kind: 'public' },
    '/api/openapi.json': { kind: 'public' },
  };
  const listRoutes = () =>
    cp.app.routeList.filter(
      (r) =>
        r.method === 'GET' && !r.url.includes(':') && !r.url.includes('*') && !r.url.startsWith('/api/docs'),
    );

  it('the owner sees other accounts’ objects in lists only with scope=all, and that read is audited', async () => {
    const unclassified = listRoutes().filter(
      (r) => !(r.url in LISTS) && !r.url.startsWith('/agent/v1/gnm-agent-'),
    );
    expect(unclassified, 'classify these new list routes in this test').toEqual([]);
    let checked = 0;
    for (const r of listRoutes()) {
      const c = LISTS[r.url];
      if (!c || (c.kind !== 'account' && c.kind !== 'own')) continue;
      const mine = await cp.call<object>(cp.owner, 'GET', r.url);
      expect.soft({ route: r.url, status: mine.status }).toEqual({ route: r.url, status: 200 });
      if (r.url === '/api/v1/audit') {
        // The owner's log names Alice's objects the owner opened, but holds nothing Alice did to them.
        const { entries } = mine.body as { entries: { actorId: string | null; target: string | null }[] };
        expect
          .soft(entries.filter((e) => e.actorId !== cp.owner.user.id && aliceIds().includes(e.target ?? '')))
          .toEqual([]);
        checked++;
        continue;
      }
      for (const id of aliceIds())
        expect.soft(JSON.stringify(mine.body), `${r.url} without scope=all`).not.toContain(id);
      if (c.kind === 'account') {
        expect.soft((await cp.call(bob, 'GET', `${r.url}?scope=all`)).status, r.url).toBe(403);
        const all = await cp.call<object>(cp.owner, 'GET', `${r.url}?scope=all`);
        expect.soft({ route: r.url, status: all.status }).toEqual({ route: r.url, status: 200 });
        expect.soft(JSON.stringify(all.body), `${r.url}?scope=all`).toContain(ids.host);
        const log = await cp.call<{ entries: { action: string }[] }>(
          cp.owner,
          'GET',
          '/api/v1/audit?limit=5',
        );
        expect
          .soft(
            log.body.entries.map((e) => e.action),
            r.url,
          )
          .toContain(c.auditAll);
      } else {
        // No owner view of another account's tokens or audit log: scope=all changes nothing.
        const all = await cp.call<object>(cp.owner, 'GET', `${r.url}?scope=all`);
        for (const id of aliceIds())
          expect.soft(JSON.stringify(all.body), `${r.url}?scope=all`).not.toContain(id);
      }
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(6);
  });

  it('the owner may open another account’s object by id, and each such read is in that account’s audit log', async () => {
    const routes = cp.app.routeList.filter((r) => r.method === 'GET' && r.url.includes(':'));
    let checked = 0;
    for (const r of routes) {
      const c = classify(r.url);
      if (!c || c === 'public' || c.expect !== 404) continue;
      // A stream stays open while the task runs; it opens the task through the same check as GET /api/v1/tasks/:id.
      if (r.url.endsWith('/stream')) continue;
      const id = ids[c.id];
      const query = r.url.endsWith('/recommendation') ? '?network=sim&seedApi=http://127.0.0.1:9' : '';
      const readsOf = async () =>
        (
          await cp.call<{ entries: { action: string; actorId: string; target: string }[] }>(
            alice,
            'GET',
            '/api/v1/audit?limit=1000',
          )
        ).body.entries.filter(
          (e) => e.actorId === cp.owner.user.id && e.target === id && e.action.startsWith('owner.read-'),
        ).length;
      const before = await readsOf();
      const res = await cp.call(cp.owner, 'GET', `${r.url.replace(':id', id)}${query}`);
      expect.soft({ route: r.url, status: res.status }).not.toEqual({ route: r.url, status: 404 });
      expect.soft(await readsOf(), `${r.url}: a new entry in Alice's audit log`).toBeGreaterThan(before);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  it('invitations: owner only, one use, and the invitee picks the password', async () => {
    const byUser = await cp.call(bob, 'POST', '/api/v1/invitations', { email: 'mallory@example.org' });
    expect(byUser.status).toBe(403);
    const inv = await cp.call<{ token: string }>(cp.owner, 'POST', '/api/v1/invitations', {
      email: 'dave@example.org',
    });
    const weak = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept',
      payload: { token: inv.body.token, password: 'short' },
    });
    expect(weak.statusCode).toBe(422);
    const ok = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept',
      payload: { token: inv.body.token, password: 'dave has a long password' },
    });
    expect(ok.statusCode).toBe(201);
    const reuse = await cp.app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept',
      payload: { token: inv.body.token, password: 'dave has a long password' },
    });
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json<{ detail: string }>().detail).toMatch(/ask the owner for a new one/);
    const users = await cp.call<{ users: { email: string; role: string }[] }>(
      cp.owner,
      'GET',
      '/api/v1/users',
    );
    expect(users.body.users).toContainEqual(
      expect.objectContaining({ email: 'dave@example.org', role: 'user' }),
    );
    const dup = await cp.call(cp.owner, 'POST', '/api/v1/invitations', { email: 'dave@example.org' });
    expect(dup.status).toBe(409);
  });
});
