import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../state/files.js';
import {
  CONSENSUS_KEY,
  MaterialError,
  consensusPubKey,
  hostDir,
  hostPath,
  unpackArchive,
  validatorAddress,
  type Roots,
} from './material.js';
import { SigningCheckError, checkRecentSigning } from './signing-check.js';

/** A restore that did not write anything, with what to do. */
export class RestoreRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Unlock = { identities: string[] } | { passphrase: string };

export interface RestoreOptions {
  file: string;
  roots: Roots;
  unlock: Unlock;
  /** Replace existing, different key material (it is moved to `replacedDir`, never deleted). */
  force: boolean;
  /** Where replaced material is kept (`<agent state dir>/backups/replaced-<time>/`). */
  replacedDir: string;
  /** The CometBFT RPC to ask whether the old validator still signs (the seed's). */
  rpcUrl?: string;
  /** The operator's word that the old host is stopped, for a host that cannot reach the network. */
  offlineOldHostIsStopped: boolean;
  /** How many recent blocks must lack the old validator's signature. */
  blocks?: number;
  /** This host's running stack services (a running tmkms keeps its key in memory). */
  runningServices?: () => Promise<string[]>;
  print: (line: string) => void;
  now?: () => Date;
}

export interface RestoreOutcome {
  consensusAddress: string;
  written: string[];
  unchanged: string[];
  /** Where replaced material went (null when nothing was replaced). */
  replacedTo: string | null;
}

/** Folders whose whole content is one key set: a file there that the backup lacks would mix two sets. */
const SET_DIRS = ['state/.tmkms/secrets', 'state/.inference/keyring-file'];

/**
 * Restores a key backup on this host (issue #7): decrypt, show the plan, refuse over different key
 * material without `force`, refuse while this host's tmkms runs, refuse while the backed-up validator
 * still signs on the network (two signers with one key are slashed for double signing), then write
 * every file back 0600 in 0700 folders.
 */
export async function restoreKeys(o: RestoreOptions): Promise<RestoreOutcome> {
  const sealed = fs.readFileSync(o.file);
  const tar = await decrypt(sealed, o.unlock, o.file);
  let unpacked: Awaited<ReturnType<typeof unpackArchive>>;
  try {
    unpacked = await unpackArchive(tar);
  } catch (e) {
    if (e instanceof MaterialError) throw new RestoreRefused(e.code, e.message);
    throw e;
  }
  const { manifest, files } = unpacked;
  const key = files.find((f) => f.rel === CONSENSUS_KEY);
  if (!key) throw new RestoreRefused('bad-backup', `the backup has no consensus key (${CONSENSUS_KEY})`);
  const address = validatorAddress(consensusPubKey(key.data));
  if (address !== manifest.consensus.address)
    throw new RestoreRefused(
      'bad-backup',
      'the consensus key does not match the manifest: the backup is damaged',
    );

  o.print(`backup of host "${manifest.host}", made ${manifest.createdAt}`);
  o.print(`consensus key: validator ${address} (${manifest.consensus.pubKey})`);
  const plan = files.map((f) => {
    const target = hostPath(o.roots, f.rel);
    const existing = readOrUndefined(target);
    const status = existing === undefined ? 'new' : existing.equals(f.data) ? 'same' : 'replace';
    return { ...f, target, status };
  });
  const inBackup = new Set(files.map((f) => f.rel));
  const extras = SET_DIRS.flatMap((dir) => listFiles(hostDir(o.roots, dir), dir)).filter(
    (x) => !inBackup.has(x.rel),
  );
  o.print('will write:');
  for (const p of plan) o.print(`  ${p.status.padEnd(8)} ${p.target}`);
  for (const x of extras) o.print(`  ${'set aside'.padEnd(8)} ${x.abs} (key material not in the backup)`);

  const toWrite = plan.filter((p) => p.status !== 'same');
  const unchanged = plan.filter((p) => p.status === 'same').map((p) => p.rel);
  if (toWrite.length === 0 && extras.length === 0) {
    o.print('this host already holds exactly this key material: nothing to write');
    return { consensusAddress: address, written: [], unchanged, replacedTo: null };
  }
  const conflicts = [
    ...plan.filter((p) => p.status === 'replace').map((p) => p.target),
    ...extras.map((x) => x.abs),
  ];
  if (conflicts.length && !o.force)
    throw new RestoreRefused(
      'key-material-exists',
      `this host already has different key material (${conflicts.length} files, listed above): nothing was written. If that material is not needed (a fresh host that made its own keys), run restore again with --force; the replaced files are moved to ${o.replacedDir}, not deleted`,
    );

  const running = (await o.runningServices?.()) ?? [];
  const signers = running.filter((s) => s === 'tmkms' || s === 'node');
  if (signers.length)
    throw new RestoreRefused(
      'stack-running',
      `this host's ${signers.join(' and ')} ${signers.length > 1 ? 'are' : 'is'} running: a running tmkms keeps its own key in memory. Stop this host's stack first (docker compose down in <stacks root>/join/current/deploy/join), then run restore again`,
    );

  await checkOldValidator(o, address);

  // Replaced material is moved aside, never deleted: it may be the only copy of another key set.
  let replacedTo: string | null = null;
  const setAside = [
    ...plan.filter((p) => p.status === 'replace').map((p) => ({ rel: p.rel, abs: p.target })),
    ...extras,
  ];
  if (setAside.length) {
    replacedTo = o.replacedDir;
    for (const x of setAside) {
      const dest = path.join(o.replacedDir, x.rel);
      fs.mkdirSync(path.dirname(dest), { recursive: true, mode: 0o700 });
      fs.renameSync(x.abs, dest);
    }
    fs.chmodSync(o.replacedDir, 0o700);
    o.print(`moved the replaced key material to ${o.replacedDir}`);
  }
  for (const p of toWrite) {
    fs.mkdirSync(path.dirname(p.target), { recursive: true, mode: 0o700 });
    writeFileAtomic(p.target, p.data, 0o600);
    fs.chmodSync(p.target, 0o600);
  }
  for (const dir of keyDirs(
    o.roots,
    plan.map((p) => p.rel),
  ))
    fs.chmodSync(dir, 0o700);
  for (const f of files) f.data.fill(0);
  const written = toWrite.map((p) => p.rel);
  o.print(`restored ${written.length} files`);
  return { consensusAddress: address, written, unchanged, replacedTo };
}

async function checkOldValidator(o: RestoreOptions, address: string): Promise<void> {
  if (!o.rpcUrl) {
    if (o.offlineOldHostIsStopped) {
      o.print(
        `WARNING: not checked whether validator ${address} still signs (no RPC; --offline-old-host-is-stopped)`,
      );
      return;
    }
    throw new RestoreRefused(
      'no-rpc',
      `no CometBFT RPC to ask whether validator ${address} still signs: pass --rpc URL (the seed's, e.g. http://node2.gonka.ai:8000/chain-rpc/). Only if this host cannot reach the network and you are sure the old host is stopped: --offline-old-host-is-stopped`,
    );
  }
  const blocks = o.blocks ?? 20;
  o.print(`asking ${o.rpcUrl} whether validator ${address} signed any of the last ${blocks} blocks`);
  let check: Awaited<ReturnType<typeof checkRecentSigning>>;
  try {
    check = await checkRecentSigning(o.rpcUrl, address, { blocks, now: o.now?.() });
  } catch (e) {
    if (!(e instanceof SigningCheckError)) throw e;
    if (o.offlineOldHostIsStopped) {
      o.print(`WARNING: ${e.message}; going on because of --offline-old-host-is-stopped`);
      return;
    }
    throw new RestoreRefused(
      'network-unreachable',
      `${e.message}. Nothing was written: restore must first see that validator ${address} no longer signs, as two hosts signing with one key are slashed for double signing (5%). Fix the address (--rpc URL) and run it again; only if this host cannot reach the network and you are sure the old host is stopped (docker compose down on it): --offline-old-host-is-stopped`,
    );
  }
  if (check.signed) {
    const ago = Math.max(
      0,
      Math.round(((o.now?.() ?? new Date()).getTime() - check.signed.at.getTime()) / 1000),
    );
    throw new RestoreRefused(
      'old-validator-signing',
      `validator ${address} signed block ${check.signed.height} ${ago} s ago: stop the old host first (docker compose down on it) or double signing gets slashed (5%); run restore again once it stops signing`,
    );
  }
  o.print(
    `validator ${address} signed none of blocks ${check.latestHeight - check.checked + 1}-${check.latestHeight}: the old host is not signing`,
  );
}

async function decrypt(sealed: Buffer, unlock: Unlock, file: string): Promise<Uint8Array> {
  const age = await import('age-encryption');
  const d = new age.Decrypter();
  try {
    if ('passphrase' in unlock) d.addPassphrase(unlock.passphrase);
    else for (const id of unlock.identities) d.addIdentity(id);
    return await d.decrypt(new Uint8Array(sealed));
  } catch (e) {
    const how = 'passphrase' in unlock ? 'the passphrase' : 'the identity';
    throw new RestoreRefused(
      'cannot-decrypt',
      `${file} could not be decrypted with ${how} (${(e as Error).message}): check it is the backup's ${'passphrase' in unlock ? 'passphrase' : 'age identity file (AGE-SECRET-KEY-1…)'}`,
    );
  }
}

/** True when an age file is encrypted with a passphrase (its header's scrypt stanza). */
export function isPassphraseFile(sealed: Uint8Array): boolean {
  const head = Buffer.from(sealed.subarray(0, 256)).toString('latin1');
  return head.startsWith('age-encryption.org/v1\n') && head.includes('\n-> scrypt ');
}

/** The identities of an age identity file (`AGE-SECRET-KEY-…` lines; `#` comments). */
export function parseIdentityFile(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('AGE-SECRET-KEY-'));
}

function readOrUndefined(p: string): Buffer | undefined {
  try {
    return fs.readFileSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function listFiles(abs: string, rel: string): { rel: string; abs: string }[] {
  try {
    return fs
      .readdirSync(abs, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => ({ rel: `${rel}/${e.name}`, abs: path.join(abs, e.name) }));
  } catch {
    return [];
  }
}

/** The folders holding key material that must be 0700: each written file's folder. */
function keyDirs(roots: Roots, rels: string[]): string[] {
  return [...new Set(rels.map((r) => path.dirname(hostPath(roots, r))))].filter((d) => fs.existsSync(d));
}
