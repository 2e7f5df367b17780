import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { createTar } from 'nanotar';
import { writeBackup } from './backup.js';
import { consensusPubKey, rootsFor, validatorAddress } from './material.js';
import { RestoreRefused, restoreKeys, type RestoreOptions } from './restore.js';
import { emptyHost, fakeCometRpc, fakeHost, modeOf, type FakeHost, type FakeRpc } from './testing.js';

const servers: FakeRpc[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function rpc(o: Parameters<typeof fakeCometRpc>[0]): Promise<FakeRpc> {
  const s = await fakeCometRpc(o);
  servers.push(s);
  return s;
}

/** A backup of a fresh fake host, made to a new age identity. */
async function backupOf(h: FakeHost) {
  const identity = await generateX25519Identity();
  const r = await writeBackup({
    roots: rootsFor(h.stacksRoot, h.agentStateDir),
    backupsDir: path.join(h.agentStateDir, 'backups'),
    target: { recipient: await identityToRecipient(identity) },
  });
  const address = validatorAddress(consensusPubKey(Buffer.from(h.consensusKey)));
  return { file: r.file, identity, address };
}

function options(
  b: { file: string; identity: string },
  target: { stacksRoot: string; agentStateDir: string },
  more: Partial<RestoreOptions> = {},
): RestoreOptions & { lines: string[] } {
  const lines: string[] = [];
  return {
    file: b.file,
    roots: rootsFor(target.stacksRoot, target.agentStateDir),
    unlock: { identities: [b.identity] },
    force: false,
    replacedDir: path.join(target.agentStateDir, 'backups', 'replaced-test'),
    offlineOldHostIsStopped: false,
    runningServices: () => Promise.resolve([]),
    print: (l) => lines.push(l),
    lines,
    ...more,
  };
}

async function refusal(p: Promise<unknown>): Promise<RestoreRefused> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RestoreRefused) return e;
    throw e;
  }
  throw new Error('restore was not refused');
}

/** Every file under a folder with its content (to show nothing changed). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (e.isFile()) {
      const p = path.join(e.parentPath, e.name);
      out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  return out;
}

const other = () => crypto.randomBytes(20).toString('hex').toUpperCase();

describe('gnm-agent restore', () => {
  it('writes the backup onto an empty host (0600 files, 0700 folders) when the old validator stopped signing', async () => {
    const old = fakeHost();
    const b = await backupOf(old);
    const fresh = emptyHost();
    const seed = await rpc({ latest: 500, signers: () => [other(), other()] });
    const o = options(b, fresh, { rpcUrl: seed.url });
    const r = await restoreKeys(o);
    expect(r.consensusAddress).toBe(b.address);
    expect(r.written.sort()).toEqual(Object.keys(old.files).sort());
    for (const [rel, content] of Object.entries(old.files)) {
      const p = rel.startsWith('state/')
        ? path.join(fresh.stacksRoot, 'join', rel)
        : path.join(fresh.agentStateDir, rel);
      expect(fs.readFileSync(p, 'utf8')).toBe(content);
      expect(modeOf(p)).toBe(0o600);
      expect(modeOf(path.dirname(p))).toBe(0o700);
    }
    expect(modeOf(path.join(fresh.stacksRoot, 'join/state/.tmkms'))).toBe(0o700);
    // It asked the network about the last 20 blocks.
    expect(seed.requests.filter((u) => u.startsWith('/chain-rpc/block?height=')).length).toBe(20);
    expect(o.lines.join('\n')).toMatch(/signed none of blocks 481-500/);
    // A second run finds the same material and writes nothing.
    const again = await restoreKeys(options(b, fresh, { rpcUrl: seed.url }));
    expect(again.written).toEqual([]);
  });

  it('refuses while the old validator still signs, naming the block and what to do; writes nothing', async () => {
    const old = fakeHost();
    const b = await backupOf(old);
    const fresh = emptyHost();
    const seed = await rpc({
      latest: 1000,
      blockMs: 5000,
      signers: (h) => (h === 996 ? [other(), b.address] : [other()]),
    });
    const e = await refusal(restoreKeys(options(b, fresh, { rpcUrl: seed.url })));
    expect(e.code).toBe('old-validator-signing');
    expect(e.message).toMatch(
      new RegExp(
        `validator ${b.address} signed block 996 \\d+ s ago: stop the old host first \\(docker compose down on it\\)`,
      ),
    );
    expect(e.message).toMatch(/slashed \(5%\)/);
    expect(snapshot(fresh.root)).toEqual({});
    // The --offline flag never overrides a signature the network shows.
    const e2 = await refusal(
      restoreKeys(options(b, fresh, { rpcUrl: seed.url, offlineOldHostIsStopped: true })),
    );
    expect(e2.code).toBe('old-validator-signing');
  });

  it('refuses when the network cannot tell (unreachable, no signatures, stalled) unless the operator says the old host is stopped', async () => {
    const old = fakeHost();
    const b = await backupOf(old);
    const fresh = emptyHost();
    const closed = await rpc({ latest: 10, signers: () => [] });
    await closed.close();
    servers.splice(servers.indexOf(closed), 1);
    const e = await refusal(restoreKeys(options(b, fresh, { rpcUrl: closed.url })));
    expect(e.code).toBe('network-unreachable');
    expect(e.message).toMatch(/could not be reached/);
    expect(e.message).toMatch(/--offline-old-host-is-stopped/);

    const bare = await rpc({ latest: 50, signers: () => [other()], noSignatures: true });
    expect((await refusal(restoreKeys(options(b, fresh, { rpcUrl: bare.url })))).message).toMatch(
      /no block\.last_commit\.signatures/,
    );
    const empty = await rpc({ latest: 50, signers: () => [] });
    expect((await refusal(restoreKeys(options(b, fresh, { rpcUrl: empty.url })))).message).toMatch(
      /no commit signatures/,
    );
    const stalled = await rpc({
      latest: 50,
      signers: () => [other()],
      latestTime: new Date(Date.now() - 3600_000),
    });
    expect((await refusal(restoreKeys(options(b, fresh, { rpcUrl: stalled.url })))).message).toMatch(
      /not advancing/,
    );
    const none = await refusal(restoreKeys(options(b, fresh, {})));
    expect(none.code).toBe('no-rpc');
    expect(snapshot(fresh.root)).toEqual({});

    const o = options(b, fresh, { rpcUrl: closed.url, offlineOldHostIsStopped: true });
    const r = await restoreKeys(o);
    expect(r.written.length).toBe(Object.keys(old.files).length);
    expect(o.lines.join('\n')).toMatch(/WARNING: .*could not be reached/);
  });

  it('refuses over different key material without --force; with --force moves it aside and writes the backup', async () => {
    const old = fakeHost();
    const b = await backupOf(old);
    const other = fakeHost({ mnemonic: false }); // a host that made its own keys
    fs.writeFileSync(path.join(other.stacksRoot, 'join/state/.inference/keyring-file/own.info'), 'own key');
    const before = snapshot(other.root);
    const seed = await rpc({
      latest: 300,
      signers: () => [validatorAddress(consensusPubKey(Buffer.from(other.consensusKey)))],
    });
    const e = await refusal(restoreKeys(options(b, other, { rpcUrl: seed.url })));
    expect(e.code).toBe('key-material-exists');
    expect(e.message).toMatch(/--force/);
    expect(snapshot(other.root)).toEqual(before);
    expect(seed.requests).toEqual([]); // refused before asking anything

    const o = options(b, other, { rpcUrl: seed.url, force: true });
    const r = await restoreKeys(o);
    expect(r.replacedTo).toBe(o.replacedDir);
    const keyring = path.join(other.stacksRoot, 'join/state/.inference/keyring-file');
    expect(fs.existsSync(path.join(keyring, 'own.info'))).toBe(false);
    expect(fs.readFileSync(path.join(keyring, 'keyhash'), 'utf8')).toBe(
      old.files['state/.inference/keyring-file/keyhash'],
    );
    expect(
      fs.readFileSync(
        path.join(other.stacksRoot, 'join/state/.tmkms/secrets/priv_validator_key.softsign'),
        'utf8',
      ),
    ).toBe(old.consensusKey);
    // The replaced material is kept, not deleted.
    const kept = snapshot(o.replacedDir);
    expect(kept['state/.inference/keyring-file/own.info']).toBe('own key');
    expect(kept['state/.tmkms/secrets/priv_validator_key.softsign']).toBe(other.consensusKey);
    expect(modeOf(o.replacedDir)).toBe(0o700);
  });

  it("refuses while this host's own tmkms runs", async () => {
    const b = await backupOf(fakeHost());
    const fresh = emptyHost();
    const seed = await rpc({ latest: 300, signers: () => [other()] });
    const e = await refusal(
      restoreKeys(
        options(b, fresh, { rpcUrl: seed.url, runningServices: () => Promise.resolve(['proxy', 'tmkms']) }),
      ),
    );
    expect(e.code).toBe('stack-running');
    expect(e.message).toMatch(/tmkms is running/);
  });

  it('refuses a wrong identity, and an archive with a path outside the key folders', async () => {
    const b = await backupOf(fakeHost());
    const fresh = emptyHost();
    const wrong = await refusal(
      restoreKeys(options({ ...b, identity: await generateX25519Identity() }, fresh)),
    );
    expect(wrong.code).toBe('cannot-decrypt');

    const identity = await generateX25519Identity();
    const enc = new Encrypter();
    enc.addRecipient(await identityToRecipient(identity));
    const bad = 'state/../../../etc/cron.d/x';
    const manifest = {
      format: 'gnm-keys-backup',
      version: 1,
      createdAt: new Date().toISOString(),
      host: 'evil',
      consensus: { address: b.address, pubKey: 'x' },
      files: [{ path: bad, sha256: crypto.createHash('sha256').update('boom').digest('hex'), bytes: 4 }],
    };
    const evil = createTar([
      { name: 'gnm-backup.json', data: JSON.stringify(manifest) },
      { name: bad, data: 'boom' },
    ]);
    const file = path.join(fresh.root, 'evil.age');
    fs.writeFileSync(file, await enc.encrypt(evil));
    const e = await refusal(
      restoreKeys(options({ file, identity }, fresh, { offlineOldHostIsStopped: true })),
    );
    expect(e.code).toBe('bad-backup');
    expect(e.message).toMatch(/not key material/);
    expect(snapshot(fresh.root)).toEqual({ 'evil.age': expect.any(String) as string });
  });
});
