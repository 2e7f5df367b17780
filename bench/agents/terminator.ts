import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { loopbackAddress } from './keys.js';

/**
 * A layer-4 TLS terminator (what nginx `stream`, HAProxy in TCP mode or stunnel do): accepts TLS with
 * its own certificate and pipes the cleartext bytes to the control plane's plain port. Each upstream
 * connection leaves from its own loopback address (127.<base>.x.y) so 20,000 of them do not exhaust
 * the ephemeral ports of one source address. Configured by environment:
 *   TERM_PORT, TERM_CERT, TERM_KEY, TERM_TARGET_PORT, TERM_ADDRESS_BASE
 */
const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`terminator: ${k} is not set`);
  return v;
};
const targetPort = Number(env('TERM_TARGET_PORT'));
const base = Number(env('TERM_ADDRESS_BASE'));
let next = 0;

const server = tls.createServer({
  key: fs.readFileSync(env('TERM_KEY')),
  cert: fs.readFileSync(env('TERM_CERT')),
});
server.on('secureConnection', (down) => {
  down.setNoDelay(true);
  const up = net.connect({
    host: '127.0.0.1',
    port: targetPort,
    localAddress: loopbackAddress(base, next++ % (65536 * 8)),
  });
  up.setNoDelay(true);
  const close = () => {
    down.destroy();
    up.destroy();
  };
  down.on('error', close).on('close', close);
  up.on('error', close).on('close', close);
  down.pipe(up);
  up.pipe(down);
});
server.on('tlsClientError', () => {});
server.listen({ host: '127.0.0.1', port: Number(env('TERM_PORT')), backlog: 4096 }, () =>
  console.log('terminator ready'),
);
for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => process.exit(0));
