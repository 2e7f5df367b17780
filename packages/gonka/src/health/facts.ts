import { z } from 'zod';

/**
 * What the agent's `node.health` reads on the host — facts only, no judgement. The rollup
 * (`rollup.ts`) turns them into ok / warning / critical / unknown with a reason; the control plane
 * stores the latest per node. Each part is null when it could not be read, with the reason in
 * `errors` (a node that does not answer is a finding, not a failed operation).
 */
export const NodeHealthFacts = z.object({
  /** When the agent read them (ISO 8601). */
  at: z.string(),
  role: z.enum(['network', 'mlnode', 'full']).nullable(),
  /** The current release on the host (null: nothing deployed). */
  release: z.string().nullable(),
  containers: z.array(
    z.object({
      service: z.string(),
      state: z.string(),
      health: z.string().nullable(),
      restartCount: z.number().optional(),
    }),
  ),
  /** The local node's CometBFT /status (§7) and the network's height from the seed (lag). */
  chain: z
    .object({
      height: z.number(),
      catchingUp: z.boolean(),
      latestBlockTime: z.string(),
      /** The seed's latest height; null when the seed did not answer. */
      networkHeight: z.number().nullable(),
      chainId: z.string().nullable(),
      /** The node's consensus public key (base64 ed25519), public. */
      consensusKey: z.string().nullable(),
    })
    .nullable(),
  /** The Admin API setup report (§4.2), checks as the DAPI reports them. */
  setupReport: z
    .object({
      overall: z.string(),
      checks: z.array(
        z.object({
          id: z.string(),
          status: z.string(),
          message: z.string(),
          details: z.unknown().optional(),
        }),
      ),
    })
    .nullable(),
  /** ML nodes as the network node's Admin API lists them (§4.1), or the local ML node's state (§6). */
  mlNodes: z.array(
    z.object({
      id: z.string(),
      /** STOPPED | INFERENCE | POW | TRAIN, or the DAPI's current_status (INFERENCE, POC, FAILED, …). */
      state: z.string().nullable(),
      loadedModel: z.string().nullable(),
      healthy: z.boolean().nullable(),
      /** PoC weight this epoch, when the network node reports it. */
      pocWeight: z.number().nullable().optional(),
    }),
  ),
  /** What could not be read, one line each ("node RPC: connection refused"). */
  errors: z.array(z.string()),
});
export type NodeHealthFacts = z.infer<typeof NodeHealthFacts>;
