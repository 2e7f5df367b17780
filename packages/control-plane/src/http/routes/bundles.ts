import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BundleVerificationError } from '@gnm/bundle';
import type { User } from '../../accounts/accounts.js';
import type { BundleRepository } from '../../bundles/bundle-repository.js';
import { BundleRepositoryError } from '../../bundles/errors.js';
import { ARCHIVE_LIMITS } from '../../bundles/archive.js';
import { SecretBoxError } from '../../secrets/secret-box.js';
import { withZod, type RouteContext, type ZodApi } from '../context.js';
import { HttpProblem } from '../problem.js';

const ARCHIVE_TYPES = ['application/gzip', 'application/x-gzip', 'application/octet-stream'];

const REPOSITORY_STATUS: Record<BundleRepositoryError['code'], [number, string]> = {
  'bad-archive': [400, 'Invalid archive'],
  'offline-key': [422, 'Offline key refused'],
  'bad-key': [422, 'Invalid online key'],
  'no-trusted-root': [409, 'No trusted root yet'],
  'no-upstream': [409, 'No upstream repository'],
  unsupported: [422, 'Unsupported repository'],
};

/** Maps the bundle repository's refusals to problems (the message already says what to do). */
function toProblem(e: unknown): HttpProblem | undefined {
  if (e instanceof BundleVerificationError) {
    const status = e.code === 'unreachable' ? 502 : 422;
    return new HttpProblem(status, `Bundle refused (${e.code})`, e.message);
  }
  if (e instanceof BundleRepositoryError) {
    const [status, title] = REPOSITORY_STATUS[e.code];
    return new HttpProblem(status, title, e.message);
  }
  if (e instanceof SecretBoxError) return new HttpProblem(500, 'Secret key problem', e.message);
  return undefined;
}

const BundleOut = z.object({
  name: z.string(),
  version: z.string(),
  gonkaRelease: z.string(),
  importedAt: z.string(),
  fileCount: z.number().int(),
});

const ImportOut = z.object({
  changed: z.boolean(),
  trustEstablished: z.boolean(),
  initialRootSha256: z.string().nullable(),
  rootSha256: z.string(),
  rootVersion: z.number().int(),
  targetsVersion: z.number().int(),
  resigned: z.boolean(),
  bundles: z.array(BundleOut.extend({ new: z.boolean() })),
  warning: z.string().nullable(),
});

const TrustOut = z.object({
  rootSha256: z.string().nullable(),
  rootVersion: z.number().int().nullable(),
  timestampExpiresAt: z.string().nullable(),
  onlineKeys: z.boolean(),
  onlineKeysProblem: z.string().nullable(),
});

/**
 * The bundle repository: owner-only import of signed archives and online keys, listings for logged-in
 * users, and the public TUF tree agents fetch (its content is signed, so it needs no login).
 */
export function bundleRoutes(api: ZodApi, ctx: RouteContext, repo: BundleRepository): void {
  const owners = new WeakMap<FastifyRequest, User>();

  // The archive route gets its own body parser and limit, scoped to it (a plugin context of its own);
  // the owner check runs before the body is read, so nobody else can make the server buffer 64 MiB.
  void api.register(async (scope: FastifyInstance) => {
    scope.addContentTypeParser(
      ARCHIVE_TYPES,
      { parseAs: 'buffer', bodyLimit: ARCHIVE_LIMITS.compressedBytes },
      (_req, body, done) => done(null, body),
    );
    withZod(scope).post(
      '/api/v1/bundles',
      {
        bodyLimit: ARCHIVE_LIMITS.compressedBytes,
        onRequest: async (req) => {
          owners.set(req, await ctx.requireOwner(req));
        },
        schema: {
          tags: ['bundles'],
          description:
            'Import a signed repository archive from `gnm bundle export` (the body is the .tar.gz, ' +
            'content-type application/gzip or application/octet-stream, at most 64 MiB). Owner only. ' +
            'The first import makes its 1.root.json the trusted root (compare initialRootSha256 with the ' +
            "release authority's); later ones must chain from it. Nothing is stored unless everything verifies.",
          response: { 200: ImportOut, 201: ImportOut },
        },
      },
      async (req, reply) => {
        const user = owners.get(req) ?? (await ctx.requireOwner(req));
        const body: unknown = req.body;
        if (!Buffer.isBuffer(body) || body.length === 0) {
          throw new HttpProblem(
            Buffer.isBuffer(body) ? 400 : 415,
            Buffer.isBuffer(body) ? 'Empty archive' : 'Unsupported content type',
            'Send the archive written by `gnm bundle export` as the request body, with content-type application/gzip.',
          );
        }
        try {
          const r = await repo.import(body);
          await ctx.record(user, req, {
            action: 'bundle.import',
            target: r.bundles.map((b) => `${b.name}@${b.version}`).join(', ') || null,
            outcome: 'ok',
            detail: `${r.changed ? 'imported' : 'already stored'}: root v${r.rootVersion} (sha256 ${r.rootSha256}), targets v${r.targetsVersion}${r.trustEstablished ? ', trusted root established' : ''}`,
          });
          return reply.status(r.changed ? 201 : 200).send(r);
        } catch (e) {
          const p = toProblem(e);
          await ctx.record(user, req, {
            action: 'bundle.import',
            target: null,
            outcome: p && p.status < 500 ? 'denied' : 'failed',
            detail: (e as Error).message.slice(0, 500),
          });
          throw p ?? e;
        }
      },
    );
  });

  api.get(
    '/api/v1/bundles',
    {
      schema: {
        tags: ['bundles'],
        description: 'The imported bundles.',
        response: { 200: z.object({ bundles: z.array(BundleOut) }) },
      },
    },
    async (req) => {
      await ctx.authenticate(req);
      return { bundles: await repo.list() };
    },
  );

  api.get(
    '/api/v1/bundles/trust',
    {
      schema: {
        tags: ['bundles'],
        description:
          'The trusted root (its sha256 is the pin of the install command), the timestamp expiry, and whether the online keys are usable.',
        response: { 200: TrustOut },
      },
    },
    async (req) => {
      await ctx.authenticate(req);
      return repo.trust();
    },
  );

  api.put(
    '/api/v1/bundles/online-keys',
    {
      // The online snapshot and timestamp keys are the product's own, stored encrypted: not cold keys.
      config: { coldKey: { typed: { 'keys.*': 'product-secret' } } },
      schema: {
        tags: ['bundles'],
        description:
          'Give the control plane the online snapshot and timestamp private keys (PKCS#8 PEM, from `gnm bundle keys init`); they are stored encrypted and replace the previous ones. Root and targets keys are refused: they stay offline. Owner only.',
        body: z.object({ keys: z.array(z.string().min(1).max(16_384)).min(1).max(32) }),
        response: {
          200: z.object({
            keys: z.array(z.object({ keyId: z.string(), role: z.enum(['snapshot', 'timestamp']) })),
            resigned: z.boolean(),
            warning: z.string().nullable(),
          }),
        },
      },
    },
    async (req) => {
      const user = await ctx.requireOwner(req);
      try {
        const r = await repo.setOnlineKeys(req.body.keys);
        await ctx.record(user, req, {
          action: 'bundle.online-keys.set',
          target: r.keys.map((k) => `${k.role}:${k.keyId.slice(0, 12)}`).join(', '),
          outcome: 'ok',
          detail: r.resigned ? 'snapshot and timestamp re-signed' : (r.warning ?? 'stored'),
        });
        return r;
      } catch (e) {
        const p = toProblem(e);
        await ctx.record(user, req, {
          action: 'bundle.online-keys.set',
          target: null,
          outcome: p && p.status < 500 ? 'denied' : 'failed',
          detail: (e as Error).message.slice(0, 500),
        });
        throw p ?? e;
      }
    },
  );

  // The TUF tree agents fetch: public, because everything in it is signed and verified by the agent
  // against the root pinned at install.
  const send = async (p: string, reply: FastifyReply): Promise<Buffer> => {
    const f = await repo.getFile(p);
    if (!f)
      throw new HttpProblem(
        404,
        'Not found',
        `${p} is not in the bundle repository: import a signed archive first.`,
      );
    // Versioned metadata and content-addressed targets never change; the rest must be revalidated.
    const immutable = /^metadata\/\d+\./.test(p) || p.startsWith('targets/');
    void reply.type(f.contentType).header('cache-control', immutable ? 'public, max-age=86400' : 'no-cache');
    return f.data;
  };
  api.get(
    '/tuf/v1/metadata/:file',
    {
      schema: {
        tags: ['tuf'],
        description:
          'TUF metadata (root.json, <v>.root.json, timestamp.json, <v>.snapshot.json, <v>.targets.json).',
        params: z.object({ file: z.string().max(128) }),
      },
    },
    async (req, reply) => send(`metadata/${req.params.file}`, reply),
  );
  api.get(
    '/tuf/v1/targets/*',
    {
      schema: {
        tags: ['tuf'],
        description: 'A signed target file, as `<dir>/<sha256>.<name>` (consistent snapshots).',
        params: z.object({ '*': z.string().min(1).max(2048) }),
      },
    },
    async (req, reply) => send(`targets/${req.params['*']}`, reply),
  );
}
