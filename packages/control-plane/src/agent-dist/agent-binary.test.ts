import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.js';

/**
 * Building the agent executable costs seconds of CPU and writes to the data folder: an anonymous
 * request must never start it. The build tooling is replaced here so the test sees every start.
 */
const builds = vi.hoisted(() => ({ started: 0 }));
vi.mock('@gnm/agent/build', () => ({
  buildExecutable: () => {
    builds.started += 1;
    return Promise.reject(new Error('the test stands in for the build tooling'));
  },
}));

describe('the agent executable on a control plane whose build was not started', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildServer({ logLevel: 'silent' });
  });
  afterAll(async () => app.close());

  it('an unauthenticated download starts no build and says how to get the executable', async () => {
    for (const url of [
      '/agent/v1/gnm-agent-linux-x64',
      '/agent/v1/gnm-agent-linux-x64.sha256',
      '/install.sh',
    ]) {
      const r = await app.inject({ method: 'GET', url });
      expect({ url, status: r.statusCode }).toEqual({ url, status: 503 });
      expect(r.json<{ detail: string }>().detail).toMatch(/GNM_AGENT_BINARY|agent:build/);
    }
    expect(builds.started).toBe(0);
  });
});
