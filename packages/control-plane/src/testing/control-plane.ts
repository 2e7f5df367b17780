import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.js';
import { freshDatabase, type DIALECTS } from './databases.js';
import type { OpenedDatabase } from '../db/open.js';
import { Accounts } from '../accounts/accounts.js';
import { AuditLog } from '../audit/audit-log.js';
import { Sessions } from '../sessions/sessions.js';
import { loadOrCreateIdentity } from '../identity/identity.js';
import { loadTls } from '../identity/tls.js';
import type { Services } from '../services.js';
import { SESSION_COOKIE } from '../http/context.js';
import type { User } from '../accounts/accounts.js';

export interface Caller {
  user: User;
  headers: Record<string, string>;
}

export interface TestControlPlane {
  app: FastifyInstance;
  services: Services;
  db: OpenedDatabase;
  url: string;
  pins: { url: string; cpFingerprint: string; tlsPin: string | null; devPlainHttp: boolean };
  owner: Caller;
  /** A new non-owner account with a session. */
  newUser(email: string): Promise<Caller>;
  call<T = unknown>(
    who: Caller,
    method: 'GET' | 'POST' | 'DELETE' | 'PUT',
    url: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/** What a test or demo control plane lets user-chosen requests reach: the harness's addresses. */
export const TEST_OUTBOUND_ALLOW = 'loopback,private';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });

/**
 * A real, listening control plane for integration tests: HTTPS with a freshly made self-signed
 * certificate (unless `plain`), on a fresh database of the given dialect, with an owner logged in.
 */
export async function startTestControlPlane(
  dialect: (typeof DIALECTS)[number],
  o: {
    plain?: boolean;
    reportIntervalMs?: number;
    /** The address to listen on and to print in install commands (a harness gateway); 127.0.0.1 by default. */
    listenHost?: string;
    /** A built agent executable to serve at /agent/v1/… (else none: those routes answer 503). */
    agentBinary?: string;
    /** Log at this level into `logStream` (default: silent). */
    logLevel?: 'debug' | 'info' | 'trace';
    logStream?: { write(line: string): void };
    /** How often deployed nodes' health is read (default: the server's 60 s). */
    nodeHealthIntervalMs?: number;
    /**
     * GNM_OUTBOUND_ALLOW: the harness's hosts, sims and test servers live on loopback and private
     * addresses, so tests open those by default (`''` for the production default).
     */
    outboundAllow?: string;
  } = {},
): Promise<TestControlPlane> {
  const db = await freshDatabase(dialect);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-cp-'));
  const identity = loadOrCreateIdentity(dataDir);
  const tls = await loadTls({ dataDir, behindProxy: false, devPlain: o.plain ?? false, names: [] });
  // The port is chosen first so the install commands the server prints carry the real address.
  const port = await freePort();
  const listenHost = o.listenHost ?? '127.0.0.1';
  const app = await buildServer(
    {
      logLevel: o.logLevel ?? 'silent',
      nodeHealthIntervalMs: o.nodeHealthIntervalMs,
      publicUrl: `${tls.serve ? 'https' : 'http'}://${listenHost}:${port}`,
      reportIntervalMs: o.reportIntervalMs,
      agentBinary: o.agentBinary,
      dataDir,
      outboundAllow: o.outboundAllow ?? TEST_OUTBOUND_ALLOW,
    },
    db.db,
    { identity, tls, ...(o.logStream ? { logStream: o.logStream } : {}) },
  );
  await app.listen({ host: listenHost, port });
  const url = `${tls.serve ? 'https' : 'http'}://${listenHost}:${port}`;
  const services = app.gnm;
  if (!services) throw new Error('no services');
  const accounts = new Accounts(db.db, new AuditLog(db.db));
  const sessions = new Sessions(db.db);
  const session = async (user: User): Promise<Caller> => {
    const { token, session: s } = await sessions.create(user);
    return { user, headers: { cookie: `${SESSION_COOKIE}=${token}`, 'x-csrf-token': s.csrfToken } };
  };
  const setup = await accounts.issueSetupToken();
  const owner = await session(
    await accounts.createOwner(setup ?? '', 'owner@example.org', 'long enough password', null),
  );
  return {
    app,
    services,
    db,
    url,
    // A plain control plane (`plain: true`) is talked to only with the clients' development flag, set here.
    pins: { url, cpFingerprint: identity.fingerprint, tlsPin: tls.spkiPin, devPlainHttp: !tls.serve },
    owner,
    newUser: async (email) => session(await accounts.insertUser(email, 'long enough password', 'user')),
    call: async (who, method, u, body) => {
      const r = await app.inject({
        method,
        url: u,
        headers: who.headers,
        ...(body !== undefined ? { payload: body as object } : {}),
      });
      return { status: r.statusCode, body: (r.body ? r.json() : undefined) as never };
    },
    close: async () => {
      await app.close();
      await db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
