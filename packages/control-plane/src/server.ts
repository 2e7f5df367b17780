import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { rawPublicKey, fingerprint } from '@gnm/protocol';
import { outboundPolicy } from '@gnm/protocol/outbound';
import type { Database } from './db/schema.js';
import { registerApi } from './http/api.js';
import { registerJsonBodyParser } from './http/json-body.js';
import { registerWebUi } from './http/web-ui.js';
import { registerAgentDistRoutes } from './http/routes/agent-dist.js';
import { AgentBinary } from './agent-dist/agent-binary.js';
import type { Config } from './config.js';
import { BUILD_STATUS } from './build-status.js';
import { createServices, type Services } from './services.js';
import type { ControlPlaneIdentity } from './identity/identity.js';
import type { TlsMaterial } from './identity/tls.js';
import { createBundleRepository, type BundleRepository } from './bundles/bundle-repository.js';

const VERSION = '0.1.0';

declare module 'fastify' {
  interface FastifyInstance {
    gnm: Services | null;
    routeList: { method: string; url: string }[];
  }
}

export type ServerConfig = Pick<Config, 'logLevel'> &
  Partial<
    Pick<
      Config,
      | 'publicUrl'
      | 'reportIntervalMs'
      | 'nodeHealthIntervalMs'
      | 'enrollmentTtlMinutes'
      | 'trustedProxies'
      | 'dataDir'
      | 'agentBinary'
      | 'outboundAllow'
    >
  >;

export interface ServerExtras {
  identity?: ControlPlaneIdentity;
  /** Where the log goes (a test keeps it to search it for secrets); stdout by default. */
  logStream?: { write(line: string): void };
  tls?: TlsMaterial;
  bundles?: BundleRepository;
  /** The executable served to installers (main.ts starts its build); by default one that is never built. */
  agentBinary?: AgentBinary;
}

/** An identity that lives only in memory: for tests that never restart the server. */
export function ephemeralIdentity(): ControlPlaneIdentity {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  const raw = rawPublicKey(publicKey);
  return { privateKey, publicKey: raw, fingerprint: fingerprint(raw) };
}

/** The bundle repository logs plain sentences; route them into the server's structured log. */
export const bundleLog = (app: FastifyInstance) => ({
  info: (m: string) => app.log.info(m),
  warn: (m: string) => app.log.warn(m),
  error: (m: string) => app.log.error(m),
});

const PLAIN: TlsMaterial = { mode: 'plain', certSha256: 'plain-ws', spkiPin: null, notAfter: null };

/**
 * Builds the control plane (not listening yet, so tests can drive it with `inject`): the REST API and,
 * with a database, the agent gateway on the same port. HTTPS when the TLS material says to serve it.
 */
export async function buildServer(
  config: ServerConfig,
  db?: Kysely<Database>,
  extras: ServerExtras = {},
): Promise<FastifyInstance> {
  const tls = extras.tls ?? PLAIN;
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-csrf-token"]'],
      ...(extras.logStream ? { stream: extras.logStream } : {}),
    },
    trustProxy: config.trustedProxies?.length ? config.trustedProxies : false,
    ...(tls.serve ? { https: { key: tls.serve.key, cert: tls.serve.cert } } : {}),
  }) as unknown as FastifyInstance;
  app.decorate('gnm', null);
  registerJsonBodyParser(app);
  // Every route, for the isolation test that walks all routes taking an id.
  const routes: { method: string; url: string }[] = [];
  app.decorate('routeList', routes);
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push({ method: m, url: r.url });
  });
  if (db) {
    const services = await createServices(db, {
      identity: extras.identity ?? ephemeralIdentity(),
      tls,
      publicUrl: config.publicUrl ?? 'http://127.0.0.1:8787',
      reportIntervalMs: config.reportIntervalMs,
      nodeHealthIntervalMs: config.nodeHealthIntervalMs,
      enrollmentTtlMinutes: config.enrollmentTtlMinutes,
      outbound: outboundPolicy(config.outboundAllow),
      bundles:
        extras.bundles ??
        (await createBundleRepository(db, {
          dataDir: config.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-cp-data-')),
          log: bundleLog(app),
        })),
      log: app.log,
    });
    app.gnm = services;
    await registerApi(app, db, services);
    services.gateway.attach(app.server);
    app.addHook('preClose', async () => services.stop());
  }

  registerAgentDistRoutes(app, {
    publicUrl: config.publicUrl ?? 'http://127.0.0.1:8787',
    version: VERSION,
    binary:
      extras.agentBinary ??
      new AgentBinary({
        binary: config.agentBinary,
        dataDir: config.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-cp-data-')),
      }),
  });

  app.get('/api/v1/status', async () => ({ status: 'ok', version: VERSION, ...BUILD_STATUS }));

  // The web console at / (and the SPA's paths); API paths keep their own 404.
  await registerWebUi(app);

  return app;
}
