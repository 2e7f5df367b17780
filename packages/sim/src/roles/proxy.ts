import http from 'node:http';
import { log } from '../lib/http.js';
import { forward } from './http-proxy.js';

/**
 * The network node's public entry (`proxy`, nginx; reference §1.5, §5, §5.1, §11.1): `/health`,
 * `/v1`, `/v2`, `/api/v1`, `/api/v2` → api:9000 with blocked routes answering 403, `/chain-rpc/`,
 * `/chain-api/`, `/chain-grpc/` → 404 unless their DISABLE_CHAIN_* is "false", `/` → explorer.
 */
export function runProxy(): void {
  const apiPort = Number(process.env.GONKA_API_PORT ?? 9000);
  const blocked = (process.env.GONKA_API_BLOCKED_ROUTES ?? 'poc-batches').split(/\s+/).filter(Boolean);
  const disabled = (name: string): boolean => (process.env[name] ?? 'true') !== 'false';
  const chain: { prefix: string; env: string; port: number; label: string }[] = [
    {
      prefix: '/chain-rpc/',
      env: 'DISABLE_CHAIN_RPC',
      port: Number(process.env.CHAIN_RPC_PORT ?? 26657),
      label: 'Chain RPC Disabled',
    },
    {
      prefix: '/chain-api/',
      env: 'DISABLE_CHAIN_API',
      port: Number(process.env.CHAIN_API_PORT ?? 1317),
      label: 'Chain API Disabled',
    },
    {
      prefix: '/chain-grpc/',
      env: 'DISABLE_CHAIN_GRPC',
      port: Number(process.env.CHAIN_GRPC_PORT ?? 9090),
      label: 'Chain gRPC Disabled',
    },
  ];
  http
    .createServer((req, res) => {
      const url = req.url ?? '/';
      if (url === '/health') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('healthy\n');
        return;
      }
      for (const c of chain) {
        if (!url.startsWith(c.prefix)) continue;
        if (disabled(c.env)) {
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end(c.label);
          return;
        }
        forward(req, res, 'node', c.port, `/${url.slice(c.prefix.length)}`, 'proxy');
        return;
      }
      const m = /^\/(api\/)?(v1|v2)(\/.*)?$/.exec(url.split('?')[0] ?? '');
      if (m) {
        const rest = m[3] ?? '/';
        if (blocked.some((b) => rest.startsWith(`/${b}`))) {
          res.writeHead(403, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'Access Denied', message: 'This route is currently blocked.' }));
          return;
        }
        if (process.env.DISABLE_GONKA_API === 'true') {
          res.writeHead(404);
          res.end();
          return;
        }
        forward(req, res, 'api', apiPort, `/${m[2]}${url.slice((m[1] ? 4 : 0) + 3)}`, 'proxy');
        return;
      }
      forward(req, res, 'explorer', Number(process.env.DASHBOARD_PORT ?? 5173), url, 'proxy');
    })
    .listen(80, '0.0.0.0', () => log('proxy', 'listening on 80'));
}
