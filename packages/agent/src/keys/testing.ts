import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Test support for the key tests: a host's key material in the official layout, and a fake CometBFT RPC. */

export const MARKER = 'PLANTED-KEY-MARKER-7f3a';

export interface FakeHost {
  root: string;
  stacksRoot: string;
  agentStateDir: string;
  /** The consensus key file's content (base64 of a 32-byte seed, as tmkms softsign writes it). */
  consensusKey: string;
  /** Every planted file by archive path, with its content. */
  files: Record<string, string>;
}

/** A host as the sim lays it out after a deploy: tmkms secrets and state, keyring-file, node_key, secret store. */
export function fakeHost(o: { mnemonic?: boolean; seed?: Buffer } = {}): FakeHost {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-keys-'));
  const stacksRoot = path.join(root, 'srv');
  const agentStateDir = path.join(root, 'agent');
  const consensusKey = (o.seed ?? crypto.randomBytes(32)).toString('base64');
  const files: Record<string, string> = {
    'state/.tmkms/secrets/priv_validator_key.softsign': consensusKey,
    'state/.tmkms/secrets/kms-identity.key': `${MARKER}-kms-identity`,
    'state/.tmkms/state/priv_validator_state.json': JSON.stringify({ height: '1234', round: '0', step: 3 }),
    'state/.inference/keyring-file/warm.info': `${MARKER}-keyring-info`,
    'state/.inference/keyring-file/0123456789abcdef0123456789abcdef01234567.address': `${MARKER}-address`,
    'state/.inference/keyring-file/keyhash': `${MARKER}-keyhash`,
    'state/.inference/config/node_key.json': JSON.stringify({ priv_key: { value: `${MARKER}-node-key` } }),
    'secrets/KEYRING_PASSWORD': `${MARKER}-keyring-password\n`,
  };
  if (o.mnemonic !== false) files['secrets/WARM_KEY_MNEMONIC'] = `${MARKER} abandon ability able about\n`;
  for (const [rel, content] of Object.entries(files)) {
    const abs = rel.startsWith('state/') ? path.join(stacksRoot, 'join', rel) : path.join(agentStateDir, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true, mode: 0o700 });
    fs.writeFileSync(abs, content, { mode: 0o600 });
  }
  // Not key material: must stay out of a backup.
  fs.writeFileSync(path.join(stacksRoot, 'join', 'state/.inference/config/config.toml'), 'moniker = "x"\n');
  return { root, stacksRoot, agentStateDir, consensusKey, files };
}

/** An empty host (nothing deployed). */
export function emptyHost(): { root: string; stacksRoot: string; agentStateDir: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-keys-'));
  return { root, stacksRoot: path.join(root, 'srv'), agentStateDir: path.join(root, 'agent') };
}

export interface FakeRpc {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

/**
 * A CometBFT 0.38 RPC with the real shapes (reference §7; `/block`'s last_commit as CometBFT serves
 * it): `signers(h)` names the validator addresses that signed height h; an absent validator is the
 * real flag-1 entry.
 */
export async function fakeCometRpc(o: {
  latest: number;
  blockMs?: number;
  latestTime?: Date;
  signers: (height: number) => string[];
  /** Drop last_commit.signatures (an RPC that does not serve them). */
  noSignatures?: boolean;
}): Promise<FakeRpc> {
  const blockMs = o.blockMs ?? 5000;
  const latestTime = o.latestTime ?? new Date();
  const timeOf = (h: number) => new Date(latestTime.getTime() - (o.latest - h) * blockMs).toISOString();
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const u = new URL(req.url ?? '/', 'http://x');
    const send = (result: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: -1, result }));
    };
    if (u.pathname === '/chain-rpc/status')
      return send({
        node_info: { id: 'ab'.repeat(20), network: 'gonka-mainnet', version: '0.38.21', moniker: 'seed' },
        sync_info: {
          latest_block_hash: 'AA'.repeat(32),
          latest_app_hash: 'BB'.repeat(32),
          latest_block_height: String(o.latest),
          latest_block_time: timeOf(o.latest),
          earliest_block_height: '1',
          catching_up: false,
        },
        validator_info: {
          address: 'CC'.repeat(20),
          pub_key: { type: 'tendermint/PubKeyEd25519', value: 'x' },
          voting_power: '0',
        },
      });
    if (u.pathname === '/chain-rpc/block') {
      const h = Number(u.searchParams.get('height'));
      const commit = h - 1;
      type Sig = {
        block_id_flag: number;
        validator_address: string;
        timestamp: string;
        signature: string | null;
      };
      const signatures: Sig[] = o.signers(commit).map((address) => ({
        block_id_flag: 2,
        validator_address: address,
        timestamp: timeOf(h),
        signature: crypto.randomBytes(64).toString('base64'),
      }));
      signatures.push({
        block_id_flag: 1,
        validator_address: '',
        timestamp: '0001-01-01T00:00:00Z',
        signature: null,
      });
      return send({
        block_id: { hash: 'DD'.repeat(32), parts: { total: 1, hash: 'EE'.repeat(32) } },
        block: {
          header: { chain_id: 'gonka-mainnet', height: String(h), time: timeOf(h) },
          data: { txs: [] },
          evidence: { evidence: [] },
          last_commit: o.noSignatures
            ? { height: String(commit), round: 0 }
            : {
                height: String(commit),
                round: 0,
                block_id: { hash: 'FF'.repeat(32), parts: { total: 1, hash: '11'.repeat(32) } },
                signatures,
              },
        },
      });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/chain-rpc/`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Mode bits of a path. */
export function modeOf(p: string): number {
  return fs.statSync(p).mode & 0o777;
}
