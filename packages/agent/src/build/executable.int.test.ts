import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '@gnm/control-plane/testing';
import { buildExecutable } from './build-executable.js';

/**
 * The single executable, built offline from this checkout, run with an empty environment (no Node on
 * PATH, nothing from the checkout): it enrolls with a real control plane, connects and reports.
 */
const SIM_SMI = path.resolve(import.meta.dirname, '../../../sim/nvidia-smi/nvidia-smi');

const until = async (f: () => Promise<boolean>, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('gnm-agent as a single executable', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-sea-'));
  const state = path.join(out, 'state');
  let exe = '';
  let cp: TestControlPlane;
  let daemon: ChildProcess | undefined;
  // Only what a bare host has: no PATH to Node, no NODE_OPTIONS, no tsx.
  const env = {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    GNM_AGENT_STATE_DIR: state,
    GNM_AGENT_STACKS_ROOT: state,
    GNM_AGENT_NVIDIA_SMI: SIM_SMI,
    SIM_NVIDIA_SMI_PROFILE: 'a100-sxm4-80gb-4x',
  };
  const runExe = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const c = spawn(exe, args, { env });
      let stdout = '';
      let stderr = '';
      c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      c.on('exit', (code) => resolve({ code, stdout, stderr }));
    });

  beforeAll(async () => {
    const built = await buildExecutable(out);
    exe = built.file;
    expect(built.sha256).toMatch(/^[0-9a-f]{64}$/);
    cp = await startTestControlPlane('sqlite');
  }, 120_000);
  afterAll(async () => {
    daemon?.kill('SIGKILL');
    await cp.close();
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('runs on its own and probes the host', async () => {
    const v = await runExe(['--version']);
    expect(v).toMatchObject({ code: 0, stdout: '0.1.0\n', stderr: '' });
    const p = await runExe(['preflight', '--json']);
    expect(p.stderr).toBe('');
    expect((JSON.parse(p.stdout) as { gpus: unknown[] }).gpus).toHaveLength(4);
  });

  it('enrolls with the install command’s values, connects and reports', async () => {
    const r = await cp.call<{ host: { id: string }; enrollment: { token: string } }>(
      cp.owner,
      'POST',
      '/api/v1/hosts',
      { name: 'sea-host' },
    );
    const e = await runExe([
      'enroll',
      '--control-plane',
      cp.url,
      '--token',
      r.body.enrollment.token,
      '--cp-fingerprint',
      cp.pins.cpFingerprint,
      '--tls-pin',
      cp.pins.tlsPin ?? '',
    ]);
    expect(e.stderr).toBe('');
    expect(e.code).toBe(0);
    daemon = spawn(exe, ['run'], { env, stdio: 'ignore' });
    await until(async () => {
      const h = await cp.call<{ presence: string; lastReport: { probe?: { gpus: unknown[] } } | null }>(
        cp.owner,
        'GET',
        `/api/v1/hosts/${r.body.host.id}`,
      );
      return h.body.presence === 'online' && h.body.lastReport?.probe?.gpus.length === 4;
    });
  });
});
