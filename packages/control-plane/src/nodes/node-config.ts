import { z } from 'zod';
import { checkAccountPubkey } from '@gnm/gonka';
import { printableName } from '@gnm/protocol';
import { DomainError } from '../errors.js';
import { refuseColdKey } from '../cold-key/refuse-cold-key.js';
import { hostPathProblems } from './host-path-values.js';

/**
 * A node's configuration as the operator gives it: public values only. The control plane never
 * holds a secret of the node (DESIGN invariant 5): the keyring password and the warm key are made on
 * the host, the cold key stays on the operator's own machine. Every field — known or not — passes
 * the cold-key guard before anything is parsed or stored, so a pasted mnemonic or private key is
 * refused with an explanation and never reaches the database, the audit log or an error message.
 */
const Url = z
  .string()
  .max(512)
  .regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~%/-]*)?$/, 'an http(s) URL');
const TcpAddress = z
  .string()
  .max(256)
  .regex(/^tcp:\/\/[A-Za-z0-9.-]+:\d{1,5}$/, 'a tcp://host:port address');
const Port = z.number().int().min(1).max(65535);
const HostName = z
  .string()
  .max(253)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, 'an IP address or DNS name, without scheme or port');

export const Serving = z.strictObject({
  model: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,95}\/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/, 'a model id (org/name)'),
  /**
   * vLLM arguments, as node-config.json lists them: written there as JSON strings (never through a
   * shell), so printable text is safe — the official profiles pass
   * `--compilation-config {"max_cudagraph_capture_size": 8}`.
   */
  args: z
    .array(
      z
        .string()
        .max(300)
        .regex(/^[\x20-\x7e]*$/, 'printable text'),
    )
    .max(64),
  maxConcurrent: z.number().int().min(1).max(10_000),
  /** Size of the weights in GB (the disk-space check before the download). */
  sizeGb: z.number().positive().max(100_000).optional(),
  /** Why each value was chosen (from the recommender), shown with the configuration. */
  reasons: z.array(z.object({ field: z.string(), value: z.string(), reason: z.string() })).optional(),
});
export type Serving = z.infer<typeof Serving>;

export const NodeConfig = z.strictObject({
  name: printableName(64),
  role: z.enum(['network', 'mlnode', 'full']),
  network: z.enum(['mainnet', 'testnet', 'sim']),
  /** The network's seed node; defaults for mainnet and testnet, required for sim. */
  seed: z
    .strictObject({
      apiUrl: Url,
      /** CometBFT RPC through the seed's proxy (default: apiUrl + /chain-rpc/). */
      rpcUrl: Url.optional(),
      p2pAddress: TcpAddress,
    })
    .optional(),
  /** The address the world reaches this host at (behind NAT: the router's public address). */
  publicHost: HostName,
  ports: z
    .strictObject({
      /** Host port of the proxy (API_PORT). */
      api: Port.default(8000),
      /** The port the world uses for the API, when NAT forwards another one to `api`. */
      apiExternal: Port.optional(),
      /** The P2P port the world uses (the host port is 5000 in the official files). */
      p2pExternal: Port.optional(),
    })
    .default({ api: 8000 }),
  /** The cold account's public key (base64, 33 bytes, 02/03): the only part of the cold key the node needs. */
  accountPubkey: z.string().max(64).optional(),
  keyName: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash and underscore')
    .default('warm-key'),
  hfHome: z
    .string()
    .max(512)
    .regex(/^\/[A-Za-z0-9._/-]*$/, 'an absolute path on the host')
    .default('/mnt/shared'),
  /** What the ML node serves; proposed by the recommender when left out. */
  serving: Serving.optional(),
  bundle: z
    .strictObject({
      name: z
        .string()
        .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
        .default('gonka-join'),
      channel: z.enum(['stable']).default('stable'),
      /** A pinned bundle version; default: the newest imported one of `name`. */
      version: z
        .string()
        .regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/)
        .optional(),
    })
    .default({ name: 'gonka-join', channel: 'stable' }),
  /** Further bundle parameters by name (checked against the bundle's own schema on the host). */
  extraValues: z
    .record(z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'a parameter name (upper case)'), z.string().max(4096))
    .optional(),
});
export type NodeConfig = z.infer<typeof NodeConfig>;

/** Network defaults from the official config.env template (reference §2, §10). */
const NETWORK_SEEDS: Record<'mainnet' | 'testnet', { apiUrl: string; p2pAddress: string } | undefined> = {
  mainnet: { apiUrl: 'http://node2.gonka.ai:8000', p2pAddress: 'tcp://node2.gonka.ai:5000' },
  testnet: undefined,
};

/** Parses and checks a configuration; a refusal names the field and what to do. */
export function parseNodeConfig(input: unknown): NodeConfig {
  refuseColdKey(input, { typed: { accountPubkey: 'account-pubkey' } });
  const r = NodeConfig.safeParse(input);
  if (!r.success)
    throw new DomainError(
      'invalid',
      'Invalid node configuration',
      r.error.issues
        .slice(0, 8)
        .map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`)
        .join('; '),
    );
  const c = r.data;
  const problems: string[] = [];
  if (c.role !== 'mlnode') {
    if (!c.accountPubkey)
      problems.push(
        'accountPubkey: required for a network node — the "key" value of your cold key (inferenced keys show gonka-account-key on your own machine)',
      );
    else {
      const bad = checkAccountPubkey(c.accountPubkey);
      if (bad) problems.push(`accountPubkey: ${bad}`);
    }
  }
  if (c.network === 'sim' && !c.seed) problems.push('seed: required for the sim network (the sim seed URLs)');
  if (c.network === 'testnet' && !c.seed)
    problems.push('seed: give the testnet seed node (apiUrl, p2pAddress)');
  problems.push(
    ...hostPathProblems({ hfHome: c.hfHome }),
    ...hostPathProblems(c.extraValues ?? {}, 'extraValues.'),
  );
  if (problems.length) throw new DomainError('invalid', 'Invalid node configuration', problems.join('; '));
  return c;
}

export function seedOf(c: NodeConfig): { apiUrl: string; rpcUrl: string; p2pAddress: string } {
  const s: { apiUrl: string; rpcUrl?: string; p2pAddress: string } | undefined =
    c.seed ?? (c.network === 'sim' ? undefined : NETWORK_SEEDS[c.network]);
  if (!s) throw new DomainError('invalid', 'No seed node', `give the ${c.network} seed node (seed.apiUrl)`);
  const api = s.apiUrl.replace(/\/+$/, '');
  return { apiUrl: api, rpcUrl: s.rpcUrl ?? `${api}/chain-rpc/`, p2pAddress: s.p2pAddress };
}

export function publicUrlOf(c: NodeConfig): string {
  return `http://${c.publicHost}:${c.ports.apiExternal ?? c.ports.api}`;
}

export function p2pAddressOf(c: NodeConfig): string {
  return `tcp://${c.publicHost}:${c.ports.p2pExternal ?? 5000}`;
}

/** The node-config.json entry of the ML node next to the network node (compose service `inference`). */
export function localMlNode(s: Serving): Record<string, unknown> {
  return {
    id: 'node1',
    host: 'inference',
    inference_port: 5000,
    poc_port: 8080,
    max_concurrent: s.maxConcurrent,
    models: { [s.model]: { args: s.args } },
  };
}

/** The bundle values of a configuration (stack.apply / node.deploy); never a secret. */
export function deployValues(c: NodeConfig): Record<string, string | Record<string, unknown>[]> {
  const seed = seedOf(c);
  const v: Record<string, string | Record<string, unknown>[]> = {
    KEY_NAME: c.keyName,
    PUBLIC_URL: publicUrlOf(c),
    API_PORT: String(c.ports.api),
    P2P_EXTERNAL_ADDRESS: p2pAddressOf(c),
    // Only when given: an ML-node-only host has none, and an empty value is not a public key.
    ...(c.accountPubkey ? { ACCOUNT_PUBKEY: c.accountPubkey } : {}),
    HF_HOME: c.hfHome,
    SEED_API_URL: seed.apiUrl,
    SEED_NODE_RPC_URL: seed.rpcUrl,
    SEED_NODE_P2P_URL: seed.p2pAddress,
    RPC_SERVER_URL_1: seed.rpcUrl,
    RPC_SERVER_URL_2: seed.rpcUrl,
  };
  if (c.role === 'full' && c.serving) v.ML_NODES = [localMlNode(c.serving)];
  return { ...v, ...(c.extraValues ?? {}) };
}
