import type { FastifyInstance } from 'fastify';
import { jsonNestsDeeperThan, jsonTooDeepMessage } from '@gnm/protocol';
import { HttpProblem } from './problem.js';

/** A 400 the error handler maps, and Fastify's own handler too (routes served without the API). */
class JsonTooDeep extends HttpProblem {
  readonly statusCode = 400;
  constructor() {
    super(400, 'Body nested too deeply', jsonTooDeepMessage());
  }
}

/**
 * Fastify's JSON body parser (secure-json-parse, refusing `__proto__` and `constructor` keys), with the
 * nesting depth checked first: a 10,000-deep body used to reach recursive code behind the parser and
 * overflow its stack.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (jsonNestsDeeperThan(text)) return done(new JsonTooDeep(), undefined);
    parse(req, text, done);
  });
}
