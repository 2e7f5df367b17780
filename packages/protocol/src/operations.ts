import { z } from 'zod';
import { NETWORK_OPERATIONS } from './network-ops.js';

/**
 * The closed registry of operations (DESIGN invariant 2), as far as the wire is concerned: the
 * control plane refuses to queue an operation that is not here or whose parameters do not match, and
 * the agent (#6) refuses the same again on its side. Adding an operation means adding it here, with
 * its parameter schema, and implementing it in the agent.
 */
const NoParams = z.strictObject({});
const Service = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'a compose service name');

/** A Hugging Face repository id (org/name). */
const HfRepo = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}\/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/,
    'a Hugging Face repository (org/name)',
  );

/** Renders and starts a verified bundle release with the given per-node values. */
const StackApply = z.strictObject({
  bundle: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  version: z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/),
  role: z.enum(['network', 'mlnode', 'full']),
  /**
   * Per-node values, never secrets: text for plain parameters, a list of objects for node-config
   * parameters (ML_NODES). The agent validates each against the bundle's own parameter schema.
   */
  values: z
    .record(
      z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'a parameter name (upper case)'),
      z.union([z.string().max(4096), z.array(z.record(z.string(), z.unknown())).max(64)]),
    )
    .refine((v) => Object.keys(v).length <= 200, 'at most 200 values'),
});

const ModelDownload = z.strictObject({
  model: HfRepo,
  revision: z
    .string()
    .regex(/^[0-9a-f]{7,40}$/, 'a commit hash')
    .optional(),
  /** Size of the weights, when the control plane knows it: the free-space check needs it. */
  sizeGb: z.number().positive().max(100_000).optional(),
});

export const OPERATIONS = {
  /** Probes the host: OS, Docker, compose, GPUs (nvidia-smi), disk, ports. */
  'host.probe': NoParams,
  /** Checks the host can run a role before anything is deployed. */
  'host.preflight': z.strictObject({ role: z.enum(['network', 'mlnode', 'full']) }),
  /** The state of the `join` stack: containers, health checks, current and previous release. */
  'stack.status': NoParams,
  /** Renders and starts a verified bundle release with the given per-node values. */
  'stack.apply': StackApply,
  /**
   * The ordered bring-up of a Gonka node (reference §8): preflight (critical findings stop it unless
   * the operator accepted them by check name), verify, render, pull, `tmkms` and `node`, the node RPC
   * answering inside the compose network, the warm key (made on the host, never overwritten), the
   * rest of the stack, health. Same values as stack.apply.
   */
  'node.deploy': StackApply.extend({
    /** Model weights fetched through the ML node before the api (which enables ML nodes) starts. */
    download: ModelDownload.optional(),
    acceptWarnings: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a preflight check name'))
      .max(32)
      .default([]),
  }),
  /**
   * `register-new-participant` in the api container with the running release's PUBLIC_URL,
   * ACCOUNT_PUBKEY and SEED_API_URL (public data only). Answers the warm address and consensus key.
   */
  'node.register': NoParams,
  /**
   * Downloads model weights into HF_HOME through the ML node's model routes (§6): free-space check
   * first, progress while it runs; a download cut short is resumed by running it again.
   */
  'node.model.download': ModelDownload,
  /** What the health rollup needs: containers, chain sync against the seed, the setup report, ML node state. */
  'node.health': NoParams,
  /**
   * Encrypts the host's key material (tmkms secrets, keyring, node_key, keyring password) to the
   * operator's age public key into a file on the host. Only the file's path and digest come back.
   */
  'keys.backup': z.strictObject({
    recipient: z.string().regex(/^age1[02-9ac-hj-np-z]{58}$/, 'an age public key (age1…)'),
  }),
  /** Stops the `join` stack's containers (kept, with their volumes and state: stack.apply starts them again). */
  'stack.stop': NoParams,
  /** Switches back to the kept, already-verified previous release. */
  'stack.rollback': NoParams,
  /** The last lines of one service's logs. */
  'stack.logs': z.strictObject({ service: Service, tail: z.number().int().min(1).max(5000).default(200) }),
  ...NETWORK_OPERATIONS,
} as const;

export type OperationName = keyof typeof OPERATIONS;
export const OperationName = z.enum(Object.keys(OPERATIONS) as [OperationName, ...OperationName[]]);

export class OperationError extends Error {
  override name = 'OperationError';
}

/** Validates an operation and its parameters; the error names the field and what it accepts. */
export function parseOperation(op: string, params: unknown): { op: OperationName; params: unknown } {
  const name = OperationName.safeParse(op);
  if (!name.success) {
    throw new OperationError(
      `unknown operation "${op}": the agent runs only ${Object.keys(OPERATIONS).join(', ')}`,
    );
  }
  const r = OPERATIONS[name.data].safeParse(params ?? {});
  if (!r.success) {
    throw new OperationError(
      `invalid parameters for ${name.data}: ${r.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return { op: name.data, params: r.data };
}
