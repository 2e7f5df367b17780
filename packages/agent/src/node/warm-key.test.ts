import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ComposeDriver } from '../compose/compose-driver.js';
import { OperationFailure, Registry } from '../operations/registry.js';
import { SecretStore } from '../stack/secret-store.js';
import { ensureWarmKey } from './warm-key.js';

/**
 * A failed `keys add` must not carry the new key's recovery phrase, nor the keyring password, into
 * anything that is kept: the task's error, its events, the journal. The "docker" here is a small
 * script standing in for `docker compose run … inferenced keys add`: it prints what the real one
 * prints (the phrase on stdout in JSON, or on stderr in text mode) and then fails.
 */
// A valid 24-word BIP-39 phrase (a published test vector; never a real key).
const PHRASE =
  'letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic bless';
const PASSWORD = 'kr-pass-7f3a9c2e1b5d';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-warm-key-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every window of 3 consecutive words of the phrase: none may appear in what is kept. */
function leaks(text: string): string[] {
  const w = PHRASE.split(' ');
  const found = w.slice(0, -2).flatMap((_, i) => {
    const win = w.slice(i, i + 3).join(' ');
    return text.includes(win) ? [win] : [];
  });
  return text.includes(PASSWORD) ? [...found, 'the keyring password'] : found;
}

let n = 0;
function fakeDocker(script: string): string {
  const file = path.join(tmp, `docker-${n++}`);
  fs.writeFileSync(file, `#!/bin/sh\nread -r pw || true\n${script}\n`, { mode: 0o755 });
  return file;
}

const FAILURES: Record<string, string> = {
  'the phrase in JSON on stdout, nothing on stderr': `printf '%s\\n' '{"name":"warm","type":"local","address":"gonka1qqqq","pubkey":"{}","mnemonic":"${PHRASE}"}'\nexit 1`,
  'the phrase in text mode on stderr, then an error': `printf '%s\\n\\n%s\\n\\n%s\\n' '**Important** write this mnemonic phrase in a safe place.' '${PHRASE}' 'Error: failed to write the keyring' >&2\nexit 1`,
  'the password echoed in the last line': `echo "Error: could not open keyring with passphrase $pw" >&2\nexit 1`,
  'the phrase split over lines with a prefix': `printf 'mnemonic: %s\\n' '${PHRASE}' >&2\nexit 1`,
};

describe('a failed keys add', () => {
  for (const [name, script] of Object.entries(FAILURES)) {
    it(`keeps neither the phrase nor the password in the error or the events: ${name}`, async () => {
      const dir = path.join(tmp, `case-${n++}`);
      fs.mkdirSync(dir, { recursive: true });
      const events: string[] = [];
      const err = await ensureWarmKey({
        compose: new ComposeDriver({ docker: fakeDocker(script) }),
        release: { version: '1', releaseDir: dir, projectDir: dir, composeArgs: ['compose', '-p', 'join'] },
        keyName: 'warm',
        password: PASSWORD,
        keyringDir: path.join(dir, 'keyring'),
        secrets: new SecretStore(path.join(dir, 'secrets')),
        ctx: {
          emit: (e) => events.push(JSON.stringify(e)),
          signal: new AbortController().signal,
          deadline: new Date(Date.now() + 60_000),
          opId: 'op_12345678',
        },
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(OperationFailure);
      const message = (err as OperationFailure).message;
      expect(message).toMatch(/keys add failed/);
      expect(leaks(message), message).toEqual([]);
      expect(leaks(events.join('\n'))).toEqual([]);
    });
  }
});

describe('an operation whose failure or events carry key material', () => {
  it('is answered (and journaled) without it', async () => {
    const events: string[] = [];
    const registry = new Registry({
      'stack.logs': {
        result: z.object({ lines: z.array(z.string()) }),
        run: async (_p, ctx) => {
          ctx.emit({ log: `keys add said: ${PHRASE}` });
          throw new OperationFailure(
            'warm-key-failed',
            `inferenced keys add failed: {"mnemonic":"${PHRASE}"}`,
          );
        },
      },
    });
    const r = await registry.execute(
      { type: 'op.request', opId: 'op_12345678', op: 'stack.logs', params: { service: 'api' }, deadline: '' },
      {
        emit: (e) => events.push(JSON.stringify(e)),
        signal: new AbortController().signal,
        deadline: new Date(Date.now() + 60_000),
        opId: 'op_12345678',
      },
    );
    expect(r.ok).toBe(false);
    expect(leaks(JSON.stringify(r))).toEqual([]);
    expect(leaks(events.join('\n'))).toEqual([]);
  });
});
