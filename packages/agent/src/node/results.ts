import { z } from 'zod';
import { Container } from '../compose/compose-driver.js';

/** Result schemas of the node operations (one place, so the agent and its tests agree). */
export const DeployResult = z.object({
  release: z.string(),
  previous: z.string().nullable(),
  role: z.enum(['network', 'mlnode', 'full']),
  containers: z.array(Container),
  /** Public data of the warm key made (or found) on the host; null for an ML-node-only host. */
  warmKey: z
    .object({
      name: z.string(),
      address: z.string(),
      pubkey: z.string(),
      created: z.boolean(),
      /** Where the mnemonic is kept on the host (never its content). */
      mnemonicFile: z.string().nullable(),
    })
    .nullable(),
  /** Preflight findings the operator accepted by name. */
  accepted: z.array(z.string()),
});
export type DeployResult = z.infer<typeof DeployResult>;

export const RegisterResult = z.object({
  warmAddress: z.string(),
  accountAddress: z.string().nullable(),
  consensusKey: z.string(),
  publicUrl: z.string(),
  /** Already a participant: registration was not sent again. */
  alreadyRegistered: z.boolean(),
  output: z.string(),
});
export type RegisterResult = z.infer<typeof RegisterResult>;

export const ModelDownloadResult = z.object({
  model: z.string(),
  status: z.string(),
  /** True when the weights were already complete (nothing was downloaded). */
  alreadyPresent: z.boolean(),
  availableGb: z.number().nullable(),
  elapsedSeconds: z.number().nullable(),
});
export type ModelDownloadResult = z.infer<typeof ModelDownloadResult>;

export const KeysBackupResult = z.object({
  /** The encrypted backup on the host (`<agent state dir>/backups/gnm-keys-….age`, 0600). */
  file: z.string(),
  sha256: z.string(),
  bytes: z.number(),
  /** The age recipient it is encrypted to, or `passphrase` (made on the host with `gnm-agent backup`). */
  recipient: z.string(),
  /**
   * What the file holds, by archive path (never the content): `state/…` relative to
   * `<stacks root>/join/`, `secrets/…` relative to the agent's state folder.
   */
  contents: z.array(z.string()),
  /** Optional material looked for and not on this host (e.g. no keyring on an ML-node-only host). */
  missing: z.array(z.string()).default([]),
  /** Public: the CometBFT validator address of the backed-up consensus key. */
  consensusAddress: z.string().optional(),
  createdAt: z.string().optional(),
});
export type KeysBackupResult = z.infer<typeof KeysBackupResult>;

const ChainDiff = z.object({
  family: z.enum(['ipv4', 'ipv6']),
  chain: z.string(),
  add: z.array(z.string()),
  remove: z.array(z.string()),
});

/** firewall.apply / status / remove (firewall/firewall.ts). */
export const FirewallResult = z.object({
  applied: z.boolean(),
  policy: z.unknown().nullable(),
  families: z.array(
    z.object({
      family: z.enum(['ipv4', 'ipv6']),
      protected: z.boolean(),
      note: z.string().nullable(),
      dockerUser: z.boolean(),
      diff: z.array(ChainDiff),
      hooks: z.array(z.object({ parent: z.string(), position: z.number().nullable() })),
    }),
  ),
  warnings: z.array(z.string()),
});

/** exposure.check (firewall/exposure.ts). */
export const ExposureReport = z.object({
  at: z.string(),
  ports: z.array(
    z.object({
      port: z.number(),
      protocol: z.enum(['tcp', 'udp']),
      service: z.string(),
      address: z.string(),
      what: z.string(),
      exposure: z.enum(['public', 'restricted', 'internal', 'unknown']),
      audience: z.string(),
      reachableFrom: z.string(),
      verdict: z.enum(['ok', 'warning', 'critical']),
      detail: z.string(),
    }),
  ),
  firewall: z.object({
    policy: z.boolean(),
    ipv4: z.boolean(),
    ipv6: z.boolean(),
    notes: z.array(z.string()),
  }),
  verdict: z.enum(['ok', 'warning', 'critical']),
});

/** mlnode.register / disable / remove (node/mlnodes.ts). */
export const MlNodeResult = z.object({
  id: z.string(),
  listed: z
    .object({
      host: z.string(),
      poc_port: z.number(),
      inference_port: z.number(),
      enabled: z.boolean().nullable(),
      status: z.string(),
    })
    .nullable(),
  epoch: z.number().nullable(),
});

/** net.check (net/connectivity.ts). */
export const NetCheckResult = z.object({
  ok: z.boolean(),
  results: z.array(
    z.object({
      id: z.string(),
      target: z.string(),
      ok: z.boolean(),
      ms: z.number(),
      status: z.number().nullable(),
      failure: z.enum(['refused', 'unreachable', 'timeout', 'http', 'policy', 'other']).nullable(),
      detail: z.string(),
    }),
  ),
});
