import { z } from 'zod';

/**
 * Does a validator still sign? Read from a CometBFT RPC (reference §7; the seed's, `SEED_NODE_RPC_URL`):
 * `/status` for the latest height, then `/block?height=h` for the last N blocks, whose
 * `block.last_commit.signatures[]` name the validators that signed block h-1 (`block_id_flag` 2 =
 * signed the block, 3 = signed nil: both are signatures with that key).
 */
const Status = z.object({
  result: z.object({
    sync_info: z.object({ latest_block_height: z.string(), latest_block_time: z.string() }),
  }),
});

const Block = z.object({
  result: z.object({
    block: z.object({
      header: z.object({ height: z.string(), time: z.string() }),
      last_commit: z.object({
        height: z.string(),
        signatures: z.array(
          z.object({
            block_id_flag: z.number(),
            validator_address: z.string(),
            timestamp: z.string().nullish(),
          }),
        ),
      }),
    }),
  }),
});

export class SigningCheckError extends Error {}

export interface RecentSignature {
  /** The height the validator signed (last_commit.height). */
  height: number;
  /** When it signed (the signature's timestamp, else the next block's time). */
  at: Date;
}

export interface SigningCheck {
  signed: RecentSignature | null;
  latestHeight: number;
  /** How many blocks were looked at. */
  checked: number;
}

/** Blocks older than this mean the chain is not advancing: silence would prove nothing. */
const STALE_MS = 10 * 60_000;

export async function checkRecentSigning(
  rpcUrl: string,
  address: string,
  o: { blocks?: number; timeoutMs?: number; now?: Date } = {},
): Promise<SigningCheck> {
  const base = rpcUrl.replace(/\/+$/, '');
  const blocks = o.blocks ?? 20;
  const get = async (p: string): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetch(`${base}${p}`, { signal: AbortSignal.timeout(o.timeoutMs ?? 10_000) });
    } catch (e) {
      const cause = (e as { cause?: { message?: string } }).cause?.message;
      throw new SigningCheckError(`${base}${p} could not be reached (${cause ?? (e as Error).message})`);
    }
    const text = await res.text();
    if (!res.ok) throw new SigningCheckError(`${base}${p} answered HTTP ${res.status}`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new SigningCheckError(`${base}${p} did not answer JSON: is this a CometBFT RPC address?`);
    }
  };

  const status = Status.safeParse(await get('/status'));
  if (!status.success)
    throw new SigningCheckError(
      `${base}/status is not a CometBFT status answer: is this a CometBFT RPC address?`,
    );
  const latestHeight = Number(status.data.result.sync_info.latest_block_height);
  const latestTime = Date.parse(status.data.result.sync_info.latest_block_time);
  const now = (o.now ?? new Date()).getTime();
  if (!Number.isInteger(latestHeight) || latestHeight < 2)
    throw new SigningCheckError(`${base} is at height ${latestHeight}: too early to tell who signs`);
  if (!Number.isFinite(latestTime) || now - latestTime > STALE_MS)
    throw new SigningCheckError(
      `${base}'s latest block ${latestHeight} is ${Math.round((now - latestTime) / 1000)} s old: the network (or that node) is not advancing, so whether the old validator signs cannot be told`,
    );

  const heights: number[] = [];
  for (let h = latestHeight; h >= Math.max(2, latestHeight - blocks + 1); h--) heights.push(h);
  const answers = await Promise.all(heights.map(async (h) => ({ h, body: await get(`/block?height=${h}`) })));
  let signatures = 0;
  for (const { h, body } of answers) {
    const b = Block.safeParse(body);
    if (!b.success)
      throw new SigningCheckError(
        `${base}/block?height=${h} has no block.last_commit.signatures: whether the old validator signs cannot be told`,
      );
    const block = b.data.result.block;
    for (const s of block.last_commit.signatures) {
      if (s.block_id_flag !== 2 && s.block_id_flag !== 3) continue;
      signatures++;
      if (s.validator_address.toUpperCase() !== address.toUpperCase()) continue;
      const ts = s.timestamp ? Date.parse(s.timestamp) : NaN;
      const at = new Date(Number.isFinite(ts) && ts > 0 ? ts : Date.parse(block.header.time));
      return {
        signed: { height: Number(block.last_commit.height), at },
        latestHeight,
        checked: heights.length,
      };
    }
  }
  // A real commit always carries 2/3 of the voting power: none at all means an RPC we cannot read from.
  if (signatures === 0)
    throw new SigningCheckError(
      `${base} shows no commit signatures in blocks ${heights.at(-1)}-${latestHeight}: whether the old validator signs cannot be told`,
    );
  return { signed: null, latestHeight, checked: heights.length };
}
