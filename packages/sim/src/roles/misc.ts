import net from 'node:net';
import { Router, serve, log, request } from '../lib/http.js';

/** versiond: polls the DAPI's approved devshard versions (VERSIOND_ORACLE_URL) and serves /devshard/. */
export function runVersiond(): void {
  const oracle = process.env.VERSIOND_ORACLE_URL ?? 'http://api:9100/versions';
  setInterval(() => void request('GET', oracle, undefined, 2000), 10_000).unref();
  serve(
    8080,
    new Router().fallback(() => ({ status: 404, body: { message: 'no devshard runtime installed (sim)' } })),
    'versiond',
  );
}

/** bridge: the Ethereum bridge; the sim only holds its P2P port open (30303). */
export function runBridge(): void {
  net
    .createServer((s) => s.end())
    .listen(30303, '0.0.0.0', () => log('bridge', 'p2p listening on 30303 (sim: no Ethereum sync)'));
}

/** explorer: a page on 5173, as reached through the proxy's `/`. */
export function runExplorer(): void {
  serve(
    5173,
    new Router().fallback(() => ({
      status: 200,
      contentType: 'text/html; charset=utf-8',
      text: '<!doctype html><title>Gonka explorer (sim)</title><h1>Gonka explorer</h1><p>Simulated network.</p>',
    })),
    'explorer',
  );
}

/** proxy-ssl (profile `ssl`): certificate issuing is out of scope; it answers its healthcheck on 8080. */
export function runProxySsl(): void {
  serve(
    8080,
    new Router().get('/health', () => ({ status: 200, text: 'ok' })),
    'proxy-ssl',
  );
}
