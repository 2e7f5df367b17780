import type { FastifyInstance } from 'fastify';
import swaggerUi from '@fastify/swagger-ui';

/**
 * Browsable API documentation at /api/docs: Swagger UI over the OpenAPI document that @fastify/swagger
 * builds (the one served at /api/openapi.json, also at /api/docs/json). Every asset (scripts, styles,
 * icons) is served from the package itself, so the page works with no outside network; a
 * Content-Security-Policy limits it to this origin.
 *
 * Register after the API (it needs @fastify/swagger). @fastify/swagger-ui is held at 5.2 because 6
 * pulls `content-disposition@3`, which requires Node 22.
 */
export async function registerDocs(app: FastifyInstance): Promise<void> {
  if (!app.hasDecorator('swagger'))
    throw new Error('registerDocs: register the API (and @fastify/swagger) before the documentation');
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    staticCSP: true,
    // No online validator badge (it would call validator.swagger.io).
    validatorUrl: false,
    uiConfig: { deepLinking: true },
  });
}
