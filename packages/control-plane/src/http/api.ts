import type { FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { Sessions } from '../sessions/sessions.js';
import { ApiTokens } from '../tokens/api-tokens.js';
import type { Services } from '../services.js';
import { errorHandler } from './problem.js';
import { routeContext, withZod } from './context.js';
import { accountRoutes } from './routes/accounts.js';
import { auditRoutes } from './routes/audit.js';
import { tokenRoutes } from './routes/tokens.js';
import { hostRoutes } from './routes/hosts.js';
import { taskRoutes } from './routes/tasks.js';
import { invitationRoutes } from './routes/invitations.js';
import { agentRoutes } from './routes/agent.js';
import { bundleRoutes } from './routes/bundles.js';
import { nodeRoutes } from './routes/nodes.js';
import { attachmentRoutes } from './routes/attachments.js';
import { fleetRoutes } from './routes/fleet.js';
import { registerDocs } from './docs.js';
import { registerColdKeyGuard } from './cold-key-guard.js';

export { SESSION_COOKIE } from './context.js';

/**
 * The REST API: zod-typed routes (one file per domain under routes/) with an OpenAPI document at
 * /api/openapi.json and RFC 9457 problems.
 */
export async function registerApi(
  app: FastifyInstance,
  db: Kysely<Database>,
  services: Services,
): Promise<void> {
  const ctx = routeContext(
    db,
    {
      audit: services.audit,
      accounts: services.accounts,
      sessions: new Sessions(db),
      tokens: new ApiTokens(db),
    },
    services,
  );
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  registerColdKeyGuard(app);
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: { info: { title: 'Gonka Node Manager API', version: '0.1.0' } },
    transform: jsonSchemaTransform,
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await registerDocs(app);

  const api = withZod(app);
  accountRoutes(api, ctx);
  auditRoutes(api, ctx);
  tokenRoutes(api, ctx);
  invitationRoutes(api, ctx);
  hostRoutes(api, ctx);
  taskRoutes(api, ctx);
  agentRoutes(api, ctx);
  bundleRoutes(api, ctx, services.bundles);
  nodeRoutes(api, ctx);
  attachmentRoutes(api, ctx);
  fleetRoutes(api, ctx);
}
