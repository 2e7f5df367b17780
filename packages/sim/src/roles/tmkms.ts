import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { log, sleep } from '../lib/http.js';
import { ed25519Public, newEd25519 } from '../lib/keys.js';

/**
 * tmkms (softsign with keygen): creates the consensus key on first start in the official layout
 * (reference §8: `.tmkms/secrets/priv_validator_key.softsign`, `kms-identity.key`,
 * `state/priv_validator_state.json`) and connects to the node's privval address
 * (VALIDATOR_LISTEN_ADDRESS, tcp://node:26658). The sim protocol on that socket is one JSON line
 * carrying the public key; the key itself never leaves this container, as with the real tmkms.
 */
export async function runTmkms(): Promise<void> {
  const home = '/root/.tmkms';
  const keyFile = path.join(home, 'secrets/priv_validator_key.softsign');
  fs.mkdirSync(path.join(home, 'secrets'), { recursive: true, mode: 0o700 });
  fs.mkdirSync(path.join(home, 'state'), { recursive: true });
  if (!fs.existsSync(keyFile)) {
    const k = newEd25519();
    fs.writeFileSync(keyFile, Buffer.from(k.seed).toString('base64'), { mode: 0o600 });
    fs.writeFileSync(
      path.join(home, 'secrets/kms-identity.key'),
      Buffer.from(newEd25519().seed).toString('base64'),
      { mode: 0o600 },
    );
    fs.writeFileSync(
      path.join(home, 'state/priv_validator_state.json'),
      JSON.stringify({ height: '0', round: '0', step: 0 }),
    );
    log('tmkms', 'generated a new consensus key');
  }
  const pub = Buffer.from(
    ed25519Public(Buffer.from(fs.readFileSync(keyFile, 'utf8').trim(), 'base64')),
  ).toString('base64');
  const addr = process.env.VALIDATOR_LISTEN_ADDRESS ?? 'tcp://node:26658';
  const m = /^tcp:\/\/([^:]+):(\d+)$/.exec(addr);
  if (!m?.[1] || !m[2])
    throw new Error(`VALIDATOR_LISTEN_ADDRESS must look like tcp://host:port, got "${addr}"`);
  const [host, port] = [m[1], Number(m[2])];
  for (;;) {
    await new Promise<void>((resolve) => {
      const s = net.connect(port, host, () => {
        log('tmkms', `connected to ${addr}`);
        s.write(`${JSON.stringify({ type: 'pubkey', pub_key: pub })}\n`);
      });
      s.on('error', () => resolve());
      s.on('close', () => resolve());
    });
    await sleep(1000);
  }
}
