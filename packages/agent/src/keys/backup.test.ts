import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Decrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { Registry, type OperationContext } from '../operations/registry.js';
import { builtinOperations } from '../operations/builtin.js';
import { KeysBackupResult } from '../node/results.js';
import type { StackDeps } from '../stack/stack-context.js';
import { backupFileName, writeBackup } from './backup.js';
import { consensusPubKey, rootsFor, unpackArchive, validatorAddress } from './material.js';
import { MARKER, emptyHost, fakeHost, modeOf } from './testing.js';

function deps(h: { stacksRoot: string; agentStateDir: string }): StackDeps {
  return {
    stateDir: h.agentStateDir,
    stacksRoot: h.stacksRoot,
    controlPlane: 'https://cp.invalid',
    tlsPin: null,
    rootSha256: null,
  };
}

function recorder() {
  const events: unknown[] = [];
  const ctx: OperationContext = {
    emit: (e) => events.push(e),
    signal: new AbortController().signal,
    deadline: new Date(Date.now() + 600_000),
    opId: 'op_backup01',
  };
  return { events, ctx };
}

async function runOp(h: { stacksRoot: string; agentStateDir: string }, recipient: string) {
  const { events, ctx } = recorder();
  const registry = new Registry(builtinOperations({ stacksRoot: h.stacksRoot, stack: deps(h) }));
  const res = await registry.execute(
    {
      type: 'op.request',
      opId: 'op_backup01',
      op: 'keys.backup',
      params: { recipient },
      deadline: ctx.deadline.toISOString(),
    },
    ctx,
  );
  return { res, events };
}

describe('keys.backup', () => {
  it('encrypts the key material to the age recipient; decrypted, the archive holds exactly the host files', async () => {
    const h = fakeHost();
    const identity = await generateX25519Identity();
    const recipient = await identityToRecipient(identity);
    const { res, events } = await runOp(h, recipient);
    if (!res.ok) throw new Error(`keys.backup failed: ${res.error.code} ${res.error.message}`);
    const r = KeysBackupResult.parse(res.result);

    // Written on the host, 0600 in a 0700 folder, under the agent's state dir.
    expect(path.dirname(r.file)).toBe(path.join(h.agentStateDir, 'backups'));
    expect(path.basename(r.file)).toMatch(/^gnm-keys-.+-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.age$/);
    expect(modeOf(r.file)).toBe(0o600);
    expect(modeOf(path.dirname(r.file))).toBe(0o700);
    const sealed = fs.readFileSync(r.file);
    expect(r.bytes).toBe(sealed.length);
    expect(r.recipient).toBe(recipient);
    expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(sealed.subarray(0, 22).toString()).toBe('age-encryption.org/v1\n');

    const d = new Decrypter();
    d.addIdentity(identity);
    const tar = await d.decrypt(sealed);
    const { manifest, files } = await unpackArchive(tar);
    const got = Object.fromEntries(files.map((f) => [f.rel, f.data.toString('utf8')]));
    expect(got).toEqual(h.files);
    expect([...r.contents].sort()).toEqual(Object.keys(h.files).sort());
    expect(r.missing).toEqual([]);
    // The public consensus address, derived independently (noble) from the planted seed.
    const pub = ed25519.getPublicKey(Buffer.from(h.consensusKey, 'base64'));
    const addr = Buffer.from(sha256(pub).slice(0, 20)).toString('hex').toUpperCase();
    expect(r.consensusAddress).toBe(addr);
    expect(manifest.consensus).toEqual({ address: addr, pubKey: Buffer.from(pub).toString('base64') });
    expect(events.some((e) => JSON.stringify(e).includes('"phase":"encrypt"'))).toBe(true);

    // The archive is a plain tar: `age -d … | tar -x` works without gnm-agent.
    const tarFile = path.join(h.root, 'out.tar');
    fs.writeFileSync(tarFile, tar);
    const listing = execFileSync('tar', ['-tvf', tarFile], { encoding: 'utf8' });
    for (const rel of Object.keys(h.files)) expect(listing).toContain(rel);
    expect(listing).not.toContain('config.toml');

    // No key material in the result, the events, or the encrypted file; the search itself works on
    // the decrypted archive, so it can fail.
    const seen = JSON.stringify({ res, events });
    expect(Buffer.from(tar).toString('latin1')).toContain(MARKER);
    expect(Buffer.from(tar).toString('latin1')).toContain(h.consensusKey);
    expect(seen).not.toContain(MARKER);
    expect(seen).not.toContain(h.consensusKey);
    expect(sealed.toString('latin1')).not.toContain(MARKER);
    expect(sealed.toString('latin1')).not.toContain(h.consensusKey);
  });

  it('leaves out what the host lacks and says so; never overwrites an earlier backup', async () => {
    const h = fakeHost({ mnemonic: false });
    const recipient = await identityToRecipient(await generateX25519Identity());
    const now = new Date('2026-01-02T03:04:05.678Z');
    const o = {
      roots: rootsFor(h.stacksRoot, h.agentStateDir),
      backupsDir: path.join(h.agentStateDir, 'backups'),
      target: { recipient },
      host: 'gpu-01',
      now,
    };
    const r = await writeBackup(o);
    expect(r.missing).toEqual(['secrets/WARM_KEY_MNEMONIC']);
    expect(path.basename(r.file)).toBe('gnm-keys-gpu-01-2026-01-02T03-04-05Z.age');
    await expect(writeBackup(o)).rejects.toThrow(/already exists/);
  });

  it('fails with what to do on a host where nothing is deployed yet', async () => {
    const h = emptyHost();
    const { res } = await runOp(h, await identityToRecipient(await generateX25519Identity()));
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.code).toBe('no-key-material');
    expect(res.error.message).toMatch(/deploy the network node first/);
    expect(fs.existsSync(path.join(h.agentStateDir, 'backups'))).toBe(false);
  });

  it('refuses a recipient that is not an age public key before reading anything', async () => {
    const h = fakeHost();
    const { res } = await runOp(h, 'age1notakey');
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.code).toBe('invalid-params');
  });

  it('names backup files safely whatever the host name', () => {
    expect(backupFileName('../../etc/x y', new Date('2026-01-02T03:04:05Z'))).toBe(
      'gnm-keys-etc-x-y-2026-01-02T03-04-05Z.age',
    );
  });

  it("reads tmkms' key formats and derives the CometBFT validator address", () => {
    const seed = Buffer.alloc(32, 7);
    const pub = ed25519.getPublicKey(seed);
    const expected = Buffer.from(sha256(pub).slice(0, 20)).toString('hex').toUpperCase();
    expect(validatorAddress(consensusPubKey(Buffer.from(seed.toString('base64'))))).toBe(expected);
    expect(validatorAddress(consensusPubKey(seed))).toBe(expected); // raw
    const json = JSON.stringify({ priv_key: { value: Buffer.concat([seed, pub]).toString('base64') } });
    expect(validatorAddress(consensusPubKey(Buffer.from(json)))).toBe(expected);
    expect(() => consensusPubKey(Buffer.from('bm90IGEga2V5'))).toThrow(/not an ed25519 key/);
  });
});
