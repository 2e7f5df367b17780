import path from 'node:path';
import { StackLayout } from '@gnm/bundle';
import { OperationFailure, type OperationContext } from '../operations/registry.js';
import { scrubText } from '../operations/output-scrubber.js';
import { keptRelease, releaseEnv } from '../stack/release-record.js';
import { composeFor, type StackDeps } from '../stack/stack-context.js';
import type { RegisterResult } from './results.js';

/**
 * node.register: `inferenced register-new-participant` (reference §8 step 4) in the running `api`
 * container, with the values of the running release — PUBLIC_URL, ACCOUNT_PUBKEY, SEED_API_URL —
 * all public. The consensus key is read by the command from the node's RPC. The control plane checks
 * PUBLIC_URL and the P2P port from outside the host before it sends this: the registered URL costs a
 * cold-key transaction to change.
 */
export async function registerNode(ctx: OperationContext, d: StackDeps): Promise<RegisterResult> {
  const layout = new StackLayout(d.stacksRoot);
  const kept = keptRelease(d.stacksRoot, layout.current());
  if (!kept || kept.record.role === 'mlnode')
    throw new OperationFailure(
      'not-deployed',
      'no network node is deployed on this host: deploy it (gnm node deploy) before registering',
    );
  const env = releaseEnv(kept.release.projectDir);
  const publicUrl = env.PUBLIC_URL ?? '';
  const accountPubkey = env.ACCOUNT_PUBKEY ?? '';
  const seed = env.SEED_API_URL ?? '';
  if (!publicUrl || !accountPubkey || !seed)
    throw new OperationFailure(
      'invalid-values',
      'PUBLIC_URL, ACCOUNT_PUBKEY and SEED_API_URL must all be set',
    );
  ctx.emit({
    progress: { phase: 'register' },
    log: `registering ${publicUrl} with the network through ${seed}`,
  });
  const compose = composeFor(d, ctx);
  let out: string;
  try {
    out = await compose.onRelease(
      kept.release.composeArgs,
      [
        'exec',
        '-T',
        'api',
        'inferenced',
        'register-new-participant',
        publicUrl,
        accountPubkey,
        '--node-address',
        seed,
      ],
      { timeoutMs: 120_000, onLine: (l) => ctx.emit({ log: l.slice(0, 300) }) },
    );
  } catch (e) {
    throw new OperationFailure(
      'registration-failed',
      `register-new-participant failed: ${(e as Error).message.slice(0, 1500)}\nif the cold account is funded but has never sent a transaction, use the fallback command the control plane shows (submit-new-participant from the cold key)`,
    );
  }
  const field = (label: string) => new RegExp(`${label}:\\s*(\\S+)`).exec(out)?.[1] ?? null;
  const consensusKey = field('Validator Consensus Key');
  if (!consensusKey)
    throw new OperationFailure('registration-failed', `unexpected output:\n${scrubText(out).slice(0, 1500)}`);
  const warmAddress = await warmAddressOf(ctx, d, kept.release.composeArgs, env.KEY_NAME ?? '');
  return {
    warmAddress,
    accountAddress: field('Account Address'),
    consensusKey,
    publicUrl,
    alreadyRegistered: false,
    output: scrubText(out).slice(0, 4000),
  };
}

async function warmAddressOf(
  ctx: OperationContext,
  d: StackDeps,
  composeArgs: string[],
  keyName: string,
): Promise<string> {
  const { SecretStore } = await import('../stack/secret-store.js');
  const password = new SecretStore(path.join(d.stateDir, 'secrets')).get('KEYRING_PASSWORD') ?? '';
  const out = await composeFor(d, ctx).onRelease(
    composeArgs,
    ['exec', '-T', 'api', 'inferenced', 'keys', 'show', keyName, '-a', '--keyring-backend', 'file'],
    { input: `${password}\n`, quiet: true, timeoutMs: 60_000 },
  );
  const address = out.trim().split('\n').pop() ?? '';
  if (!/^gonka1[02-9ac-hj-np-z]{38,58}$/.test(address))
    throw new OperationFailure(
      'warm-key-unreadable',
      `the warm key ${keyName} could not be read from the keyring`,
    );
  return address;
}
