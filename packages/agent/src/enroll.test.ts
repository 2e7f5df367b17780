import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { PinnedFetcher } from './bundles/pinned-fetcher.js';
import { Link } from './connection/link.js';
import { enroll } from './enroll.js';
import { AgentState } from './state/agent-state.js';

/**
 * A plain-HTTP control plane is a development mode: an agent talks to an http:// URL only when its
 * own development flag says so. Without it, nothing — not the enrollment token, not a hello — leaves.
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-plain-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let server: http.Server;
let wss: WebSocketServer;
let base: string;
const seen: string[] = [];
beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    seen.push('websocket');
    ws.close();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  wss.close();
  await new Promise((r) => server.close(r));
});

describe('an http:// control plane without the agent development flag', () => {
  it('enroll refuses before the token leaves, and says which flag allows it', async () => {
    seen.length = 0;
    await expect(
      enroll({
        stateDir: path.join(tmp, 'enroll'),
        controlPlane: base,
        token: 'gnme_secret-token',
        cpFingerprint: 'f'.repeat(64),
        tlsPin: null,
        rootSha256: null,
        hostname: 'h',
        agentVersion: '0.1.0',
      }),
    ).rejects.toThrow(/plain http.*--dev-plain-http/is);
    expect(seen).toEqual([]);
  });

  it('an enrolled agent whose state has no development flag does not connect', async () => {
    seen.length = 0;
    const state = new AgentState(path.join(tmp, 'run'));
    const link = new Link(
      {
        controlPlane: base,
        cpFingerprint: 'f'.repeat(64),
        tlsPin: null,
        rootSha256: null,
        agentId: 'a',
        hostId: 'h',
        hostName: 'h',
        enrolledAt: new Date().toISOString(),
      },
      state.identity(),
      { report: async () => ({}), operation: () => Promise.reject(new Error('none')), log: () => {} },
      { random: () => 0 },
    );
    const ended = await Promise.race([
      link.run().then(() => 'ended'),
      new Promise((r) => setTimeout(() => r('still running'), 3000)),
    ]);
    link.stop();
    expect(ended).toBe('ended');
    expect(link.fatal).toMatch(/plain http.*GNM_AGENT_DEV_PLAIN_HTTP/is);
    expect(seen).toEqual([]);
  });

  it('the bundle fetcher refuses an http:// URL', async () => {
    seen.length = 0;
    const f = new PinnedFetcher(null);
    await expect(f.fetch(`${base}/tuf/1.root.json`)).rejects.toThrow(/plain http/i);
    f.close();
    expect(seen).toEqual([]);
  });
});
