import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server.js';
import { AgentBinary } from './agent-binary.js';

/**
 * Building the agent executable costs seconds of CPU and writes to the data folder: an anonymous
 * request must never start it. The build tooling is replaced here so the test sees every start.
 */
const builds = vi.hoisted(() => ({
  started: 0,
  result: (): Promise<{ file: string; sha256: string; bytes: number }> =>
    Promise.reject(new Error('the test stands in for the build tooling')),
}));
vi.mock('@gnm/agent/build', () => ({
  buildExecutable: () => {
    builds.started += 1;
    return builds.result();
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

describe('the agent executable built at start', () => {
  it('answers 503 with Retry-After while it builds, then serves it; the build runs once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-agent-bin-'));
    const file = path.join(dir, 'gnm-agent');
    fs.writeFileSync(file, 'built');
    let finish: () => void = () => undefined;
    builds.started = 0;
    builds.result = () =>
      new Promise((resolve) => {
        finish = () => resolve({ file, sha256: 'a'.repeat(64), bytes: 5 });
      });
    const agentBinary = new AgentBinary({ dataDir: dir });
    const app = await buildServer({ logLevel: 'silent' }, undefined, { agentBinary });
    try {
      const done = agentBinary.startBuild();
      void agentBinary.startBuild();
      const busy = await app.inject({ method: 'GET', url: '/agent/v1/gnm-agent-linux-x64' });
      expect(busy.statusCode).toBe(503);
      expect(busy.headers['retry-after']).toBe('10');
      expect(busy.json<{ detail: string }>().detail).toMatch(/being built/);
      await vi.waitFor(() => expect(builds.started).toBe(1));
      finish();
      await done;
      const ok = await app.inject({ method: 'GET', url: '/agent/v1/gnm-agent-linux-x64' });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toBe('built');
      expect(builds.started).toBe(1);
    } finally {
      await app.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
