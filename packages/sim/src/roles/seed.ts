import net from 'node:net';
import { Chain, ChainError } from '../chain/chain.js';
import { governanceModels } from '../chain/models.js';
import {
  epochParams,
  epochParticipants,
  epochsLatest,
  feegrantView,
  grantsView,
  modelsView,
  participantV2,
} from '../chain/views.js';
import { Faults } from '../lib/faults.js';
import { Router, serve, log, isObject, type Res } from '../lib/http.js';
import { knobs } from '../lib/knobs.js';
import { newEd25519 } from '../lib/keys.js';
import type { SignedTx } from '../lib/keys.js';
import { blockResult, netInfoResult, rpcEnvelope, statusResult, validatorsResult } from './cometbft.js';

/**
 * The sim seed: the simulated Gonka network a node joins. It holds the sim chain and answers, on one
 * port, what a public seed node answers behind its proxy (reference §1.5, §5.1): the DAPI public API
 * (`/v1`, `/v2`), the CometBFT RPC under `/chain-rpc/` and Cosmos REST under `/chain-api/`. P2P on
 * its own port accepts connections. Not a Gonka service: it stands in for "the rest of the network".
 */
export function runSeed(): void {
  const faults = new Faults('seed');
  const port = Number(process.env.SIM_SEED_PORT ?? 8000);
  const p2pPort = Number(process.env.SIM_SEED_P2P_PORT ?? 5000);
  const validator = newEd25519();
  const chain = new Chain(
    Date.now(),
    knobs.blockTimeMs(),
    {
      epochLength: knobs.epochLength(),
      pocGenerate: knobs.pocGenerateBlocks(),
      pocValidate: knobs.pocValidateBlocks(),
    },
    knobs.chainId(),
    governanceModels(),
    { address: '', pubKey: Buffer.from(validator.publicKey).toString('base64') },
  );
  const nodeId = Buffer.from(validator.publicKey).toString('hex').slice(0, 40);
  setInterval(() => chain.tick(), Math.max(100, knobs.blockTimeMs() / 2)).unref();

  const unavailable = (): Res | undefined =>
    faults.has('unreachable')
      ? { status: 503, body: { message: 'seed unreachable (sim fault)' } }
      : undefined;

  const r = new Router();
  // --- DAPI public API (reference §5) ---
  r.get('/v1/status', () => unavailable() ?? { status: 200, body: { status: 'ok' } });
  r.get('/v1/versions', () => ({
    status: 200,
    body: {
      timestamp: new Date().toISOString(),
      api_version: { application_name: 'decentralized-api', version: knobs.chainVersion(), commit: 'sim' },
      node_version: { application_name: 'inferenced', version: knobs.chainVersion(), commit: 'sim' },
      mlnodes: [],
    },
  }));
  r.get('/v1/epochs/:epoch', (req) => {
    if (req.params.epoch !== 'latest')
      return { status: 400, body: { message: 'only "latest" is supported' } };
    return unavailable() ?? { status: 200, body: epochsLatest(chain) };
  });
  r.get(
    '/v1/epochs/:epoch/participants',
    (req) => unavailable() ?? epochParticipants(chain, req.params.epoch ?? 'current'),
  );
  r.get('/v2/participants/:address', (req) => {
    const p = chain.participants.get(req.params.address ?? '');
    if (!p) return { status: 404, body: { message: `participant ${req.params.address} not found` } };
    return { status: 200, body: participantV2(p, chain.collateral.get(p.address) ?? 0) };
  });
  r.get('/v1/participants/:address', (req) => {
    const p = chain.participants.get(req.params.address ?? '');
    return { status: 200, body: { pubkey: p?.pub_key ?? '', balance: 0, denom: 'ngonka' } };
  });
  r.post('/v1/participants', (req) => {
    const u = unavailable();
    if (u) return u;
    if (!isObject(req.body)) return { status: 400, body: { message: 'expected a JSON object' } };
    try {
      const p = chain.registerParticipant(req.body);
      log('seed', `registered participant ${p.address} at ${p.inference_url}`);
      return { status: 200, body: {} };
    } catch (e) {
      return { status: e instanceof ChainError ? e.code : 500, body: { message: (e as Error).message } };
    }
  });
  r.get('/v1/models', () => ({ status: 200, body: modelsView(chain) }));
  r.get('/v1/governance/models', () => ({ status: 200, body: modelsView(chain) }));

  // --- CometBFT RPC behind /chain-rpc/ (reference §5.1, §7) ---
  const status = (): unknown =>
    rpcEnvelope(
      statusResult({
        nodeId,
        moniker: 'gonka-sim-seed',
        chainId: chain.chainId,
        height: chain.height(),
        blockHash: chain.blockHash(chain.height()),
        blockTime: chain.blockTime(chain.height()),
        catchingUp: false,
        validatorPubKey: Buffer.from(validator.publicKey).toString('base64'),
        votingPower: 100,
        earliestTime: chain.blockTime(1),
      }),
    );
  r.get('/chain-rpc/status', () => unavailable() ?? { status: 200, body: status() });
  r.get('/chain-rpc/validators', () => ({
    status: 200,
    body: rpcEnvelope(validatorsResult(chain.height(), chain.validators())),
  }));
  r.get('/chain-rpc/net_info', () => ({ status: 200, body: rpcEnvelope(netInfoResult([])) }));
  r.get('/chain-rpc/block', (req) => {
    const h = Number(req.query.get('height') ?? chain.height());
    if (!Number.isInteger(h) || h < 1 || h > chain.height()) {
      return {
        status: 200,
        body: {
          jsonrpc: '2.0',
          id: -1,
          error: {
            code: -32603,
            message: 'Internal error',
            data: `height ${h} must be less than or equal to the current blockchain height ${chain.height()}`,
          },
        },
      };
    }
    return {
      status: 200,
      body: rpcEnvelope(
        blockResult(
          h,
          chain.blockHash(h),
          chain.blockTime(h),
          chain.chainId,
          chain.validators().map((v) => v.address),
        ),
      ),
    };
  });
  r.post('/chain-rpc/broadcast_tx_sync', (req) => {
    const u = unavailable();
    if (u) return u;
    const tx = isObject(req.body) ? (req.body.tx as SignedTx | undefined) : undefined;
    if (
      !tx ||
      !isObject(tx.body) ||
      typeof tx.signature !== 'string' ||
      typeof tx.signer_pubkey !== 'string'
    ) {
      return {
        status: 200,
        body: rpcEnvelope({ code: 2, codespace: 'sdk', log: 'tx parse error', hash: '' }),
      };
    }
    try {
      const res = chain.applyTx(tx);
      return {
        status: 200,
        body: rpcEnvelope({
          code: 0,
          codespace: '',
          log: res.log,
          hash: res.hash,
          height: String(chain.height()),
        }),
      };
    } catch (e) {
      const code = e instanceof ChainError ? e.code : 1;
      return {
        status: 200,
        body: rpcEnvelope({ code, codespace: 'inference', log: (e as Error).message, hash: '' }),
      };
    }
  });

  // --- Cosmos REST behind /chain-api/ (reference §5.2) ---
  r.get('/chain-api/productscience/inference/inference/params', () => ({
    status: 200,
    body: {
      params: {
        epoch_params: epochParams(chain),
        poc_params: { models: chain.models.map((m) => ({ model_id: m.id, seq_len: m.seq_len })) },
      },
    },
  }));
  r.get('/chain-api/productscience/inference/inference/participant/:index', (req) => {
    const p = chain.participants.get(req.params.index ?? '');
    if (!p) return { status: 404, body: { code: 5, message: 'key not found', details: [] } };
    return { status: 200, body: participantV2(p, 0) };
  });
  r.get('/chain-api/cosmos/authz/v1beta1/grants', (req) => ({
    status: 200,
    body: grantsView(chain, req.query.get('granter') ?? '', req.query.get('grantee') ?? ''),
  }));
  r.get('/chain-api/cosmos/feegrant/v1beta1/allowance/:granter/:grantee', (req) =>
    feegrantView(chain, req.params.granter ?? '', req.params.grantee ?? ''),
  );
  r.get('/health', () => ({ status: 200, text: 'healthy' }));

  serve(port, r, 'seed');

  // P2P: accept and identify, enough for a reachability check of the seed's P2P address.
  net
    .createServer((s) => {
      s.end(`gnm-sim p2p ${nodeId}\n`);
    })
    .listen(p2pPort, '0.0.0.0', () => log('seed', `p2p listening on ${p2pPort}`));

  faults.serveControl((cr) => {
    cr.post('/sim/chain/jail', (req) => {
      const a = isObject(req.body) ? String(req.body.address ?? '') : '';
      chain.jailed.add(a);
      return { status: 200, body: { jailed: [...chain.jailed] } };
    });
    cr.post('/sim/chain/missed-requests', (req) => {
      const b = isObject(req.body) ? req.body : {};
      const p = chain.participants.get(String(b.address ?? ''));
      if (!p) return { status: 404, body: { message: 'participant not found' } };
      p.inference_count = Number(b.inference_count ?? 0);
      p.missed_requests = Number(b.missed_requests ?? 0);
      return { status: 200, body: { ok: true } };
    });
    cr.post('/sim/chain/stall', (req) => {
      chain.setStalled(isObject(req.body) && req.body.stalled === true);
      return { status: 200, body: { stalled: chain.stalled, height: chain.height() } };
    });
    cr.get('/sim/chain', () => ({
      status: 200,
      body: {
        height: chain.height(),
        participants: [...chain.participants.values()],
        grants: [...chain.grants.values()],
        reports: Object.fromEntries(
          [...chain.pocReports.entries()].map(([e, m]) => [
            e,
            Object.fromEntries([...m.entries()].map(([p, n]) => [p, Object.fromEntries(n)])),
          ]),
        ),
        txs: chain.txLog,
      },
    }));
  });
  log(
    'seed',
    `chain ${chain.chainId} started: block ${knobs.blockTimeMs()} ms, epoch ${knobs.epochLength()} blocks`,
  );
}
