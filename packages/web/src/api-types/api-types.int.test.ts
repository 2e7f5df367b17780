import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_TYPES_FILE, renderApiTypes } from './generate.js';

/**
 * The console's API types are generated from the control plane's OpenAPI document and committed. When
 * a route changes, this fails until `npm run web:api-types` is run again (and the console still
 * type-checks against the new types).
 */
describe('the committed API types', () => {
  it('match the live OpenAPI document of the control plane', async () => {
    const live = await renderApiTypes();
    const committed = fs.readFileSync(API_TYPES_FILE, 'utf8');
    expect(live.length).toBeGreaterThan(10_000);
    expect(committed, 'schema.gen.ts is stale: run npm run web:api-types').toBe(live);
  });
});
