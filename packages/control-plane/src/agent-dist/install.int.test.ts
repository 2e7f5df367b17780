import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '../testing/control-plane.js';

/**
 * The install command as the control plane prints it, refusing what it must: an executable whose
 * digest is not the one the installer was served with (altered after publication), and a control plane
 * whose TLS key does not match the pin. Nothing is installed or enrolled either way. (The successful
 * install on a host without Node is in packages/agent/src/harness/agent-host.int.test.ts.)
 */
describe('the install command refuses an altered agent and a spoofed control plane', () => {
  let cp: TestControlPlane;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-install-'));
  const binary = path.join(dir, 'served-agent');

  beforeAll(async () => {
    fs.writeFileSync(binary, '#!/bin/sh\necho genuine\n', { mode: 0o755 });
    cp = await startTestControlPlane('sqlite', { agentBinary: binary });
  });
  afterAll(async () => {
    await cp.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the printed command (sudo dropped: the tests run as root on machines without sudo). */
  const install = async (mutate: (cmd: string) => string = (c) => c) => {
    const created = await cp.call<{ enrollment: { installCommand: string } }>(
      cp.owner,
      'POST',
      '/api/v1/hosts',
      {
        name: `h${Date.now()}`,
      },
    );
    const prefix = fs.mkdtempSync(path.join(dir, 'prefix-'));
    const command = `${mutate(created.body.enrollment.installCommand.replace('| sudo sh -s --', '| sh -s --'))} --foreground --prefix ${prefix} --state-dir ${prefix}/state`;
    // Asynchronous on purpose: the control plane answers from this same process.
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (code) => resolve({ code, out }));
    });
    return { ...r, prefix };
  };

  it('serves the installer and the executable with its digest', async () => {
    const script = await cp.app.inject({ method: 'GET', url: '/install.sh' });
    expect(script.statusCode).toBe(200);
    const exe = await cp.app.inject({ method: 'GET', url: '/agent/v1/gnm-agent-linux-x64' });
    expect(exe.body).toContain('genuine');
    expect(script.body).toContain(`AGENT_SHA256='${String(exe.headers['x-checksum-sha256'])}'`);
  });

  it('refuses an executable altered after the installer was published', async () => {
    // Same length, other bytes: what a swapped file on the server or a tampering proxy would serve.
    fs.writeFileSync(binary, fs.readFileSync(binary, 'utf8').replace('genuine', 'altered'));
    const r = await install();
    expect(r.code, r.out).not.toBe(0);
    expect(r.out).toMatch(/the downloaded agent has sha256 [0-9a-f]{64} but the control plane published/);
    expect(fs.readdirSync(r.prefix)).toEqual([]);
  });

  it('gets nothing from a control plane whose key does not match the pin', async () => {
    const r = await install((c) =>
      c.replaceAll(/sha256\/\/[A-Za-z0-9+/]{43}=/g, 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='),
    );
    // curl refuses before a byte of the installer is read, so `sh` runs an empty script: the pipeline's
    // status is sh's, but nothing was downloaded, installed or enrolled, and curl says why.
    expect(r.out).toMatch(/public key does not match pinned public key/);
    expect(fs.readdirSync(r.prefix)).toEqual([]);
  });
});
