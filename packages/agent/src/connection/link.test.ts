import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  AgentFrame,
  fingerprint,
  newIdentity,
  newNonce,
  parseFrame,
  signTranscript,
  type Identity,
  type OpRequest,
} from '@gnm/protocol';
import type { AgentConfig } from '../state/agent-state.js';
import { Link } from './link.js';

/**
 * The agent's side of the mutual handshake, against a fake control plane that breaks the order:
 * nothing but a valid challenge (signed by the pinned identity), then a welcome, may make the agent
 * act. A server that skips or fakes the challenge must never get an operation run or the link
 * treated as up.
 */
const agentId = 'agt_linklinklinklink01';
const cp: Identity = newIdentity();
const opRequest: OpRequest = {
  type: 'op.request',
  opId: 'op_stage_000001',
  op: 'host.probe',
  params: {},
  deadline: new Date(Date.now() + 60_000).toISOString(),
};

type Script = (ws: WebSocket, hello: { agentNonce: string; versions: number[] }) => void;

const servers: WebSocketServer[] = [];
const links: Link[] = [];
afterEach(async () => {
  for (const l of links.splice(0)) l.stop();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** Runs a Link against a fake server playing `script` after the hello; resolves once the agent dropped it. */
async function against(script: Script, o: { pinAnotherKey?: boolean } = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(wss);
  await new Promise((r) => wss.once('listening', r));
  const port = (wss.address() as AddressInfo).port;
  const received: string[] = [];
  let dropped!: () => void;
  const closed = new Promise<void>((r) => (dropped = r));
  wss.on('connection', (ws) => {
    ws.on('close', () => dropped());
    ws.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      received.push(text);
      const f = parseFrame(AgentFrame, text);
      if (f.type === 'hello') script(ws, f);
    });
  });
  const ran: OpRequest[] = [];
  const logs: string[] = [];
  const config: AgentConfig = {
    controlPlane: `http://127.0.0.1:${port}`,
    cpFingerprint: fingerprint(o.pinAnotherKey ? newIdentity().publicKey : cp.publicKey),
    tlsPin: null,
    rootSha256: null,
    agentId,
    hostId: 'hst_link',
    hostName: 'link',
    enrolledAt: new Date().toISOString(),
    // The fake control plane speaks plain ws: the development flag, as on a real dev host.
    devPlainHttp: true,
  };
  const link = new Link(config, newIdentity(), {
    report: () => Promise.resolve({}),
    operation: (req) => {
      ran.push(req);
      return Promise.resolve({ type: 'op.result', opId: req.opId, ok: true, result: null });
    },
    log: (_level, msg) => logs.push(msg),
  });
  links.push(link);
  void link.run();
  let connectedEver = false;
  const watch = setInterval(() => (connectedEver ||= link.connected), 1);
  // The agent must drop a server that breaks the handshake; a bounded wait shows it when it does not.
  const droppedInTime = await Promise.race([
    closed.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), 1500)),
  ]);
  clearInterval(watch);
  connectedEver ||= link.connected;
  link.stop();
  return { ran, logs, received, connectedEver, droppedInTime };
}

function challenge(ws: WebSocket, agentNonce: string, o: { badSignature?: boolean } = {}) {
  const cpNonce = newNonce();
  const t = { agentId, version: 1, agentNonce, cpNonce, tlsCertSha256: 'plain-ws' };
  const cpSignature = o.badSignature
    ? signTranscript('control-plane', { ...t, cpNonce: newNonce() }, cp.privateKey)
    : signTranscript('control-plane', t, cp.privateKey);
  ws.send(JSON.stringify({ type: 'challenge', version: 1, cpNonce, cpPublicKey: cp.publicKey, cpSignature }));
}
const welcome = (ws: WebSocket) =>
  ws.send(
    JSON.stringify({ type: 'welcome', reportIntervalMs: 10_000, serverTime: new Date().toISOString() }),
  );

describe('link handshake stage', () => {
  it('drops a server that sends welcome without a challenge, and is never up', async () => {
    const r = await against((ws) => welcome(ws));
    expect(r.connectedEver, 'link treated as up without the control plane proving its identity').toBe(false);
    expect(r.received.some((t) => t.includes('status.report'))).toBe(false);
    expect(r.droppedInTime).toBe(true);
  });

  it('drops a server that sends op.request without a challenge, and runs nothing', async () => {
    const r = await against((ws) => ws.send(JSON.stringify(opRequest)));
    expect(r.ran, 'operation run before the handshake').toEqual([]);
    expect(r.droppedInTime).toBe(true);
  });

  it('runs nothing after a challenge with a bad signature', async () => {
    const r = await against((ws, h) => {
      challenge(ws, h.agentNonce, { badSignature: true });
      ws.send(JSON.stringify(opRequest));
      welcome(ws);
    });
    expect(r.ran).toEqual([]);
    expect(r.connectedEver).toBe(false);
    expect(r.droppedInTime).toBe(true);
  });

  it('runs nothing on op.request between the challenge and the welcome', async () => {
    const r = await against((ws, h) => {
      challenge(ws, h.agentNonce);
      ws.send(JSON.stringify(opRequest));
    });
    expect(r.ran, 'operation run before the welcome').toEqual([]);
    expect(r.connectedEver).toBe(false);
    expect(r.droppedInTime).toBe(true);
  });

  it('drops a server that sends welcome before the challenge, even if a valid challenge follows', async () => {
    const r = await against((ws, h) => {
      welcome(ws);
      challenge(ws, h.agentNonce);
      ws.send(JSON.stringify(opRequest));
    });
    expect(r.ran).toEqual([]);
    expect(r.connectedEver).toBe(false);
    expect(r.droppedInTime).toBe(true);
  });

  it('drops a server whose challenge is signed by an identity other than the pinned one', async () => {
    const r = await against(
      (ws, h) => {
        challenge(ws, h.agentNonce);
        welcome(ws);
        ws.send(JSON.stringify(opRequest));
      },
      { pinAnotherKey: true },
    );
    expect(r.ran).toEqual([]);
    expect(r.connectedEver).toBe(false);
    expect(r.droppedInTime).toBe(true);
  });

  it('runs an operation after a valid challenge and welcome', async () => {
    const r = await against((ws, h) => {
      ws.on('message', (data: Buffer) => {
        const f = parseFrame(AgentFrame, data.toString('utf8'));
        if (f.type === 'proof') {
          welcome(ws);
          ws.send(JSON.stringify(opRequest));
          setTimeout(() => ws.close(1000, 'test done'), 50);
        }
      });
      challenge(ws, h.agentNonce);
    });
    expect(r.connectedEver).toBe(true);
    expect(r.ran.map((o) => o.opId)).toEqual([opRequest.opId]);
  });
});
