import fs from 'node:fs';
import path from 'node:path';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BundleVerificationError, fetchBundle } from '@gnm/bundle';
import { Accounts, type User } from '../../accounts/accounts.js';
import { AuditLog } from '../../audit/audit-log.js';
import { createBundleRepository } from '../../bundles/bundle-repository.js';
import type { OpenedDatabase } from '../../db/open.js';
import { Sessions } from '../../sessions/sessions.js';
import type { Services } from '../../services.js';
import { DIALECTS, freshDatabase } from '../../testing/databases.js';
import { Release, cleanupTuf, sha256, tmpDir } from '../../testing/tuf-release.js';
import { ApiTokens } from '../../tokens/api-tokens.js';
import { SESSION_COOKIE, routeContext, withZod } from '../context.js';
import { errorHandler } from '../problem.js';
import { bundleRoutes } from './bundles.js';

afterAll(cleanupTuf);

describe.each(DIALECTS)('bundle routes on %s', (dialect) => {
  let opened: OpenedDatabase;
  let app: FastifyInstance;
  let owner: { cookie: string; csrf: string; user: User };
  let member: { cookie: string; csrf: string; user: User };
  const rel = new Release().release();
  let archive: Buffer;

  beforeAll(async () => {
    opened = await freshDatabase(dialect);
    const audit = new AuditLog(opened.db);
    const accounts = new Accounts(opened.db, audit);
    const sessions = new Sessions(opened.db);
    const setup = (await accounts.issueSetupToken()) ?? '';
    const ownerUser = await accounts.createOwner(setup, 'owner@example.org', 'long enough password', null);
    await opened.db
      .insertInto('users')
      .values({
        id: 'usr_member',
        email: 'member@example.org',
        password_hash: 'x',
        role: 'user',
        created_at: new Date().toISOString(),
        password_changed_at: new Date().toISOString(),
      })
      .execute();
    const memberUser: User = { id: 'usr_member', email: 'member@example.org', role: 'user' };
    const login = async (user: User) => {
      const s = await sessions.create(user);
      return { cookie: `${SESSION_COOKIE}=${s.token}`, csrf: s.session.csrfToken, user };
    };
    owner = await login(ownerUser);
    member = await login(memberUser);

    const repo = await createBundleRepository(opened.db, { dataDir: tmpDir('data') });
    app = Fastify({ logger: false });
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.setErrorHandler(errorHandler);
    await app.register(cookie);
    await app.register(swagger, {
      openapi: { info: { title: 'test', version: '0' } },
      transform: jsonSchemaTransform,
    });
    // The bundle routes use none of the other domain services: a stand-in keeps this test to its slice.
    const services = {} as unknown as Services;
    const ctx = routeContext(
      opened.db,
      { audit, accounts, sessions, tokens: new ApiTokens(opened.db) },
      services,
    );
    bundleRoutes(withZod(app), ctx, repo);
    await app.ready();
    archive = await rel.archive();
  });
  afterAll(async () => {
    await app.close();
    await opened.close();
  });

  const as = (who: { cookie: string; csrf: string } | undefined) =>
    who ? { cookie: who.cookie, 'x-csrf-token': who.csrf } : {};
  const importAs = (
    who: { cookie: string; csrf: string } | undefined,
    body: Buffer | string,
    type = 'application/gzip',
  ) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/bundles',
      headers: { ...as(who), 'content-type': type },
      payload: body,
    });
  const problemOf = (r: LightMyRequestResponse) => {
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    const p = r.json<{ status: number; title: string; detail: string }>();
    expect(p.status).toBe(r.statusCode);
    return p;
  };
  const auditActions = async () =>
    (await new AuditLog(opened.db).list(owner.user.id))
      .filter((e) => e.action.startsWith('bundle.'))
      .map((e) => `${e.action}:${e.outcome}`);

  it('imports need the owner: 401 without login, 403 for another user', async () => {
    const anon = await importAs(undefined, archive);
    expect(anon.statusCode).toBe(401);
    expect(problemOf(anon).detail).toMatch(/Log in/);
    const notOwner = await importAs(member, archive);
    expect(notOwner.statusCode).toBe(403);
    expect(problemOf(notOwner).title).toBe('Owner only');
    const noCsrf = await app.inject({
      method: 'POST',
      url: '/api/v1/bundles',
      headers: { cookie: owner.cookie, 'content-type': 'application/gzip' },
      payload: archive,
    });
    expect(noCsrf.statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/api/v1/bundles' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/v1/bundles/trust' })).statusCode).toBe(401);
  });

  it('invalid archives: 400/415 problems, audited as denied; nothing stored', async () => {
    const garbage = await importAs(owner, Buffer.from('not an archive'));
    expect(garbage.statusCode).toBe(400);
    expect(problemOf(garbage)).toMatchObject({
      title: 'Invalid archive',
      detail: expect.stringMatching(/gnm bundle export/),
    });
    const json = await importAs(owner, '{}', 'application/json');
    expect(json.statusCode).toBe(415);
    expect(problemOf(json).detail).toMatch(/application\/gzip/);
    const text = await importAs(owner, 'x', 'text/csv');
    expect(text.statusCode).toBe(415);
    problemOf(text);
    const tampered = new Release().release();
    fs.appendFileSync(tampered.targetFile('bundles/gonka-join/0.2.14-1/manifest.json'), ' ');
    const refused = await importAs(owner, await tampered.archive(), 'application/octet-stream');
    expect(refused.statusCode).toBe(422);
    expect(problemOf(refused).title).toBe('Bundle refused (mismatch)');
    expect(await auditActions()).toEqual(['bundle.import:denied', 'bundle.import:denied']);
    const list = await app.inject({ method: 'GET', url: '/api/v1/bundles', headers: as(owner) });
    expect(list.json()).toEqual({ bundles: [] });
  });

  it('an archive above 64 MiB is refused before it is read (413); the routes are in the OpenAPI document', async () => {
    const big = await importAs(owner, Buffer.alloc(64 * 1024 * 1024 + 1));
    expect(big.statusCode).toBe(413);
    problemOf(big);
    const paths = Object.keys((app.swagger() as { paths: object }).paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/v1/bundles',
        '/api/v1/bundles/trust',
        '/api/v1/bundles/online-keys',
        '/tuf/v1/metadata/{file}',
      ]),
    );
  });

  it('the owner imports an archive (201, then 200 when already stored); users list bundles and trust', async () => {
    const r = await importAs(owner, archive);
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({
      changed: true,
      trustEstablished: true,
      initialRootSha256: sha256(rel.rootFile(1)),
      bundles: [{ name: 'gonka-join', version: '0.2.14-1', new: true }],
    });
    expect((await importAs(owner, archive)).statusCode).toBe(200);
    const list = await app.inject({ method: 'GET', url: '/api/v1/bundles', headers: as(member) });
    expect(list.statusCode).toBe(200);
    expect(list.json<{ bundles: { name: string }[] }>().bundles.map((b) => b.name)).toEqual(['gonka-join']);
    const trust = await app.inject({ method: 'GET', url: '/api/v1/bundles/trust', headers: as(member) });
    expect(trust.json()).toMatchObject({
      rootSha256: sha256(rel.rootFile(1)),
      rootVersion: 1,
      onlineKeys: false,
    });
    expect((await auditActions()).slice(0, 2)).toEqual(['bundle.import:ok', 'bundle.import:ok']);
  });

  it('online keys: owner only, validated (400), root/targets keys refused (422, audited), then stored', async () => {
    const put = (who: { cookie: string; csrf: string } | undefined, payload: unknown) =>
      app.inject({
        method: 'PUT',
        url: '/api/v1/bundles/online-keys',
        headers: as(who),
        payload: payload as object,
      });
    expect((await put(undefined, { keys: [rel.pem('snapshot')] })).statusCode).toBe(401);
    expect((await put(member, { keys: [rel.pem('snapshot')] })).statusCode).toBe(403);
    const invalid = await put(owner, { keys: [] });
    expect(invalid.statusCode).toBe(400);
    expect(problemOf(invalid).title).toBe('Invalid request');
    const missing = await put(owner, {});
    expect(missing.statusCode).toBe(400);
    const rootKey = await put(owner, { keys: [rel.pem('root')] });
    expect(rootKey.statusCode).toBe(422);
    expect(problemOf(rootKey)).toMatchObject({
      title: 'Offline key refused',
      detail: expect.stringMatching(/must stay offline/),
    });
    const audit = await new AuditLog(opened.db).list(owner.user.id);
    expect(audit[0]).toMatchObject({ action: 'bundle.online-keys.set', outcome: 'denied' });
    expect(JSON.stringify(audit)).not.toContain('PRIVATE KEY');
    const ok = await put(owner, { keys: [rel.pem('snapshot'), rel.pem('timestamp')] });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ resigned: true });
    const trust = await app.inject({ method: 'GET', url: '/api/v1/bundles/trust', headers: as(owner) });
    expect(trust.json()).toMatchObject({ onlineKeys: true });
  });

  it('agents fetch and verify a bundle from the served TUF tree (public), pinning the root sha256', async () => {
    const missing = await app.inject({ method: 'GET', url: '/tuf/v1/metadata/9.root.json' });
    expect(missing.statusCode).toBe(404);
    problemOf(missing);
    const rootRes = await app.inject({ method: 'GET', url: '/tuf/v1/metadata/root.json' });
    expect(rootRes.statusCode).toBe(200);
    expect(rootRes.headers['content-type']).toMatch(/application\/json/);
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const { rootSha256 } = (
      await app.inject({ method: 'GET', url: '/api/v1/bundles/trust', headers: as(owner) })
    ).json<{ rootSha256: string }>();
    const host = tmpDir('host');
    const got = await fetchBundle({
      repoUrl: `${address}/tuf/v1`,
      metadataDir: path.join(host, 'tuf'),
      rootSha256,
      initialRoot: rootRes.rawPayload,
      name: 'gonka-join',
      version: '0.2.14-1',
      destDir: path.join(host, 'bundle'),
    });
    expect(got.manifest.name).toBe('gonka-join');
    expect(fs.existsSync(path.join(got.dir, 'deploy/join/docker-compose.yml'))).toBe(true);
    // The timestamp the agent verified is the control plane's (re-signed with its online key).
    const ts = JSON.parse(fs.readFileSync(path.join(host, 'tuf/timestamp.json'), 'utf8')) as {
      signatures: { keyid: string }[];
    };
    expect(ts.signatures.map((s) => s.keyid)).toEqual([rel.keys.timestamp[0]?.keyId]);

    // A host that pins another root refuses what the control plane hands over.
    const other = tmpDir('host');
    const err = await fetchBundle({
      repoUrl: `${address}/tuf/v1`,
      metadataDir: path.join(other, 'tuf'),
      rootSha256: sha256(Buffer.from('another root')),
      initialRoot: rootRes.rawPayload,
      name: 'gonka-join',
      version: '0.2.14-1',
      destDir: path.join(other, 'bundle'),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BundleVerificationError);
    expect((err as BundleVerificationError).code).toBe('untrusted-root');
  });
});
