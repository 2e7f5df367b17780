import { bech32 } from '@scure/base';
import { seedRpcUrl } from '../networks.js';

/**
 * The commands the operator runs with the cold key, on their own machine (reference §8): filled in
 * for one node, as an argument list and as one line safe to paste into a POSIX shell. Nothing in
 * them is secret; the cold key itself stays in the operator's keyring (`--keyring-backend file`).
 */
export interface ColdKeyCommand {
  id: 'grant-ml-ops-permissions' | 'deposit-collateral' | 'submit-new-participant';
  title: string;
  /** Why and when to run it, in one line. */
  why: string;
  argv: string[];
  command: string;
}

export interface ColdKeyCommandInput {
  chainId: string;
  /** The network's seed API; the commands go to its CometBFT RPC (`<seed>/chain-rpc/`). */
  seedApiUrl: string;
  warmAddress: string;
  coldKeyName?: string;
  /** Registered URL and consensus key: for the fallback registration. */
  publicUrl?: string;
  consensusKey?: string;
  /** Collateral to deposit, in ngonka (default 10 GNK). */
  collateralNgonka?: bigint | number;
}

export class ColdKeyCommandError extends Error {
  override name = 'ColdKeyCommandError';
}

// Cosmos chain ids (gonka-mainnet, gonka-sim); the shell quoting below does not depend on them.
const CHAIN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$/;
const KEY_NAME = /^[A-Za-z0-9._-]{1,64}$/;
// 32 bytes of ed25519 in standard base64 (CometBFT's validator_info.pub_key.value).
const ED25519_B64 = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const DEFAULT_COLLATERAL_NGONKA = 10_000_000_000n;

/**
 * An http(s) URL the operator can paste: no whitespace or control characters (a newline would end
 * the pasted command), and no user:password (the commands must never carry a secret).
 */
function checkUrl(what: string, s: string): void {
  let u: URL | undefined;
  try {
    if (!/[\s\p{Cc}]/u.test(s)) u = new URL(s);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || !u.hostname)
    throw new ColdKeyCommandError(`${what} "${s}" is not an http(s) URL`);
  if (u.username || u.password)
    throw new ColdKeyCommandError(`${what} must not carry a user name or password (it is printed)`);
}

function collateralOf(n: bigint | number | undefined): bigint {
  if (n === undefined) return DEFAULT_COLLATERAL_NGONKA;
  if (typeof n === 'number' && !Number.isSafeInteger(n))
    throw new ColdKeyCommandError(`collateral ${n} is not a whole number of ngonka`);
  const v = BigInt(n);
  if (v <= 0n) throw new ColdKeyCommandError(`collateral must be more than 0 ngonka (got ${v})`);
  return v;
}

/** 10000000000 → "10", 1500000000 → "1.5": exact, for the one-line explanation. */
function gnk(ngonka: bigint): string {
  const whole = ngonka / 1_000_000_000n;
  const frac = (ngonka % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}

/** Quotes one word for a POSIX shell when it needs it (single quotes; a quote inside as '\''). */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_./:@%+=,-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function isGonkaAddress(a: string): boolean {
  try {
    const d = bech32.decode(a as `${string}1${string}`);
    return d.prefix === 'gonka' && bech32.fromWords(d.words).length === 20;
  } catch {
    return false;
  }
}

export function coldKeyCommands(i: ColdKeyCommandInput): ColdKeyCommand[] {
  const key = i.coldKeyName ?? 'gonka-account-key';
  if (!CHAIN_ID.test(i.chainId)) throw new ColdKeyCommandError(`chain id "${i.chainId}" is not a chain id`);
  if (!KEY_NAME.test(key)) throw new ColdKeyCommandError(`"${key}" is not a key name`);
  checkUrl('seed API', i.seedApiUrl);
  if (!isGonkaAddress(i.warmAddress))
    throw new ColdKeyCommandError(
      `"${i.warmAddress}" is not a gonka1… address (bech32 with a valid checksum)`,
    );
  const node = seedRpcUrl(i.seedApiUrl);
  const common = ['--from', key, '--keyring-backend', 'file', '--chain-id', i.chainId, '--node', node];
  const collateral = collateralOf(i.collateralNgonka);
  const out: Omit<ColdKeyCommand, 'command'>[] = [
    {
      id: 'grant-ml-ops-permissions',
      title: 'Let the warm key act for your account',
      why: 'grants the node’s warm key the ML operations (authz, 365 days) and a fee allowance of up to 10 GNK paid by your account; without it the node cannot take part in PoC or claim rewards. Run it again after the warm key is recreated',
      argv: [
        'inferenced',
        'tx',
        'inference',
        'grant-ml-ops-permissions',
        key,
        i.warmAddress,
        ...common,
        '--gas',
        '2000000',
      ],
    },
    {
      id: 'deposit-collateral',
      title: 'Deposit collateral',
      why: `without collateral only the base weight counts (20%); ${collateral} ngonka = ${gnk(collateral)} GNK: adjust the amount to the weight you expect`,
      argv: ['inferenced', 'tx', 'collateral', 'deposit-collateral', `${collateral}ngonka`, ...common],
    },
  ];
  // The fallback needs both: without them there is nothing to register, so it is simply not offered.
  if (i.publicUrl && i.consensusKey) {
    checkUrl('public URL', i.publicUrl);
    if (!ED25519_B64.test(i.consensusKey))
      throw new ColdKeyCommandError('the consensus key is not a base64 ed25519 public key');
    out.push({
      id: 'submit-new-participant',
      title: 'Fallback: register from the cold key',
      why: 'only if the node’s own registration failed because your account has funds but has never sent a transaction, or to register a new consensus key after .tmkms was lost; otherwise the node registers itself',
      argv: [
        'inferenced',
        'tx',
        'inference',
        'submit-new-participant',
        i.publicUrl,
        '--validator-key',
        i.consensusKey,
        ...common,
        '--timeout-duration',
        '1m',
        '--unordered',
      ],
    });
  }
  return out.map((c) => ({ ...c, command: c.argv.map(shellQuote).join(' ') }));
}
