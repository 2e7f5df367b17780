import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import type { OPERATIONS } from '@gnm/protocol';
import { OperationFailure, type OperationContext } from '../operations/registry.js';
import type { StackDeps } from '../stack/stack-context.js';
import type { KeysBackupResult } from '../node/results.js';
import {
  CONSENSUS_KEY,
  FORMAT,
  MaterialError,
  collectMaterial,
  consensusPubKey,
  packArchive,
  rootsFor,
  sha256Hex,
  validatorAddress,
  type Manifest,
  type Roots,
} from './material.js';

export type KeysBackupParams = z.infer<(typeof OPERATIONS)['keys.backup']>;

/** How a backup is encrypted: to an age public key (the operation; `--recipient`), or a passphrase typed on the host. */
export type BackupTarget = { recipient: string } | { passphrase: string };

type Emit = OperationContext['emit'];

/**
 * keys.backup (issue #7, DESIGN invariant 5): the host's key material, archived and encrypted to the
 * operator's age public key, written on the host for the operator to copy off. Only the file's path,
 * digest, size and the list of archive paths come back; the material never leaves the host in clear,
 * and the encrypted file itself is not sent either.
 */
export async function backupKeys(
  p: KeysBackupParams,
  ctx: OperationContext,
  d: StackDeps,
): Promise<KeysBackupResult> {
  try {
    return await writeBackup({
      roots: rootsFor(d.stacksRoot, d.stateDir),
      backupsDir: backupsDir(d.stateDir),
      target: { recipient: p.recipient },
      emit: (e) => ctx.emit(e),
    });
  } catch (e) {
    if (e instanceof MaterialError) throw new OperationFailure(e.code, e.message);
    throw e;
  }
}

export function backupsDir(agentStateDir: string): string {
  return path.join(agentStateDir, 'backups');
}

/** The default file name: host and UTC time, so backups never replace each other. */
export function backupFileName(host: string, at: Date): string {
  const h =
    host
      .replace(/[^A-Za-z0-9.-]+/g, '-')
      .replace(/^[.-]+/, '')
      .slice(0, 64) || 'host';
  return `gnm-keys-${h}-${at
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-')}.age`;
}

export async function writeBackup(o: {
  roots: Roots;
  /** Folder for the default file name (made 0700). */
  backupsDir: string;
  /** A file chosen by the operator instead (`gnm-agent backup --out`). */
  out?: string;
  target: BackupTarget;
  emit?: Emit;
  host?: string;
  now?: Date;
  /** age's scrypt work factor for a passphrase (log2; age's default 18). Lower only in tests. */
  scryptLogN?: number;
}): Promise<KeysBackupResult> {
  const emit: Emit = o.emit ?? (() => undefined);
  const now = o.now ?? new Date();
  const host = o.host ?? os.hostname();
  const age = await import('age-encryption');
  const enc = new age.Encrypter();
  let recipient: string;
  if ('recipient' in o.target) {
    try {
      enc.addRecipient(o.target.recipient);
    } catch (e) {
      throw new MaterialError(
        'invalid-recipient',
        `"${o.target.recipient}" is not an age public key (${(e as Error).message}): give the age1… line age-keygen printed`,
      );
    }
    recipient = o.target.recipient;
  } else {
    enc.setPassphrase(o.target.passphrase);
    if (o.scryptLogN !== undefined) enc.setScryptWorkFactor(o.scryptLogN);
    recipient = 'passphrase';
  }

  emit({ progress: { phase: 'collect' } });
  const material = collectMaterial(o.roots);
  const keyFile = material.files.find((f) => f.rel === CONSENSUS_KEY);
  if (!keyFile) throw new MaterialError('no-key-material', 'no consensus key on this host');
  let pubKey: Buffer;
  try {
    pubKey = consensusPubKey(keyFile.data);
  } catch (e) {
    throw new MaterialError(
      'unreadable-key-material',
      `the consensus key ${CONSENSUS_KEY} could not be read (${(e as Error).message}): it is not a tmkms softsign key; check the file before relying on a backup of it`,
    );
  }
  const contents = material.files.map((f) => f.rel);
  emit({
    progress: { phase: 'collect', done: contents.length, total: contents.length, unit: 'files' },
    log: `backing up ${contents.length} files: ${contents.join(', ')}`,
  });
  if (material.missing.length) emit({ log: `not on this host (left out): ${material.missing.join(', ')}` });

  const manifest: Manifest = {
    format: FORMAT,
    version: 1,
    createdAt: now.toISOString(),
    host,
    consensus: { address: validatorAddress(pubKey), pubKey: pubKey.toString('base64') },
    files: material.files.map((f) => ({ path: f.rel, sha256: sha256Hex(f.data), bytes: f.data.length })),
  };
  const tar = await packArchive(manifest, material.files);

  emit({ progress: { phase: 'encrypt' } });
  const sealed = await enc.encrypt(new Uint8Array(tar));
  tar.fill(0);

  emit({ progress: { phase: 'write' } });
  const file = o.out ? path.resolve(o.out) : path.join(o.backupsDir, backupFileName(host, now));
  if (!o.out) {
    fs.mkdirSync(o.backupsDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(o.backupsDir, 0o700);
  } else fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeExclusive(file, sealed);
  const sha256 = sha256Hex(sealed);
  emit({ log: `wrote ${file} (${sealed.length} bytes, sha256 ${sha256}): copy it off this host` });
  return {
    file,
    sha256,
    bytes: sealed.length,
    recipient,
    contents,
    missing: material.missing,
    consensusAddress: manifest.consensus.address,
    createdAt: manifest.createdAt,
  };
}

/** Writes a new 0600 file, never replacing one (fsync'ed, with its folder). */
function writeExclusive(file: string, data: Uint8Array): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new MaterialError('backup-exists', `${file} already exists: choose another file name`);
    throw e;
  }
  try {
    fs.fchmodSync(fd, 0o600);
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  const dfd = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dfd);
  } finally {
    fs.closeSync(dfd);
  }
}
