import { bech32 } from '@scure/base';

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

const CHAIN_ID = /^[a-z0-9][a-z0-9-]{0,48}$/;
const KEY_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const URL_RE = /^https?:\/\/[^\s]+$/;
const ED25519_B64 = /^[A-Za-z0-9+/]{43}=$/;

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
  if (!URL_RE.test(i.seedApiUrl))
    throw new ColdKeyCommandError(`seed API "${i.seedApiUrl}" is not an http(s) URL`);
  if (!isGonkaAddress(i.warmAddress))
    throw new ColdKeyCommandError(
      `"${i.warmAddress}" is not a gonka1… address (bech32 with a valid checksum)`,
    );
  const node = `${i.seedApiUrl.replace(/\/+$/, '')}/chain-rpc/`;
  const common = ['--from', key, '--keyring-backend', 'file', '--chain-id', i.chainId, '--node', node];
  const collateral = BigInt(i.collateralNgonka ?? 10_000_000_000n);
  const out: Omit<ColdKeyCommand, 'command'>[] = [
    {
      id: 'grant-ml-ops-permissions',
      title: 'Let the warm key act for your account',
      why: 'grants the node’s warm key the ML operations (authz, 365 days) and a fee allowance; without it the node cannot submit PoC or claim rewards',
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
      why: `without collateral only the base weight counts (20%); ${collateral} ngonka = ${Number(collateral) / 1e9} GNK, adjust the amount`,
      argv: ['inferenced', 'tx', 'collateral', 'deposit-collateral', `${collateral}ngonka`, ...common],
    },
  ];
  if (i.publicUrl && i.consensusKey) {
    if (!URL_RE.test(i.publicUrl)) throw new ColdKeyCommandError(`"${i.publicUrl}" is not an http(s) URL`);
    if (!ED25519_B64.test(i.consensusKey))
      throw new ColdKeyCommandError('the consensus key is not a base64 ed25519 public key');
    out.push({
      id: 'submit-new-participant',
      title: 'Fallback: register from the cold key',
      why: 'only if the node’s own registration failed because the cold account has never sent a transaction; it also re-registers a new consensus key after losing .tmkms',
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
