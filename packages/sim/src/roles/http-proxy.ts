import http from 'node:http';
import { log } from '../lib/http.js';

/** Streams one request to an upstream http://host:port + path and the answer back. */
export function forward(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  host: string,
  port: number,
  path: string,
  who: string,
): void {
  const up = http.request(
    { host, port, path, method: req.method, headers: { ...req.headers, host: `${host}:${port}` } },
    (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    },
  );
  up.on('error', (e) => {
    log(who, `upstream ${host}:${port} failed: ${e.message}`);
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/html' });
    res.end(
      '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>',
    );
  });
  req.pipe(up);
}
