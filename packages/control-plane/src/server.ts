import Fastify, { type FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from './db/schema.js';
import { registerApi } from './http/api.js';
import type { Config } from './config.js';
import { BUILD_STATUS } from './build-status.js';

const VERSION = '0.1.0';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Builds the HTTP server (not listening yet), so tests can drive it with `inject`. */
export async function buildServer(
  config: Pick<Config, 'logLevel'>,
  db?: Kysely<Database>,
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-csrf-token"]'],
    },
  });
  if (db) await registerApi(app, db, {});

  app.get('/api/v1/status', async () => ({ status: 'ok', version: VERSION, ...BUILD_STATUS }));

  app.get('/', { schema: { hide: true } }, async (_req, reply) => {
    const li = (xs: readonly string[]): string => xs.map((x) => `<li>${escapeHtml(x)}</li>`).join('');
    reply.type('text/html; charset=utf-8');
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Gonka Node Manager</title></head>
<body><main><h1>Gonka Node Manager ${VERSION}</h1>
<p>This is the control-plane skeleton. It runs, but it does not manage nodes yet.</p>
<h2>Built</h2><ul>${li(BUILD_STATUS.built)}</ul>
<h2>Not built yet</h2><ul>${li(BUILD_STATUS.notBuiltYet)}</ul>
</main></body></html>`;
  });

  return app;
}
