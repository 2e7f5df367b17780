import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Metadata, MetadataKind, Signature } from '@tufjs/models';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  BundleVerificationError,
  Repository,
  fetchVerified,
  generateKey,
  type VerifyFailure,
} from '@gnm/bundle';
import type { OpenedDatabase } from '../db/open.js';
import { DIALECTS, freshDatabase } from '../testing/databases.js';
import { Release, bundleVersion, cleanupTuf, serveDir, sha256, tmpDir } from '../testing/tuf-release.js';
import { SecretBoxError } from '../secrets/secret-box.js';
import {
  createBundleRepository,
  type BundleRepository,
  type BundleRepositoryOptions,
} from './bundle-repository.js';
import { BundleRepositoryError } from './errors.js';

afterAll(cleanupTuf);

const TABLES = ['tuf_metadata', 'tuf_target_files', 'bundles', 'tuf_online_keys'] as const;

async function refusedWith(
  p: Promise<unknown>,
  code: VerifyFailure | BundleRepositoryError['code'],
): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'must be refused').toBeDefined();
  expect(err instanceof BundleVerificationError || err instanceof BundleRepositoryError, String(err)).toBe(
    true,
  );
  expect((err as BundleVerificationError).code, (err as Error).message).toBe(code);
  return (err as Error).message;
}

describe.each(DIALECTS)('bundle repository on %s', (dialect) => {
  let opened: OpenedDatabase;
  let dataDir: string;
  const open = (o: Partial<BundleRepositoryOptions> = {}) =>
    createBundleRepository(opened.db, { dataDir, ...o });
  const counts = async () => {
    const out: Record<string, number> = {};
    for (const t of TABLES) {
      const r = await opened.db
        .selectFrom(t)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      out[t] = Number(r.n);
    }
    return out;
  };
  const empty = { tuf_metadata: 0, tuf_target_files: 0, bundles: 0, tuf_online_keys: 0 };

  beforeEach(async () => {
    opened = await freshDatabase(dialect);
    dataDir = tmpDir('data');
  });
  afterEach(async () => {
    await opened.close();
  });

  it('first import (an archive from the real `gnm bundle export`) establishes the trusted root; re-import is idempotent', async () => {
    const rel = new Release().release();
    const archive = rel.cliArchive();
    const repo = await open();
    expect(await repo.trust()).toMatchObject({ rootSha256: null, onlineKeys: false });
    const r = await repo.import(archive);
    expect(r).toMatchObject({
      changed: true,
      trustEstablished: true,
      initialRootSha256: sha256(rel.rootFile(1)),
      rootSha256: sha256(rel.rootFile(1)),
      rootVersion: 1,
      targetsVersion: 1,
      resigned: false,
    });
    expect(r.warning).toMatch(/no usable online keys.*online-keys/);
    expect(r.bundles).toEqual([
      expect.objectContaining({
        name: 'gonka-join',
        version: '0.2.14-1',
        gonkaRelease: 'v0.2.14',
        new: true,
      }),
    ]);
    const list = await repo.list();
    expect(list).toHaveLength(1);
    expect(list[0]?.fileCount).toBeGreaterThan(5);
    const trust = await repo.trust();
    expect(trust).toMatchObject({ rootSha256: sha256(rel.rootFile(1)), rootVersion: 1, onlineKeys: false });
    expect(Date.parse(trust.timestampExpiresAt ?? '')).toBeGreaterThan(Date.now());

    const before = await counts();
    const again = await repo.import(archive);
    expect(again).toMatchObject({ changed: false, trustEstablished: false, initialRootSha256: null });
    expect(again.bundles[0]?.new).toBe(false);
    expect(await counts()).toEqual(before);

    // Served exactly as the release authority signed it.
    expect((await repo.getFile('metadata/root.json'))?.data.equals(rel.rootFile(1))).toBe(true);
    expect((await repo.getFile('metadata/1.root.json'))?.data.equals(rel.rootFile(1))).toBe(true);
    expect(await repo.getFile('metadata/2.root.json')).toBeUndefined();
    expect(await repo.getFile('metadata/../secret')).toBeUndefined();
    const target = path.relative(
      rel.repo.layout.targetsDir,
      rel.targetFile('bundles/gonka-join/0.2.14-1/manifest.json'),
    );
    expect(
      (await repo.getFile(`targets/${target}`))?.data.equals(
        fs.readFileSync(rel.targetFile('bundles/gonka-join/0.2.14-1/manifest.json')),
      ),
    ).toBe(true);
  });

  it('a tampered archive is refused and nothing is stored', async () => {
    const repo = await open();
    const rel = new Release().release();
    fs.appendFileSync(
      rel.targetFile('bundles/gonka-join/0.2.14-1/deploy/join/docker-compose.yml'),
      '# evil\n',
    );
    await refusedWith(repo.import(await rel.archive()), 'mismatch');
    expect(await counts()).toEqual(empty);

    // Targets metadata changed after signing.
    const rel2 = new Release().release();
    const tfile = path.join(rel2.repo.layout.metadataDir, '1.targets.json');
    fs.writeFileSync(tfile, fs.readFileSync(tfile, 'utf8').replace('"version":1', '"version":1 '));
    const json = JSON.parse(fs.readFileSync(tfile, 'utf8')) as { signed: { expires: string } };
    json.signed.expires = '2099-01-01T00:00:00Z';
    fs.writeFileSync(tfile, JSON.stringify(json));
    await refusedWith(repo.import(await rel2.archive()), 'bad-signature');
    expect(await counts()).toEqual(empty);

    // Unsigned: targets signed by a key the root does not know.
    const rel3 = new Release().release(undefined, { targetsKeys: [generateKey('targets')] });
    await refusedWith(repo.import(await rel3.archive()), 'bad-signature');
    expect(await counts()).toEqual(empty);

    // Not an archive at all.
    await refusedWith(repo.import(Buffer.from('not a tarball')), 'bad-archive');
    expect(await counts()).toEqual(empty);

    // After a good import, a tampered newer archive adds nothing.
    const good = new Release().release();
    await repo.import(await good.archive());
    const stored = await counts();
    good.release(bundleVersion('0.2.14-2'));
    fs.appendFileSync(good.targetFile('bundles/gonka-join/0.2.14-2/manifest.json'), ' ');
    await refusedWith(repo.import(await good.archive()), 'mismatch');
    expect(await counts()).toEqual(stored);
  });

  it('older targets, an older root or a different root are refused; a signed root rotation is followed', async () => {
    const rel = new Release().release();
    const v1 = await rel.archive();
    rel.release(bundleVersion('0.2.14-2'));
    const v2 = await rel.archive();
    const repo = await open();
    await repo.import(v2);
    await repo.setOnlineKeys([rel.pem('snapshot'), rel.pem('timestamp')]);
    const stored = await counts();
    expect(await refusedWith(repo.import(v1), 'rollback')).toMatch(
      /targets metadata is version 1, older than version 2/,
    );
    expect(await counts()).toEqual(stored);

    // Same without online keys: the archive's own (older) timestamp is refused too.
    const bare = await freshDatabase(dialect);
    try {
      const r2 = await createBundleRepository(bare.db, { dataDir });
      await r2.import(v2);
      await refusedWith(r2.import(v1), 'rollback');
    } finally {
      await bare.close();
    }

    // Root rotation (new targets keys), signed by the old root keys: followed.
    const newTargets = [generateKey('targets')];
    rel.repo.rotate('targets', newTargets, 1, rel.keys.root);
    rel.release(bundleVersion('0.2.14-3'), { targetsKeys: newTargets });
    const v3 = await rel.archive();
    const r = await repo.import(v3);
    expect(r).toMatchObject({ changed: true, rootVersion: 2, targetsVersion: 3, resigned: true });
    expect((await repo.trust()).rootSha256).toBe(sha256(rel.rootFile(2)));
    expect((await repo.getFile('metadata/root.json'))?.data.equals(rel.rootFile(2))).toBe(true);

    // An archive from before the rotation (newest root 1) is older than the trusted root 2.
    expect(await refusedWith(repo.import(v2), 'rollback')).toMatch(
      /root is version 1, older than the trusted root version 2/,
    );
    // A root rotation not signed by the trusted root keys.
    const forged = new Release();
    fs.cpSync(rel.dir, forged.dir, { recursive: true });
    const forgedRepo = new Repository(forged.dir);
    const evilRoot = [generateKey('root')];
    forgedRepo.rotate('targets', newTargets, 1, evilRoot);
    forgedRepo.addTargets([], newTargets);
    forgedRepo.publish(rel.keys.snapshot, rel.keys.timestamp);
    await refusedWith(repo.import(await forged.archive()), 'bad-signature');
    // Another release authority's repository.
    const other = new Release().release();
    await refusedWith(repo.import(await other.archive()), 'untrusted-root');
    expect((await repo.trust()).rootVersion).toBe(2);
  });

  it('an archive whose timestamp expired: refused without online keys, re-signed with them', async () => {
    const rel = new Release().release(undefined, { publish: false }).publish(-1);
    const archive = await rel.archive();
    expect(await refusedWith((await open()).import(archive), 'expired')).toMatch(
      /timestamp.json is expired.*online-keys/,
    );
    expect(await counts()).toEqual(empty);
    const online = tmpDir('online-keys');
    for (const f of fs.readdirSync(rel.keysDir).filter((x) => /^(snapshot|timestamp)-.*\.key\.pem$/.test(x)))
      fs.copyFileSync(path.join(rel.keysDir, f), path.join(online, f));
    const r = await (await open({ onlineKeysDir: online })).import(archive);
    expect(r).toMatchObject({ changed: true, resigned: true, warning: null });
  });

  it('online keys: root and targets keys refused, stored encrypted (not in a database dump), wrong master key explained', async () => {
    const rel = new Release().release();
    const repo = await open();
    expect(await refusedWith(repo.setOnlineKeys([rel.pem('snapshot')]), 'no-trusted-root')).toMatch(
      /import a signed archive first/,
    );
    const r0 = await repo.import(await rel.archive());
    expect(r0.resigned).toBe(false);
    expect(await refusedWith(repo.setOnlineKeys([rel.pem('root')]), 'offline-key')).toMatch(
      /must stay offline/,
    );
    expect(
      await refusedWith(repo.setOnlineKeys([rel.pem('snapshot'), rel.pem('targets')]), 'offline-key'),
    ).toMatch(/targets key/);
    await refusedWith(
      repo.setOnlineKeys(['-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----']),
      'bad-key',
    );
    await refusedWith(repo.setOnlineKeys([generateKey('snapshot').privatePem ?? '']), 'bad-key');
    expect(await refusedWith(repo.setOnlineKeys([rel.pem('snapshot')]), 'bad-key')).toMatch(/timestamp/);
    expect((await counts()).tuf_online_keys).toBe(0);

    const tsBefore = (await repo.getFile('metadata/timestamp.json'))?.data;
    const set = await repo.setOnlineKeys([rel.pem('snapshot'), rel.pem('timestamp')]);
    expect(set.resigned).toBe(true);
    expect(set.keys.map((k) => k.role).sort()).toEqual(['snapshot', 'timestamp']);
    const tsAfter = (await repo.getFile('metadata/timestamp.json'))?.data;
    expect(tsAfter?.equals(tsBefore ?? Buffer.alloc(0))).toBe(false);
    expect(JSON.parse(tsAfter?.toString() ?? '{}')).toMatchObject({ signed: { version: 2 } });
    expect(await repo.trust()).toMatchObject({ onlineKeys: true, onlineKeysProblem: null });
    // Root and targets metadata are never re-signed.
    expect((await repo.getFile('metadata/root.json'))?.data.equals(rel.rootFile(1))).toBe(true);
    expect(
      (await repo.getFile('metadata/1.targets.json'))?.data.equals(
        fs.readFileSync(path.join(rel.repo.layout.metadataDir, '1.targets.json')),
      ),
    ).toBe(true);

    // A full dump of the database holds no private key in plaintext.
    const dump = await fullDump(opened, dialect);
    for (const role of ['snapshot', 'timestamp'] as const) {
      const body = rel
        .pem(role)
        .split('\n')
        .filter((l) => l && !l.startsWith('-----'))
        .join('');
      expect(body.length).toBeGreaterThan(40);
      expect(dump.includes(body), `${role} PEM body in the dump`).toBe(false);
      expect(
        dump.includes(Buffer.from(body, 'base64').toString('hex')),
        `${role} key bytes in the dump`,
      ).toBe(false);
    }
    expect(dump).toContain('gnmsb1.');
    expect(fs.statSync(path.join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);

    // The wrong master key: a clear error that says what to do.
    const wrong = await createBundleRepository(opened.db, {
      dataDir,
      secretKey: crypto.randomBytes(32).toString('base64'),
    });
    const t = await wrong.trust();
    expect(t.onlineKeys).toBe(false);
    expect(t.onlineKeysProblem).toMatch(/cannot be decrypted.*Restore the key/);
    const err = await wrong.setOnlineKeys([rel.pem('snapshot'), rel.pem('timestamp')]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeUndefined(); // setting them again is the documented way out
    expect(await wrong.trust()).toMatchObject({ onlineKeys: true });
    expect((await repo.trust()).onlineKeysProblem).toMatch(/cannot be decrypted with the current master key/);
    await expect(repo.import(await rel.archive())).rejects.toBeInstanceOf(SecretBoxError);
  });

  it('the timestamp is re-signed when less than half its lifetime is left (injected clock); the timer does it too', async () => {
    const rel = new Release().release();
    let clock = Date.now();
    const repo = await open({ now: () => clock });
    await repo.import(await rel.archive());
    await repo.setOnlineKeys([rel.pem('snapshot'), rel.pem('timestamp')]);
    const ts = async () =>
      JSON.parse((await repo.getFile('metadata/timestamp.json'))?.data.toString() ?? '{}') as {
        signed: { version: number; expires: string };
      };
    const first = await ts();
    expect(Date.parse(first.signed.expires) - clock).toBeGreaterThan(23 * 3600_000);
    clock += 11 * 3600_000;
    expect(await repo.resignIfDue()).toBe(false);
    clock += 2 * 3600_000;
    expect(await repo.resignIfDue()).toBe(true);
    const second = await ts();
    expect(second.signed.version).toBe(first.signed.version + 1);
    expect(Math.abs(Date.parse(second.signed.expires) - (clock + 86_400_000))).toBeLessThan(2000);
    expect((await repo.trust()).timestampExpiresAt).toBe(second.signed.expires);
    expect(await repo.resignIfDue()).toBe(false);

    clock += 13 * 3600_000;
    const stop = repo.startResigning({ intervalMs: 20 });
    try {
      await expect
        .poll(async () => (await ts()).signed.version, { timeout: 10_000 })
        .toBe(second.signed.version + 1);
    } finally {
      stop();
    }
    // Agents still verify the re-signed repository (snapshot versions grew, targets untouched).
    const snap = await repo.getFile('metadata/snapshot.json');
    expect(JSON.parse(snap?.data.toString() ?? '{}')).toMatchObject({ signed: { version: 4 } });
  });

  it('GNM_TUF_ONLINE_KEYS_DIR: a folder with root or targets keys is refused; online keys are applied by the first import', async () => {
    const rel = new Release().release();
    // `gnm bundle keys init` writes every key into one folder: given as is, it holds the offline keys too.
    const withOffline = await open({ onlineKeysDir: rel.keysDir });
    expect(await refusedWith(withOffline.import(await rel.archive()), 'offline-key')).toMatch(
      /GNM_TUF_ONLINE_KEYS_DIR.*must stay offline/,
    );
    expect(await counts()).toEqual(empty);

    const online = tmpDir('online-keys');
    for (const f of fs.readdirSync(rel.keysDir).filter((x) => /^(snapshot|timestamp)-.*\.key\.pem$/.test(x)))
      fs.copyFileSync(path.join(rel.keysDir, f), path.join(online, f));
    const repo = await open({ onlineKeysDir: online });
    const r = await repo.import(await rel.archive());
    expect(r).toMatchObject({ resigned: true, warning: null });
    expect((await counts()).tuf_online_keys).toBe(2);
    // At the next start, with a trusted root, offline keys in the folder stop the start.
    await expect(open({ onlineKeysDir: rel.keysDir })).rejects.toThrow(/must stay offline/);
    await expect(open({ onlineKeysDir: path.join(online, 'missing') })).rejects.toThrow(/not a folder/);
  });

  it('the release authority rotates the online keys: the new root is imported, agents follow, then the new keys are set', async () => {
    const rel = new Release().release();
    const repo = await open();
    await repo.import(await rel.archive());
    await repo.setOnlineKeys([rel.pem('snapshot'), rel.pem('timestamp')]);
    await repo.setOnlineKeys([rel.pem('snapshot'), rel.pem('timestamp')]); // timestamp v3 here, v1 upstream
    const served = await serveRepository(repo);
    const host = tmpDir('host');
    let n = 0;
    const agentFetch = () =>
      fetchVerified({
        metadataDir: path.join(host, 'tuf'),
        rootSha256: sha256(rel.rootFile(1)),
        initialRoot: rel.rootFile(1),
        repoUrl: served.url,
        targets: ['bundles/gonka-join/0.2.14-1/manifest.json'],
        destDir: path.join(host, `dest-${++n}`),
      });
    try {
      await agentFetch();
      const snapshot = generateKey('snapshot');
      const timestamp = generateKey('timestamp');
      rel.repo.rotate('snapshot', [snapshot], 1, rel.keys.root);
      rel.repo.rotate('timestamp', [timestamp], 1, rel.keys.root);
      rel.keys.snapshot = [snapshot];
      rel.keys.timestamp = [timestamp];
      rel.release(bundleVersion('0.2.14-2')); // published upstream with the new keys: timestamp v2
      const r = await repo.import(await rel.archive());
      expect(r).toMatchObject({ changed: true, rootVersion: 3, targetsVersion: 2, resigned: false });
      expect(r.warning).toMatch(/do not cover the snapshot and timestamp roles of root version 3/);
      await agentFetch(); // the agent drops its timestamp signed by the old key (TUF 5.3.11) and accepts v2
      const set = await repo.setOnlineKeys([snapshot.privatePem ?? '', timestamp.privatePem ?? '']);
      expect(set.resigned).toBe(true);
      expect(await repo.trust()).toMatchObject({ onlineKeys: true, rootVersion: 3 });
      await agentFetch();
    } finally {
      await served.close();
    }
  });

  it('mirrors an upstream TUF repository served over http, with tuf-js', async () => {
    const rel = new Release().release();
    const upstream = await serveDir(rel.dir);
    try {
      const unpinned = await open({ upstream: upstream.url });
      await refusedWith(unpinned.mirror(), 'no-trusted-root');
      const wrongPin = await open({ upstream: upstream.url, upstreamRootSha256: sha256(Buffer.from('x')) });
      await refusedWith(wrongPin.mirror(), 'untrusted-root');
      expect(await counts()).toEqual(empty);
      await refusedWith((await open()).mirror(), 'no-upstream');

      const repo = await open({ upstream: upstream.url, upstreamRootSha256: sha256(rel.rootFile(1)) });
      const r = await repo.mirror();
      expect(r).toMatchObject({ changed: true, trustEstablished: true, rootSha256: sha256(rel.rootFile(1)) });
      expect((await repo.list()).map((b) => b.version)).toEqual(['0.2.14-1']);
      expect((await repo.mirror()).changed).toBe(false);

      rel.release(bundleVersion('0.2.14-2'));
      const r2 = await repo.mirror();
      expect(r2).toMatchObject({ changed: true, targetsVersion: 2 });
      expect((await repo.list()).map((b) => b.version).sort()).toEqual(['0.2.14-1', '0.2.14-2']);

      // The upstream re-signs only its timestamp (same snapshot): served as is.
      const tsFile = path.join(rel.repo.layout.metadataDir, 'timestamp.json');
      const json = JSON.parse(fs.readFileSync(tsFile, 'utf8')) as { signed: { version: number } };
      json.signed.version += 1;
      const md = Metadata.fromJSON(MetadataKind.Timestamp, { ...json, signatures: [] });
      const key = rel.keys.timestamp[0];
      md.sign(
        (data) =>
          new Signature({
            keyID: key?.keyId ?? '',
            sig: crypto.sign(null, data, crypto.createPrivateKey(key?.privatePem ?? '')).toString('hex'),
          }),
      );
      fs.writeFileSync(tsFile, JSON.stringify(md.toJSON()));
      expect(await repo.mirror()).toMatchObject({ changed: true, targetsVersion: 2 });
      expect((await repo.getFile('metadata/timestamp.json'))?.data.equals(fs.readFileSync(tsFile))).toBe(
        true,
      );

      // The upstream serves a tampered file: refused, nothing new stored.
      rel.release(bundleVersion('0.2.14-3'));
      fs.appendFileSync(rel.targetFile('bundles/gonka-join/0.2.14-3/manifest.json'), ' ');
      const before = await counts();
      await refusedWith(repo.mirror(), 'mismatch');
      expect(await counts()).toEqual(before);
    } finally {
      await upstream.close();
    }
  });
});

/** Everything in the database, as text: the raw SQLite files, or pg_dump of the PostgreSQL database. */
async function fullDump(opened: OpenedDatabase, dialect: 'sqlite' | 'postgres'): Promise<string> {
  if (dialect === 'sqlite') {
    const r = await sql<{ file: string }>`PRAGMA database_list`.execute(opened.db);
    const file = r.rows.find((x) => x.file)?.file ?? '';
    return ['', '-wal', '-shm']
      .map((s) => `${file}${s}`)
      .filter((f) => fs.existsSync(f))
      .map((f) => fs.readFileSync(f).toString('latin1'))
      .join('\n');
  }
  const name =
    (await sql<{ db: string }>`select current_database() as db`.execute(opened.db)).rows[0]?.db ?? '';
  const url = inject('postgresUrl').replace(/\/postgres$/, `/${name}`);
  const pgDump = fs.existsSync('/usr/lib/postgresql')
    ? fs
        .readdirSync('/usr/lib/postgresql')
        .map((m) => path.join('/usr/lib/postgresql', m, 'bin', 'pg_dump'))
        .find((p) => fs.existsSync(p))
    : undefined;
  return execFileSync(pgDump ?? 'pg_dump', ['--dbname', url], {
    encoding: 'latin1',
    maxBuffer: 512 * 1024 * 1024,
  });
}

/** What an agent sees: the repository's getFile over plain http (the routes are tested on their own). */
async function serveRepository(repo: BundleRepository): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    void repo.getFile(decodeURIComponent((req.url ?? '/').slice(1))).then((f) => {
      if (f) res.writeHead(200, { 'content-type': f.contentType }).end(f.data);
      else res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
