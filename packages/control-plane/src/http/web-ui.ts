import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { WEB_DIST_DIR } from '@gnm/web/dist-dir';
import { SESSION_COOKIE } from './context.js';

/**
 * The web console (packages/web's `vite build` output) at `/`, beside the API on the same port.
 *
 * Only `/` is a route: every other file, and the SPA fallback (an unknown non-API path answers
 * index.html so a reload on /hosts/… works), is served from the not-found handler. That keeps the
 * route list — which the route-matrix and isolation tests walk — free of UI routes, and means a
 * path under /api/, /agent/ or /tuf/ that no route matches still answers its plain 404.
 *
 * Caching: files under /assets/ carry a content hash in their name, so they are immutable for a year;
 * index.html and the other top-level files are `no-cache` (always revalidated), so a new build is seen
 * at the next load. Every UI response carries a strict Content-Security-Policy: scripts, styles,
 * fonts and connections only from this origin, no inline script, no framing.
 */
export const WEB_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Matches fleet/prefetch.ts's fetch (same URL, CORS mode, same-origin credentials, no extra headers). */
export const FLEET_PRELOAD = '</api/v1/fleet?scope=mine>; rel=preload; as=fetch; crossorigin=anonymous';

/** Paths that belong to the API and the agents: never answered with the console. */
const NOT_UI = ['/api/', '/agent/', '/tuf/', '/install.sh'];

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

function securityHeaders(reply: FastifyReply): void {
  reply
    .header('content-security-policy', WEB_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY');
}

/** The page shown when the console was never built (a clone where `npm run web:build` did not run). */
const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Gonka Node Manager</title></head>
<body><main><h1>Gonka Node Manager</h1>
<p>The web console is not built in this checkout. Build it with <code>npm run web:build</code>
(<code>npm start</code> does it by itself), then reload this page.</p>
<p>The API works meanwhile: its documentation is at <a href="/api/docs">/api/docs</a>.</p></main></body></html>`;

export async function registerWebUi(app: FastifyInstance, o: { distDir?: string } = {}): Promise<void> {
  const root = o.distDir ?? WEB_DIST_DIR;
  const index = path.join(root, 'index.html');
  if (!fs.existsSync(index))
    app.log.warn(`the web console is not built (${index} is missing): run npm run web:build`);
  // serve: false: only reply.sendFile (path checks, ranges, ETags); no routes are added.
  await app.register(fastifyStatic, { root, serve: false, etag: true, lastModified: true });

  const sendIndex = async (reply: FastifyReply) => {
    securityHeaders(reply);
    reply.header('cache-control', REVALIDATE);
    // Read per request: a rebuilt console is served without a restart (the file is < 1 kB).
    const html = await fs.promises.readFile(index, 'utf8').catch(() => null);
    if (html === null) return reply.status(503).type('text/html; charset=utf-8').send(NOT_BUILT);
    return reply.type('text/html; charset=utf-8').send(html);
  };

  // `/` is the fleet page: a signed-in browser gets the fleet call as a preload, so it runs while the
  // page's script downloads and starts (packages/web's fleet/prefetch.ts makes the matching request).
  app.get('/', { schema: { hide: true } }, async (req, reply) => {
    if (req.headers.cookie?.includes(`${SESSION_COOKIE}=`)) reply.header('link', FLEET_PRELOAD);
    return sendIndex(reply);
  });

  app.setNotFoundHandler(async (req: FastifyRequest, reply: FastifyReply) => {
    const url = req.url.split('?')[0] ?? '/';
    const isRead = req.method === 'GET' || req.method === 'HEAD';
    if (!isRead || NOT_UI.some((p) => url.startsWith(p) || `${url}/` === p)) {
      // Fastify's own 404, unchanged for API and agent clients.
      return reply
        .status(404)
        .send({ message: `Route ${req.method}:${req.url} not found`, error: 'Not Found', statusCode: 404 });
    }
    let rel: string;
    try {
      rel = decodeURIComponent(url).replace(/^\/+/, '');
    } catch {
      return reply.status(400).send({ message: 'Bad path', error: 'Bad Request', statusCode: 400 });
    }
    const file = path.resolve(root, rel);
    const inside = file.startsWith(root + path.sep);
    if (rel && inside && !rel.split('/').some((s) => s.startsWith('.'))) {
      const stat = await fs.promises.stat(file).catch(() => null);
      if (stat?.isFile()) {
        securityHeaders(reply);
        reply.header('cache-control', rel.startsWith('assets/') ? IMMUTABLE : REVALIDATE);
        return reply.sendFile(rel, root, { cacheControl: false });
      }
      // A missing hashed asset is a real 404 (an old page asking for a file of a previous build).
      if (rel.startsWith('assets/'))
        return reply
          .status(404)
          .type('text/plain')
          .send('not found: reload the page for the current console');
    }
    return sendIndex(reply);
  });
}
