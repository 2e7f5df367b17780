import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * The host's key material and the backup archive format (reference §8, the FAQ backup list).
 *
 * Archive: a POSIX ustar stream (so `age -d … | tar -x` works without this tool), entries:
 *   gnm-backup.json                                   the manifest (first entry; no secret in it)
 *   state/.tmkms/secrets/<file>                       consensus key and tmkms↔node identity
 *   state/.tmkms/state/priv_validator_state.json      the double-sign guard (last signed height)
 *   state/.inference/keyring-file/<file>              the warm key's file keyring
 *   state/.inference/config/node_key.json             the P2P node id
 *   secrets/KEYRING_PASSWORD, secrets/WARM_KEY_MNEMONIC   from the agent's secret store
 * `state/` is `<stacks root>/join/state/`, `secrets/` is `<agent state dir>/secrets/`.
 * The archive is then encrypted with age (to an X25519 recipient or a passphrase).
 */
export const MANIFEST = 'gnm-backup.json';
export const FORMAT = 'gnm-keys-backup';
export const CONSENSUS_KEY = 'state/.tmkms/secrets/priv_validator_key.softsign';
const SECRETS = ['KEYRING_PASSWORD', 'WARM_KEY_MNEMONIC'] as const;

/** What a backup looks for: folders are taken whole (regular files only), files one by one. */
const SOURCES: { rel: string; kind: 'dir' | 'file'; required: boolean }[] = [
  { rel: 'state/.tmkms/secrets', kind: 'dir', required: true },
  { rel: 'state/.tmkms/state/priv_validator_state.json', kind: 'file', required: false },
  { rel: 'state/.inference/keyring-file', kind: 'dir', required: false },
  { rel: 'state/.inference/config/node_key.json', kind: 'file', required: false },
  ...SECRETS.map((s) => ({ rel: `secrets/${s}`, kind: 'file' as const, required: false })),
];

/** Entry paths a restore accepts: only the places above, plain names, no `..`, nothing else on the host. */
const ALLOWED = [
  /^state\/\.tmkms\/secrets\/[A-Za-z0-9._-]+$/,
  /^state\/\.tmkms\/state\/priv_validator_state\.json$/,
  /^state\/\.inference\/keyring-file\/[A-Za-z0-9._-]+$/,
  /^state\/\.inference\/config\/node_key\.json$/,
  new RegExp(`^secrets/(?:${SECRETS.join('|')})$`),
];

export function allowedEntry(rel: string): boolean {
  return ALLOWED.some((r) => r.test(rel)) && !rel.split('/').some((s) => s === '.' || s === '..');
}

export interface Roots {
  /** `<stacks root>/join/state` */
  stackState: string;
  /** `<agent state dir>/secrets` */
  secrets: string;
}

export function rootsFor(stacksRoot: string, agentStateDir: string): Roots {
  return {
    stackState: path.join(stacksRoot, 'join', 'state'),
    secrets: path.join(agentStateDir, 'secrets'),
  };
}

/** Where an archive entry lives on this host. */
export function hostPath(roots: Roots, rel: string): string {
  if (!allowedEntry(rel)) throw new Error(`"${rel}" is not a key-material path`);
  return hostDir(roots, rel);
}

/** `state/…` and `secrets/…` on this host (for this module's own constants; entries go through hostPath). */
export function hostDir(roots: Roots, rel: string): string {
  return rel.startsWith('state/')
    ? path.join(roots.stackState, rel.slice('state/'.length))
    : path.join(roots.secrets, rel.slice('secrets/'.length));
}

export const Manifest = z.object({
  format: z.literal(FORMAT),
  version: z.literal(1),
  createdAt: z.string(),
  host: z.string(),
  /** Public: the validator address and ed25519 key of the backed-up consensus key. */
  consensus: z.object({ address: z.string(), pubKey: z.string() }),
  files: z.array(z.object({ path: z.string(), sha256: z.string(), bytes: z.number().int().min(0) })),
});
export type Manifest = z.infer<typeof Manifest>;

export interface Material {
  files: { rel: string; data: Buffer }[];
  /** Sources looked for and not found (optional ones; a missing required one is an error). */
  missing: string[];
}

export class MaterialError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads the key material from the host. Throws MaterialError('no-key-material') without a consensus key. */
export function collectMaterial(roots: Roots): Material {
  const files: Material['files'] = [];
  const missing: string[] = [];
  for (const s of SOURCES) {
    const abs = hostDir(roots, s.rel);
    const found: { rel: string; data: Buffer }[] = [];
    if (s.kind === 'file') {
      const st = lstatOrUndefined(abs);
      if (st?.isFile()) found.push({ rel: s.rel, data: fs.readFileSync(abs) });
    } else {
      for (const rel of walk(abs, s.rel)) found.push({ rel, data: fs.readFileSync(hostPath(roots, rel)) });
    }
    if (found.length === 0) missing.push(s.rel);
    files.push(...found);
  }
  if (!files.some((f) => f.rel === CONSENSUS_KEY))
    throw new MaterialError(
      'no-key-material',
      `no consensus key on this host (${path.join(roots.stackState, '.tmkms/secrets/priv_validator_key.softsign')} is missing): nothing to back up yet; deploy the network node first (gnm node deploy), tmkms makes the key on its first start`,
    );
  return { files, missing };
}

/** Regular files under `abs` as archive paths (`prefix/…`); names a restore would refuse are skipped. */
function walk(abs: string, prefix: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(abs, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isFile())
    .map((e) => `${prefix}/${e.name}`)
    .filter(allowedEntry)
    .sort();
}

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

export function sha256Hex(data: Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The ed25519 public key of tmkms' softsign key file. tmkms (`softsign keygen`, and the sim) writes
 * the 32-byte seed in base64; a 64-byte seed‖public key and CometBFT's priv_validator_key.json
 * (`priv_key.value`) are read too.
 */
export function consensusPubKey(keyFile: Uint8Array): Buffer {
  const text = Buffer.from(keyFile).toString('utf8').trim();
  let raw: Buffer;
  if (text.startsWith('{')) {
    const parsed = z
      .object({ priv_key: z.object({ value: z.string() }) })
      .safeParse(JSON.parse(text) as unknown);
    if (!parsed.success) throw new Error('the consensus key file is JSON without priv_key.value');
    raw = Buffer.from(parsed.data.priv_key.value, 'base64');
  } else {
    raw = Buffer.from(text, 'base64');
    // tmkms' `raw` key format: the bytes themselves.
    if (raw.length !== 32 && raw.length !== 64 && (keyFile.length === 32 || keyFile.length === 64))
      raw = Buffer.from(keyFile);
  }
  if (raw.length !== 32 && raw.length !== 64)
    throw new Error(`the consensus key file holds ${raw.length} bytes, not an ed25519 key (32 or 64)`);
  const key = crypto.createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, raw.subarray(0, 32)]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = crypto.createPublicKey(key).export({ format: 'der', type: 'spki' });
  return spki.subarray(spki.length - 32);
}

/** CometBFT's validator address: the first 20 bytes of sha256(ed25519 public key), upper-case hex. */
export function validatorAddress(pubKey: Uint8Array): string {
  return crypto.createHash('sha256').update(pubKey).digest().subarray(0, 20).toString('hex').toUpperCase();
}

const BLOCK = 512;

/**
 * Packs entries into a ustar archive with nanotar (modes 0600, owner root), the manifest first. A
 * name over ustar's 100 bytes is refused rather than cut short.
 */
export async function packArchive(
  manifest: Manifest,
  files: { rel: string; data: Buffer }[],
): Promise<Buffer> {
  const { createTar } = await import('nanotar');
  const entries = [{ rel: MANIFEST, data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) }, ...files];
  for (const e of entries)
    if (Buffer.byteLength(e.rel) >= 100) throw new Error(`archive path too long for ustar: ${e.rel}`);
  const mtime = Date.parse(manifest.createdAt);
  const tar = Buffer.from(
    createTar(
      entries.map((e) => ({ name: e.rel, data: new Uint8Array(e.data) })),
      { attrs: { mode: '600', uid: 0, gid: 0, user: 'root', group: 'root', mtime } },
    ),
  );
  // An archive ends with two zero blocks; nanotar pads to 10 KiB records, which leaves none when
  // the entries fill the last record exactly.
  const tail = tar.subarray(tar.length - 2 * BLOCK);
  return tail.every((b) => b === 0) ? tar : Buffer.concat([tar, Buffer.alloc(20 * BLOCK)]);
}

/** Unpacks and checks an archive: manifest present and valid, every entry allowed and matching its digest. */
export async function unpackArchive(
  tar: Uint8Array,
): Promise<{ manifest: Manifest; files: { rel: string; data: Buffer }[] }> {
  const { parseTar } = await import('nanotar');
  let items: { name: string; type: string | undefined; data?: Uint8Array }[];
  try {
    items = parseTar(tar);
  } catch (e) {
    throw new MaterialError('bad-backup', `the backup is not a readable archive (${(e as Error).message})`);
  }
  const m = items.find((i) => i.name === MANIFEST);
  if (!m?.data)
    throw new MaterialError(
      'bad-backup',
      `the backup has no ${MANIFEST}: it was not made by gnm-agent backup`,
    );
  const parsed = Manifest.safeParse(JSONparse(Buffer.from(m.data).toString('utf8')));
  if (!parsed.success)
    throw new MaterialError(
      'bad-backup',
      `${MANIFEST} is not a ${FORMAT} version 1 manifest: a newer gnm-agent may be needed to restore it`,
    );
  const manifest = parsed.data;
  const files: { rel: string; data: Buffer }[] = [];
  for (const i of items) {
    if (i.name === MANIFEST) continue;
    if (i.type !== 'file' || !allowedEntry(i.name))
      throw new MaterialError(
        'bad-backup',
        `the backup holds "${i.name}", which is not key material: refused`,
      );
    files.push({ rel: i.name, data: Buffer.from(i.data ?? new Uint8Array()) });
  }
  const listed = new Map(manifest.files.map((f) => [f.path, f.sha256]));
  for (const f of files)
    if (listed.get(f.rel) !== sha256Hex(f.data))
      throw new MaterialError(
        'bad-backup',
        `${f.rel} does not match the manifest's digest: the backup is damaged`,
      );
  if (listed.size !== files.length)
    throw new MaterialError('bad-backup', 'the backup lacks files its manifest lists: it is damaged');
  return { manifest, files };
}

function JSONparse(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
}
