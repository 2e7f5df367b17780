import { validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';

/**
 * Cold-key material must never reach the control plane (DESIGN invariant 5; issue #7): a node's
 * configuration carries the account *public* key only. Every text field of a node configuration is
 * checked against what a private key looks like when someone pastes it by mistake — a recovery phrase,
 * a raw 32-byte key in hex or base64, an armored export, a Tendermint key file — and refused with an
 * explanation. Values that merely resemble one are let through on purpose: an image digest
 * (`sha256:<64 hex>`), a 33-byte compressed public key.
 */
export type ColdKeyKind = 'mnemonic' | 'private-key-hex' | 'private-key-base64' | 'armored-key' | 'key-file';

export interface ColdKeyFinding {
  /** Where it was found: a field name or a path such as `mlNodes.0.args`. */
  field: string;
  kind: ColdKeyKind;
  message: string;
}

const KEEP_OFFLINE =
  'That is secret key material: it stays on your own device and is never typed into the Node Manager. ' +
  'The node needs only your account public key (the base64 value after "key": in the output of ' +
  '`inferenced keys show <cold key name>` on your device).';

const BIP39 = new Set(wordlist);
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function base64Bytes(v: string): number | undefined {
  if (!(BASE64.test(v) && v.length % 4 === 0) && !(BASE64URL.test(v) && v.length >= 43)) return undefined;
  return Buffer.from(v, v.includes('-') || v.includes('_') ? 'base64url' : 'base64').length;
}

/** What kind of secret a value looks like, if any (undefined when it is fine). */
export function detectColdKey(value: string): Omit<ColdKeyFinding, 'field'> | undefined {
  const v = value.trim();
  if (
    /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(v) ||
    /-----BEGIN [A-Z0-9 ]*(KEY|ARMOR)[A-Z0-9 ]*-----/.test(v)
  )
    return { kind: 'armored-key', message: `this is an armored (exported) key. ${KEEP_OFFLINE}` };
  if (/"priv_key"\s*:/.test(v) || /"privkey"\s*:/i.test(v))
    return { kind: 'key-file', message: `this is a key file with a private key in it. ${KEEP_OFFLINE}` };
  const words = v.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length >= 12 && words.every((w) => BIP39.has(w)) && validateMnemonic(words.join(' '), wordlist))
    return {
      kind: 'mnemonic',
      message: `this is a ${words.length}-word recovery phrase (its BIP-39 checksum is valid): it IS your key. ${KEEP_OFFLINE} If it was shared anywhere, move your funds to a new key.`,
    };
  if (/^(0x)?[0-9a-fA-F]{64}$/.test(v))
    return {
      kind: 'private-key-hex',
      message: `this is 32 bytes of hex, the form of a raw private key. ${KEEP_OFFLINE} (An image digest is written sha256:<hex>.)`,
    };
  if (base64Bytes(v) === 32)
    return {
      kind: 'private-key-base64',
      message: `this is 32 bytes of base64, the form of a raw private key. ${KEEP_OFFLINE}`,
    };
  return undefined;
}

/** Walks every text value of a configuration (objects, arrays) and returns each suspected secret. */
export function findColdKeyMaterial(config: unknown, path = ''): ColdKeyFinding[] {
  if (typeof config === 'string') {
    const hit = detectColdKey(config);
    return hit ? [{ field: path || '(value)', ...hit }] : [];
  }
  if (Array.isArray(config))
    return config.flatMap((x, i) => findColdKeyMaterial(x, path ? `${path}.${i}` : String(i)));
  if (config && typeof config === 'object')
    return Object.entries(config).flatMap(([k, x]) => findColdKeyMaterial(x, path ? `${path}.${k}` : k));
  return [];
}

/**
 * The account public key as Gonka takes it (ACCOUNT_PUBKEY): base64 of a 33-byte compressed secp256k1
 * point, first byte 02 or 03. Returns why it is not, or undefined when it is.
 */
export function checkAccountPubkey(value: string): string | undefined {
  const v = value.trim();
  if (!BASE64.test(v) || v.length % 4 !== 0)
    return 'must be base64 (the value after "key": in `inferenced keys show <name>`), e.g. A1XaDhc1…BYDd';
  const b = Buffer.from(v, 'base64');
  if (b.length !== 33)
    return `decodes to ${b.length} bytes; a compressed secp256k1 public key is 33 bytes${b.length === 32 ? ' (32 bytes is the size of a private key: never paste one here)' : ''}`;
  if (b[0] !== 0x02 && b[0] !== 0x03)
    return `starts with byte 0x${(b[0] ?? 0).toString(16).padStart(2, '0')}; a compressed public key starts with 02 or 03`;
  return undefined;
}
