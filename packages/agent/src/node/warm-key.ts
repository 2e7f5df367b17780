import fs from 'node:fs';
import path from 'node:path';
import type { RenderedRelease } from '@gnm/bundle';
import type { ComposeDriver } from '../compose/compose-driver.js';
import { OperationFailure, type OperationContext } from '../operations/registry.js';
import type { SecretStore } from '../stack/secret-store.js';

/** The secret-store entry holding the warm key's mnemonic (0600, never sent). */
export const MNEMONIC_SECRET = 'WARM_KEY_MNEMONIC';

export interface WarmKey {
  name: string;
  address: string;
  pubkey: string;
  created: boolean;
  mnemonicFile: string | null;
}

/**
 * The warm (ML operational) key, DESIGN invariant 5 and reference §8 step 3: created once with
 * `inferenced keys add` in a one-off `api` container, the keyring password on stdin (never on a
 * command line, in the environment of a process we start, or in a log); never overwritten — a key of
 * that name in the keyring is kept and only read. The mnemonic goes straight to the host's secret
 * store; the task sees only the name, address and public key.
 */
export async function ensureWarmKey(o: {
  compose: ComposeDriver;
  release: RenderedRelease;
  keyName: string;
  password: string;
  /** The keyring folder on the host (state/.inference/keyring-file). */
  keyringDir: string;
  secrets: SecretStore;
  ctx: OperationContext;
}): Promise<WarmKey> {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(o.keyName))
    throw new OperationFailure('invalid-values', `KEY_NAME "${o.keyName}" is not a key name`);
  const run = ['run', '--rm', '--no-deps', '-T', 'api', 'inferenced', 'keys'];
  const kr = ['--keyring-backend', 'file', '--output', 'json'];
  const mnemonicFile = o.secrets.get(MNEMONIC_SECRET) !== undefined ? o.secrets.path(MNEMONIC_SECRET) : null;
  // Whether the key exists is read from the keyring folder itself: asking `keys show` on an empty
  // keyring would make the file backend set a new passphrase.
  if (fs.existsSync(path.join(o.keyringDir, `${o.keyName}.info`))) {
    o.ctx.emit({ log: `warm key ${o.keyName} is already in the keyring: kept as it is` });
    const out = await o.compose
      .onRelease(o.release.composeArgs, [...run, 'show', o.keyName, ...kr], {
        input: `${o.password}\n`,
        quiet: true,
        timeoutMs: 120_000,
      })
      .catch((e: Error) => {
        throw new OperationFailure(
          'warm-key-unreadable',
          `the warm key ${o.keyName} is in the keyring but could not be read with the stored keyring password (${firstLine(e.message)}); if the keyring was made by hand, restore its password into the secret store or restore a key backup`,
        );
      });
    return { ...parseKey(out, o.keyName), created: false, mnemonicFile };
  }
  o.ctx.emit({ log: `creating warm key ${o.keyName} in the api container (password on stdin)` });
  let out: string;
  try {
    out = await o.compose.onRelease(o.release.composeArgs, [...run, 'add', o.keyName, ...kr], {
      // The file backend asks twice when it creates the keyring, once when it exists.
      input: `${o.password}\n${o.password}\n`,
      quiet: true,
      timeoutMs: 120_000,
    });
  } catch (e) {
    // The message is built from the scrubbed output (run-command): a failing `keys add` may already have
    // printed the phrase it generated, on stdout or stderr, and the password may be echoed back.
    throw new OperationFailure(
      'warm-key-failed',
      `inferenced keys add failed: ${firstLine((e as Error).message)}`,
    );
  }
  const key = parseKey(out, o.keyName);
  const mnemonic = mnemonicOf(out);
  if (mnemonic) o.secrets.put(MNEMONIC_SECRET, mnemonic);
  o.ctx.emit({
    log: `warm key ${o.keyName} created: ${key.address}${mnemonic ? `; its recovery phrase is kept on this host in ${o.secrets.path(MNEMONIC_SECRET)} (0600)` : ''}`,
  });
  return {
    ...key,
    created: true,
    mnemonicFile: mnemonic ? o.secrets.path(MNEMONIC_SECRET) : mnemonicFile,
  };
}

/** `keys add/show --output json`: {name, address, pubkey: "{\"@type\":…,\"key\":\"…\"}", mnemonic?}. */
function parseKey(out: string, name: string): { name: string; address: string; pubkey: string } {
  const line = out
    .split('\n')
    .map((l) => l.trim())
    .reverse()
    .find((l) => l.startsWith('{'));
  try {
    const j = JSON.parse(line ?? '') as { address?: unknown; pubkey?: unknown };
    const pk = typeof j.pubkey === 'string' ? (JSON.parse(j.pubkey) as { key?: unknown }).key : undefined;
    if (
      typeof j.address === 'string' &&
      /^gonka1[02-9ac-hj-np-z]{38,58}$/.test(j.address) &&
      typeof pk === 'string'
    )
      return { name, address: j.address, pubkey: pk };
  } catch {
    // falls through to the error below
  }
  throw new OperationFailure(
    'warm-key-failed',
    `inferenced keys did not print the key's address and public key`,
  );
}

function mnemonicOf(out: string): string | undefined {
  for (const l of out.split('\n')) {
    if (!l.trim().startsWith('{')) continue;
    try {
      const m = (JSON.parse(l) as { mnemonic?: unknown }).mnemonic;
      if (typeof m === 'string' && m.split(/\s+/).length >= 12) return m;
    } catch {
      // not this line
    }
  }
  return undefined;
}

function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim()) ?? s).slice(0, 300);
}
