import fs from 'node:fs';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import prettier from 'prettier';
import { startTestControlPlane } from '@gnm/control-plane/testing';

/** The committed types of the API, next to the client that uses them. */
export const API_TYPES_FILE = new URL('../app/api/schema.gen.ts', import.meta.url);

const HEADER = `/**
 * Generated from the control plane's OpenAPI document by \`npm run web:api-types\`
 * (packages/web/src/api-types/generate.ts); do not edit. \`api-types.int.test.ts\` fails when this file
 * differs from the live document.
 */
`;

/** The control plane's live OpenAPI document (a throw-away plain-HTTP control plane on SQLite). */
export async function liveOpenApiDocument(): Promise<OpenAPI3> {
  const cp = await startTestControlPlane('sqlite', { plain: true });
  try {
    // @fastify/swagger types its document as openapi-types' OpenAPIV3; openapi-typescript has its own.
    return cp.app.swagger() as unknown as OpenAPI3;
  } finally {
    await cp.close();
  }
}

/** The TypeScript types of that document, formatted as the repository formats code. */
export async function renderApiTypes(): Promise<string> {
  const doc = await liveOpenApiDocument();
  const ts = HEADER + astToString(await openapiTS(doc));
  const file = API_TYPES_FILE.pathname;
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(ts, { ...options, filepath: file });
}

if (process.argv[1] && new URL(`file://${process.argv[1]}`).pathname === import.meta.filename) {
  fs.writeFileSync(API_TYPES_FILE, await renderApiTypes());
  console.log(`wrote ${API_TYPES_FILE.pathname}`);
}
