import fs from 'node:fs';
import http from 'node:http';
import { log } from '../lib/http.js';
import { forward } from './http-proxy.js';

interface Location {
  prefix: string;
  upstream: string;
  /** proxy_pass with a URI part ("/"): the matched prefix is replaced by it. */
  replace: string | undefined;
}

/** Returns the body of each `name {…}` block at the current level, brace-aware. */
function blocks(text: string, keyword: string): { args: string; body: string }[] {
  const out: { args: string; body: string }[] = [];
  const re = new RegExp(`(?:^|[\\s;{}])${keyword}\\b([^{;]*)\\{`, 'g');
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    let depth = 1;
    let i = re.lastIndex;
    for (; i < text.length && depth > 0; i++) {
      if (text[i] === '{') depth++;
      else if (text[i] === '}') depth--;
    }
    out.push({ args: (m[1] ?? '').trim(), body: text.slice(re.lastIndex, i - 1) });
    re.lastIndex = i;
  }
  return out;
}

/**
 * The ML node's nginx front (`inference`, image nginx:1.28.0): reads the official nginx.conf it is
 * given (reference §1.3) — upstreams, `listen` ports, `location` prefixes and `proxy_pass` — and
 * forwards accordingly, so the versioned prefix `/v3.0.8/` and both ports behave as the real file says.
 */
export function runInference(): void {
  const conf = fs
    .readFileSync(process.env.SIM_NGINX_CONF ?? '/etc/nginx/nginx.conf', 'utf8')
    .replace(/#[^\n]*/g, '');
  const upstreams = new Map<string, { host: string; port: number }>();
  for (const u of blocks(conf, 'upstream')) {
    const s = /server\s+([^:\s]+):(\d+)/.exec(u.body);
    if (s?.[1] && s[2]) upstreams.set(u.args, { host: s[1], port: Number(s[2]) });
  }
  for (const srv of blocks(conf, 'server')) {
    const listen = /listen\s+(\d+)/.exec(srv.body);
    if (!listen?.[1]) continue;
    const locations: Location[] = blocks(srv.body, 'location').map((l) => {
      const pp = /proxy_pass\s+http:\/\/([^/;\s]+)(\/[^;\s]*)?\s*;/.exec(l.body);
      return { prefix: l.args, upstream: pp?.[1] ?? '', replace: pp?.[2] };
    });
    locations.sort((a, b) => b.prefix.length - a.prefix.length);
    const port = Number(listen[1]);
    http
      .createServer((req, res) => {
        const url = req.url ?? '/';
        const loc = locations.find((l) => url.startsWith(l.prefix));
        const up = loc ? upstreams.get(loc.upstream) : undefined;
        if (!loc || !up) {
          res.writeHead(404, { 'content-type': 'text/html' });
          res.end('<html><body><center><h1>404 Not Found</h1></center></body></html>');
          return;
        }
        const path = loc.replace !== undefined ? loc.replace + url.slice(loc.prefix.length) : url;
        forward(req, res, up.host, up.port, path, 'inference');
      })
      .listen(port, '0.0.0.0', () =>
        log(
          'inference',
          `nginx stand-in listening on ${port} → ${locations.map((l) => `${l.prefix}→${l.upstream}`).join(', ')}`,
        ),
      );
  }
}
