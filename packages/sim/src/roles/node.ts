import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Faults } from '../lib/faults.js';
import { Router, log, request, serve, sleep, isObject } from '../lib/http.js';
import { knobs } from '../lib/knobs.js';
import { ed25519Public, newEd25519 } from '../lib/keys.js';
import { blockResult, netInfoResult, rpcEnvelope, statusResult } from './cometbft.js';

const HOME = '/root/.inference';

/**
 * The chain node (`inferenced` under Cosmovisor, started by `sh ./init-docker.sh`). It lays out
 * `.inference` as the real one does (reference §8, §9), waits for tmkms on the privval port, then
 * follows the sim seed: it starts SIM_SYNC_BLOCKS behind, reports `catching_up` until it has caught
 * up, and answers the CometBFT RPC on 26657 (internal: the official files never publish it). P2P on
 * 26656 accepts connections.
 */
export async function runNode(): Promise<void> {
  const faults = new Faults('node');
  initHome();
  if (
    faults.has('upgrade-handler-missing') ||
    fs.existsSync(path.join(HOME, 'sim-fault-upgrade-handler-missing'))
  ) {
    // The message CometBFT/x/upgrade prints when a binary lacks the handler of the applied plan (§9).
    const plan = faults.get('upgrade-handler-missing') ?? 'v0.2.15';
    log(
      'node',
      `CONSENSUS FAILURE!!! err="wrong app version 1, upgrade handler is missing for ${plan} upgrade plan"`,
    );
    await sleep(500);
    process.exit(1);
  }
  const seedRpc = (process.env.SEED_NODE_RPC_URL ?? '').replace(/\/+$/, '');
  if (!seedRpc) throw new Error('SEED_NODE_RPC_URL is not set');
  const nodeKey = JSON.parse(fs.readFileSync(path.join(HOME, 'config/node_key.json'), 'utf8')) as {
    priv_key: { value: string };
  };
  const nodeId = Buffer.from(ed25519Public(Buffer.from(nodeKey.priv_key.value, 'base64').subarray(0, 32)))
    .toString('hex')
    .slice(0, 40);

  // 1. Wait for tmkms, as a node configured with priv_validator_laddr does before it starts.
  const tmkmsPort = Number(process.env.TMKMS_PORT ?? 26658);
  let validatorKey = '';
  net
    .createServer((s) => {
      let buf = '';
      s.on('data', (d: Buffer) => {
        buf += d.toString('utf8');
        const line = buf.split('\n')[0];
        if (line && buf.includes('\n')) {
          try {
            const msg = JSON.parse(line) as { pub_key?: string };
            if (msg.pub_key && msg.pub_key !== validatorKey) {
              validatorKey = msg.pub_key;
              log('node', `signer connected (tmkms), consensus key ${validatorKey}`);
            }
          } catch {
            /* ignore */
          }
        }
      });
      s.on('error', () => undefined);
    })
    .listen(tmkmsPort, '0.0.0.0');
  log('node', `waiting for the signer on :${tmkmsPort}`);
  while (!validatorKey) await sleep(200);

  // 2. Learn the network from the seed; refuse a genesis of another chain, as a real node would.
  const genesis = JSON.parse(fs.readFileSync(path.join(HOME, 'config/genesis.json'), 'utf8')) as {
    chain_id?: string;
  };
  let seedHeight = 0;
  let seedNetwork = '';
  let localHeight = 0;
  let lastSeedOk = 0;
  const poll = async (): Promise<void> => {
    if (faults.has('unreachable-seed')) return;
    const r = await request('GET', `${seedRpc}/status`, undefined, 3000);
    const result = isObject(r.body) && isObject(r.body.result) ? r.body.result : undefined;
    const sync = result && isObject(result.sync_info) ? result.sync_info : undefined;
    const info = result && isObject(result.node_info) ? result.node_info : undefined;
    if (r.status === 200 && sync && info) {
      seedHeight = Number(sync.latest_block_height);
      seedNetwork = String(info.network);
      lastSeedOk = Date.now();
    }
  };
  while (seedHeight === 0) {
    await poll();
    if (seedHeight === 0) {
      log('node', `cannot reach the seed at ${seedRpc}; retrying`);
      await sleep(1000);
    }
  }
  if (genesis.chain_id && seedNetwork && genesis.chain_id !== seedNetwork) {
    log(
      'node',
      `genesis chain_id ${genesis.chain_id} does not match the network ${seedNetwork} of the seed; exiting`,
    );
    process.exit(1);
  }
  localHeight = Math.max(1, seedHeight - knobs.syncBlocks());
  const startedAt = Date.now();
  const blockMs = knobs.blockTimeMs();
  setInterval(() => void poll(), Math.max(200, blockMs / 2)).unref();
  // Catch up two blocks per block time, then follow the seed; stalled sync freezes the height.
  setInterval(() => {
    if (faults.has('stalled-sync')) return;
    if (localHeight < seedHeight) localHeight = Math.min(seedHeight, localHeight + 2);
  }, blockMs).unref();
  const genesisTimeMs = startedAt - seedHeight * blockMs;
  const blockTime = (h: number): string => new Date(genesisTimeMs + h * blockMs).toISOString();
  const hashOf = (h: number): string =>
    Buffer.from(`${seedNetwork}:${h}`).toString('hex').padEnd(64, '0').slice(0, 64).toUpperCase();

  const r = new Router();
  const status = () =>
    rpcEnvelope(
      statusResult({
        nodeId,
        moniker: process.env.KEY_NAME ?? 'node',
        chainId: seedNetwork,
        height: localHeight,
        blockHash: hashOf(localHeight),
        blockTime: blockTime(localHeight),
        catchingUp: localHeight < seedHeight - 1 || Date.now() - lastSeedOk > 10_000,
        validatorPubKey: validatorKey,
        votingPower: 0,
        earliestTime: blockTime(1),
      }),
    );
  r.get('/status', () => ({ status: 200, body: status() }));
  r.get('/health', () => ({ status: 200, body: rpcEnvelope({}) }));
  r.get('/net_info', () => ({
    status: 200,
    body: rpcEnvelope(
      netInfoResult([{ id: 'seed', moniker: 'gonka-sim-seed', remoteIp: new URL(seedRpc).hostname }]),
    ),
  }));
  r.get('/validators', async () => {
    const v = await request('GET', `${seedRpc}/validators`);
    return { status: v.status || 502, body: v.body ?? { message: 'seed unreachable' } };
  });
  r.get('/block', (req) => {
    const h = Number(req.query.get('height') ?? localHeight);
    return { status: 200, body: rpcEnvelope(blockResult(h, hashOf(h), blockTime(h), seedNetwork)) };
  });
  serve(26657, r, 'node-rpc');
  net
    .createServer((s) => s.end(`gnm-sim p2p ${nodeId}\n`))
    .listen(26656, '0.0.0.0', () => log('node', 'p2p listening on 26656'));
  faults.serveControl();
  log(
    'node',
    `following ${seedRpc} (network ${seedNetwork}) from height ${localHeight}, seed at ${seedHeight}`,
  );
}

/** First-start layout of .inference (init-docker.sh, Cosmovisor init; reference §8, §9). */
function initHome(): void {
  for (const d of ['config', 'data', 'cosmovisor/genesis/bin', 'cosmovisor/upgrades']) {
    fs.mkdirSync(path.join(HOME, d), { recursive: true });
  }
  const nodeKeyFile = path.join(HOME, 'config/node_key.json');
  if (!fs.existsSync(nodeKeyFile)) {
    const k = newEd25519();
    const priv = Buffer.concat([Buffer.from(k.seed), Buffer.from(k.publicKey)]).toString('base64');
    fs.writeFileSync(
      nodeKeyFile,
      JSON.stringify({ priv_key: { type: 'tendermint/PrivKeyEd25519', value: priv } }),
      { mode: 0o600 },
    );
  }
  const bin = path.join(HOME, 'cosmovisor/genesis/bin/inferenced');
  if (!fs.existsSync(bin)) fs.copyFileSync('/usr/local/bin/inferenced', bin);
  const current = path.join(HOME, 'cosmovisor/current');
  if (!fs.existsSync(current)) fs.symlinkSync('genesis', current);
  if (fs.existsSync('/root/genesis.json'))
    fs.copyFileSync('/root/genesis.json', path.join(HOME, 'config/genesis.json'));
  if (!fs.existsSync(path.join(HOME, 'config/genesis.json')))
    throw new Error('no genesis: /root/genesis.json is not mounted');
  const p2p = process.env.P2P_EXTERNAL_ADDRESS ?? '';
  fs.writeFileSync(
    path.join(HOME, 'config/config.toml'),
    `# written by the gonka sim node\nmoniker = "${(process.env.KEY_NAME ?? 'node').replace(/"/g, '')}"\n[p2p]\nexternal_address = "${p2p.replace(/"/g, '')}"\n[rpc]\nladdr = "tcp://0.0.0.0:26657"\npriv_validator_laddr = "tcp://0.0.0.0:${process.env.TMKMS_PORT ?? 26658}"\n`,
  );
  fs.writeFileSync(path.join(HOME, '.node_initialized'), new Date().toISOString());
}
