import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypedField } from '@gnm/gonka';
import { refuseColdKey } from '../cold-key/refuse-cold-key.js';

/** What a route says about its body to the cold-key guard: the fields that pass by their type. */
export interface ColdKeyRouteConfig {
  /** Body fields by path pattern (`password`, `keys.*`): passwords, tokens and public keys by type. */
  typed?: Readonly<Record<string, TypedField>>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    coldKey?: ColdKeyRouteConfig;
  }
}

/**
 * The request guard: before any route validates or handles a request, its JSON body and query are
 * searched for cold-key material as one document, and a find is a 422 that names the field, never the
 * value — on every route, present and future, so a new free-text field is covered without a call of
 * its own. A route declares only its typed fields (a password is hashed, not a cold key).
 */
export function registerColdKeyGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (req: FastifyRequest) => {
    const cfg = req.routeOptions.config.coldKey;
    const body: unknown = req.body;
    if (body !== undefined && body !== null && !Buffer.isBuffer(body))
      refuseColdKey(body, { typed: cfg?.typed });
    const query: unknown = req.query;
    if (query && typeof query === 'object' && Object.keys(query).length)
      refuseColdKey(query, { path: 'query' });
  });
}
