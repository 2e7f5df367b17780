import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { backupCommand, restoreCommand, type CliIO } from './cli.js';
import { PassphrasePrompt } from './passphrase.js';
import { MARKER, emptyHost, fakeCometRpc, fakeHost, modeOf, type FakeRpc } from './testing.js';

function io(lines: string[]): CliIO & { stdout: string[]; stderr: () => string } {
  const stdout: string[] = [];
  let stderr = '';
  return {
    input: Readable.from(lines.map((l) => `${l}\n`)),
    out: (l) => stdout.push(l),
    err: new Writable({
      write(chunk: Buffer, _enc, cb) {
        stderr += chunk.toString();
        cb();
      },
    }),
    runningServices: () => Promise.resolve([]),
    stdout,
    stderr: () => stderr,
  };
}

const servers: FakeRpc[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('gnm-agent backup / restore (host-only commands)', () => {
  it('round-trips with a passphrase read from standard input, asked twice, never echoed or printed', async () => {
    const old = fakeHost();
    const out = path.join(old.root, 'copy', 'keys.age');
    const pass = 'correct horse battery staple';
    const b = io([pass, pass]);
    const code = await backupCommand(
      {
        passphrase: true,
        out,
        stateDir: old.agentStateDir,
        stacksRoot: old.stacksRoot,
        json: true,
        scryptLogN: 12,
      },
      b,
    );
    expect(b.stderr()).not.toMatch(/refused|error/i);
    expect(code).toBe(0);
    expect(modeOf(out)).toBe(0o600);
    const r = JSON.parse(b.stdout.join('\n')) as { file: string; recipient: string; contents: string[] };
    expect(r.file).toBe(out);
    expect(r.recipient).toBe('passphrase');
    const everything = `${b.stdout.join('\n')}${b.stderr()}`;
    expect(everything).not.toContain(pass);
    expect(everything).not.toContain(MARKER);
    expect(everything).not.toContain(old.consensusKey);

    const fresh = emptyHost();
    const seed = await fakeCometRpc({ latest: 100, signers: () => ['AB'.repeat(20)] });
    servers.push(seed);
    // No --passphrase flag: the file's scrypt header says it needs one.
    const rs = io([pass]);
    const rc = await restoreCommand(
      out,
      { rpc: seed.url, blocks: '20', stateDir: fresh.agentStateDir, stacksRoot: fresh.stacksRoot },
      rs,
    );
    expect(rs.stderr()).toBe('');
    expect(rc).toBe(0);
    for (const [rel, content] of Object.entries(old.files)) {
      const p = rel.startsWith('state/')
        ? path.join(fresh.stacksRoot, 'join', rel)
        : path.join(fresh.agentStateDir, rel);
      expect(fs.readFileSync(p, 'utf8')).toBe(content);
    }
    expect(rs.stdout.join('\n')).not.toContain(MARKER);

    // A wrong passphrase is refused with exit 1 and writes nothing.
    const again = emptyHost();
    const bad = io(['not the passphrase']);
    expect(
      await restoreCommand(
        out,
        { rpc: seed.url, blocks: '20', stateDir: again.agentStateDir, stacksRoot: again.stacksRoot },
        bad,
      ),
    ).toBe(1);
    expect(bad.stderr()).toMatch(/could not be decrypted with the passphrase/);
    expect(fs.existsSync(again.stacksRoot)).toBe(false);
  });

  it('writes nothing when the two passphrases differ, are too short, or when neither mode is chosen', async () => {
    const h = fakeHost();
    const base = { stateDir: h.agentStateDir, stacksRoot: h.stacksRoot };
    const differ = io(['first passphrase!', 'second passphrase']);
    expect(await backupCommand({ ...base, passphrase: true }, differ)).toBe(2);
    expect(differ.stderr()).toMatch(/differ/);
    const short = io(['short', 'short']);
    expect(await backupCommand({ ...base, passphrase: true }, short)).toBe(2);
    expect(short.stderr()).toMatch(/at least 10/);
    const ended = io([]);
    expect(await backupCommand({ ...base, passphrase: true }, ended)).toBe(2);
    expect(ended.stderr()).toMatch(/standard input ended/);
    expect(await backupCommand(base, io([]))).toBe(2);
    expect(fs.existsSync(path.join(h.agentStateDir, 'backups'))).toBe(false);
  });

  it('restores a recipient backup with --identity, and refuses (exit 1) over existing keys without --force', async () => {
    const old = fakeHost();
    const identity = await generateX25519Identity();
    const b = io([]);
    expect(
      await backupCommand(
        {
          recipient: await identityToRecipient(identity),
          stateDir: old.agentStateDir,
          stacksRoot: old.stacksRoot,
        },
        b,
      ),
    ).toBe(0);
    const file = /^wrote (.+)$/m.exec(b.stdout.join('\n'))?.[1] ?? '';
    const idFile = path.join(old.root, 'key.txt');
    fs.writeFileSync(idFile, `# created: now\n# public key: x\n${identity}\n`);
    const target = fakeHost();
    const seed = await fakeCometRpc({ latest: 100, signers: () => ['AB'.repeat(20)] });
    servers.push(seed);
    const opts = {
      identity: idFile,
      rpc: seed.url,
      blocks: '20',
      stateDir: target.agentStateDir,
      stacksRoot: target.stacksRoot,
    };
    const refused = io([]);
    expect(await restoreCommand(file, opts, refused)).toBe(1);
    expect(refused.stderr()).toMatch(/restore refused: this host already has different key material/);
    const noId = io([]);
    expect(await restoreCommand(file, { ...opts, identity: undefined }, noId)).toBe(2);
    expect(noId.stderr()).toMatch(/pass --identity FILE/);
    const forced = io([]);
    expect(await restoreCommand(file, { ...opts, force: true }, forced)).toBe(0);
    expect(fs.readFileSync(path.join(target.agentStateDir, 'secrets/KEYRING_PASSWORD'), 'utf8')).toBe(
      old.files['secrets/KEYRING_PASSWORD'],
    );
  });

  it('reads a passphrase on a terminal with echo off', async () => {
    const input = Object.assign(new PassThrough(), {
      isTTY: true,
      raw: [] as boolean[],
      setRawMode(this: { raw: boolean[] }, v: boolean) {
        this.raw.push(v);
      },
    });
    let shown = '';
    const prompts = new Writable({
      write(c: Buffer, _e, cb) {
        shown += c.toString();
        cb();
      },
    });
    const p = new PassphrasePrompt(input, prompts);
    const got = p.ask('passphrase: ');
    input.write('secrx\u007fet ');
    input.write('words\r');
    expect(await got).toBe('secret words');
    expect(input.raw).toEqual([true, false]);
    expect(shown).toBe('passphrase: \n');
    const cancelled = p.ask('passphrase: ');
    input.write('ab\u0003');
    await expect(cancelled).rejects.toThrow(/cancelled/);
  });
});
