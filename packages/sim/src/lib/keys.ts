import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { bech32 } from '@scure/base';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { HDKey } from '@scure/bip32';
import { generateMnemonic, mnemonicToSeedSync } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';

/** Cosmos SDK HD path for coin type 118, as `inferenced keys add` uses. */
const HD_PATH = "m/44'/118'/0'/0/0";
export const BECH32_PREFIX = 'gonka';

export interface SecpKey {
  privateKey: Uint8Array;
  publicKey: Uint8Array; // 33-byte compressed
}

export function newMnemonic(): string {
  return generateMnemonic(wordlist, 256);
}

export function keyFromMnemonic(mnemonic: string): SecpKey {
  const hd = HDKey.fromMasterSeed(mnemonicToSeedSync(mnemonic)).derive(HD_PATH);
  if (!hd.privateKey || !hd.publicKey) throw new Error('key derivation failed');
  return { privateKey: hd.privateKey, publicKey: hd.publicKey };
}

/** Bech32 account address of a compressed secp256k1 public key (ripemd160(sha256(pubkey))). */
export function addressOf(publicKey: Uint8Array, prefix = BECH32_PREFIX): string {
  return bech32.encode(prefix, bech32.toWords(ripemd160(sha256(publicKey))));
}

export function addressOfBase64(pubkeyB64: string): string {
  const pk = Buffer.from(pubkeyB64, 'base64');
  if (pk.length !== 33 || (pk[0] !== 2 && pk[0] !== 3))
    throw new Error('not a compressed secp256k1 public key');
  return addressOf(pk);
}

export function isAddress(s: string): boolean {
  try {
    return bech32.decode(s as `${string}1${string}`).prefix === BECH32_PREFIX;
  } catch {
    return false;
  }
}

/** Hex validator address of an ed25519 consensus key (first 20 bytes of sha256), as CometBFT shows it. */
export function consensusAddress(pubkeyB64: string): string {
  return Buffer.from(sha256(Buffer.from(pubkeyB64, 'base64')).slice(0, 20))
    .toString('hex')
    .toUpperCase();
}

export function newEd25519(): { seed: Uint8Array; publicKey: Uint8Array } {
  const seed = ed25519.utils.randomSecretKey();
  return { seed, publicKey: ed25519.getPublicKey(seed) };
}

export function ed25519Public(seed: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(seed);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export interface SignedTx {
  body: Record<string, unknown>;
  signer_pubkey: string;
  signature: string;
}

/** Signs a sim transaction body with a secp256k1 key (the sim's stand-in for a Cosmos tx). */
export function signTx(body: Record<string, unknown>, key: SecpKey): SignedTx {
  const sig = secp256k1.sign(sha256(new TextEncoder().encode(canonical(body))), key.privateKey);
  return {
    body,
    signer_pubkey: Buffer.from(key.publicKey).toString('base64'),
    signature: Buffer.from(sig).toString('base64'),
  };
}

/** Verifies a sim transaction and returns the signer's address. */
export function verifyTx(tx: SignedTx): string {
  const pk = Buffer.from(tx.signer_pubkey, 'base64');
  const ok = secp256k1.verify(
    Buffer.from(tx.signature, 'base64'),
    sha256(new TextEncoder().encode(canonical(tx.body))),
    pk,
  );
  if (!ok) throw new Error('signature verification failed');
  return addressOf(pk);
}

// ---- file keyring (a stand-in for the Cosmos SDK `file` backend) ----

interface KeyInfoFile {
  name: string;
  type: 'local';
  address: string;
  pubkey: string;
  /** scrypt + AES-256-GCM of the mnemonic, keyed by the keyring password. */
  salt: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

export class Keyring {
  constructor(readonly dir: string) {}

  private file(name: string): string {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new Error(`invalid key name "${name}"`);
    return path.join(this.dir, `${name}.info`);
  }

  has(name: string): boolean {
    return fs.existsSync(this.file(name));
  }

  add(name: string, password: string, mnemonic: string): { address: string; pubkey: string } {
    const key = keyFromMnemonic(mnemonic);
    const salt = crypto.randomBytes(16);
    const iv = crypto.randomBytes(12);
    const k = crypto.scryptSync(password, salt, 32);
    const c = crypto.createCipheriv('aes-256-gcm', k, iv);
    const ct = Buffer.concat([c.update(mnemonic, 'utf8'), c.final()]);
    const address = addressOf(key.publicKey);
    const info: KeyInfoFile = {
      name,
      type: 'local',
      address,
      pubkey: Buffer.from(key.publicKey).toString('base64'),
      salt: salt.toString('base64'),
      iv: iv.toString('base64'),
      tag: c.getAuthTag().toString('base64'),
      ciphertext: ct.toString('base64'),
    };
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file(name)}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(info), { mode: 0o600 });
    fs.renameSync(tmp, this.file(name));
    const hex = Buffer.from(bech32.fromWords(bech32.decode(address as `${string}1${string}`).words)).toString(
      'hex',
    );
    fs.writeFileSync(path.join(this.dir, `${hex}.address`), name, { mode: 0o600 });
    return { address, pubkey: info.pubkey };
  }

  /** Public information only: readable without the password. */
  show(name: string): { name: string; address: string; pubkey: string } | undefined {
    if (!this.has(name)) return undefined;
    const info = JSON.parse(fs.readFileSync(this.file(name), 'utf8')) as KeyInfoFile;
    return { name: info.name, address: info.address, pubkey: info.pubkey };
  }

  list(): { name: string; address: string; pubkey: string }[] {
    if (!fs.existsSync(this.dir)) return [];
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith('.info'))
      .map((f) => this.show(f.slice(0, -5)))
      .filter((x): x is { name: string; address: string; pubkey: string } => !!x);
  }

  unlock(name: string, password: string): SecpKey {
    if (!this.has(name)) throw new Error(`${name}.info: key not found`);
    const info = JSON.parse(fs.readFileSync(this.file(name), 'utf8')) as KeyInfoFile;
    const k = crypto.scryptSync(password, Buffer.from(info.salt, 'base64'), 32);
    const d = crypto.createDecipheriv('aes-256-gcm', k, Buffer.from(info.iv, 'base64'));
    d.setAuthTag(Buffer.from(info.tag, 'base64'));
    let mnemonic: string;
    try {
      mnemonic = Buffer.concat([d.update(Buffer.from(info.ciphertext, 'base64')), d.final()]).toString(
        'utf8',
      );
    } catch {
      throw new Error('aes.KeyUnwrap(): integrity check failed.');
    }
    return keyFromMnemonic(mnemonic);
  }
}
