import { z } from 'zod';
import { intish, loose } from './common.js';

/** CometBFT RPC `/status` (reference §7): heights and voting power are strings. */
export const CometStatus = loose({
  jsonrpc: z.string().optional(),
  result: loose({
    node_info: loose({
      id: z.string(),
      network: z.string(),
      version: z.string().optional(),
      moniker: z.string().optional(),
    }),
    sync_info: loose({
      latest_block_hash: z.string().optional(),
      latest_block_height: intish,
      latest_block_time: z.string(),
      catching_up: z.boolean(),
      earliest_block_height: intish.optional(),
    }),
    validator_info: loose({
      address: z.string(),
      pub_key: loose({ type: z.string().optional(), value: z.string() }),
      voting_power: intish,
    }),
  }),
});
export type CometStatus = z.infer<typeof CometStatus>;
