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
