import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '@gnm/control-plane/testing';
import { listeningSocketsOf } from '@gnm/testkit';

/**
 * The real agent process against a real control plane (HTTPS, self-signed, pinned): enrollment with
 * the values of the install command the control plane printed, the daemon's handshake, status
 * reports and operations, its refusal of a spoofed control plane, and no listening socket.
 */
const MAIN = path.resolve(import.meta.dirname, 'main.ts');
const SIM_SMI = path.resolve(import.meta.dirname, '../../sim/nvidia-smi/nvidia-smi');

const until = async (f: () => boolean | Promise<boolean>, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
};

/** The agent's arguments, taken from the install command exactly as the control plane printed it. */
function installArgs(command: string): string[] {
  const tail = command.split(' sh -s -- ')[1] ?? '';
  return [...tail.matchAll(/--([a-z0-9-]+)(?: ('(?:[^']|'\\'')*'|[^\s']+))?/g)].flatMap((m) => {
    const value = m[2]?.startsWith("'") ? m[2].slice(1, -1).replace(/'\\''/g, "'") : m[2];
    return value === undefined ? [`--${m[1] ?? ''}`] : [`--${m[1] ?? ''}`, value];
  });
}

const agentEnv = (stateDir: string) => ({
  ...process.env,
  GNM_AGENT_STATE_DIR: stateDir,
  GNM_AGENT_STACKS_ROOT: stateDir,
  GNM_AGENT_NVIDIA_SMI: SIM_SMI,
  SIM_NVIDIA_SMI_PROFILE: 'h100-sxm-8x',
});
/** Async on purpose: the control plane runs in this process, so a synchronous spawn would deadlock it. */
const cli = (args: string[], stateDir: string) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: agentEnv(stateDir) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });

describe('gnm-agent against a real control plane', () => {
  let cp: TestControlPlane;
  let daemon: ChildProcess | undefined;
  let hostId = '';
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-agent-'));
  let output = '';

  beforeAll(async () => {
    cp = await startTestControlPlane('sqlite');
  });
  afterAll(async () => {
    daemon?.kill('SIGKILL');
    await cp.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('enrolls with the install command’s values and refuses a spoofed control plane first', async () => {
    const r = await cp.call<{ host: { id: string }; enrollment: { installCommand: string } }>(
      cp.owner,
      'POST',
      '/api/v1/hosts',
      {
        name: 'agent-host',
      },
    );
    hostId = r.body.host.id;
    const args = installArgs(r.body.enrollment.installCommand);
    expect(args).toContain('--cp-fingerprint');
    // A wrong TLS pin: the token never leaves, nothing is written.
    const pinAt = args.indexOf('--tls-pin') + 1;
    const spoofed = [...args];
    spoofed[pinAt] = 'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
    const refused = await cli(['enroll', ...spoofed], stateDir);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/does not match the pin/);
    expect(fs.existsSync(path.join(stateDir, 'agent.json'))).toBe(false);
    const ok = await cli(['enroll', ...args], stateDir);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/enrolled as host "agent-host"/);
    expect(fs.statSync(path.join(stateDir, 'identity.key')).mode & 0o777).toBe(0o600);
    const again = await cli(['enroll', ...args], stateDir);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already enrolled/);
  });

  it('connects, reports the host with its GPUs, and runs host.probe as a task', async () => {
    daemon = spawn(process.execPath, ['--import', 'tsx', MAIN, 'run'], {
      env: agentEnv(stateDir),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    daemon.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    daemon.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await until(async () => {
      const h = await cp.call<{ presence: string; lastReport: { probe?: { gpus: unknown[] } } | null }>(
        cp.owner,
        'GET',
        `/api/v1/hosts/${hostId}`,
      );
      return h.body.presence === 'online' && (h.body.lastReport?.probe?.gpus.length ?? 0) === 8;
    });
    const t = await cp.call<{ id: string }>(cp.owner, 'POST', `/api/v1/hosts/${hostId}/tasks`, {
      op: 'host.probe',
    });
    await until(
      async () =>
        (await cp.call<{ state: string }>(cp.owner, 'GET', `/api/v1/tasks/${t.body.id}`)).body.state ===
        'succeeded',
    );
    const done = await cp.call<{
      result: {
        gpus: { name: string }[];
        nvlink: { allPairsNvlink: boolean };
        findings: { check: string }[];
      };
      events: unknown[];
    }>(cp.owner, 'GET', `/api/v1/tasks/${t.body.id}`);
    expect(done.body.result.gpus).toHaveLength(8);
    expect(done.body.result.gpus[0]?.name).toBe('NVIDIA H100 80GB HBM3');
    expect(done.body.result.nvlink.allPairsNvlink).toBe(true);
    expect(done.body.result.findings.map((f) => f.check)).toEqual(
      expect.arrayContaining(['docker', 'gpus', 'disk', 'ports']),
    );
    expect(done.body.events).toHaveLength(1);
    // The local status command sees the connected daemon.
    const status = await cli(['status', '--json'], stateDir);
    expect(JSON.parse(status.stdout)).toMatchObject({ hostId, daemon: { connected: true, running: true } });
  });

  it('answers an operation it cannot do with an error result that says why, and keeps running', async () => {
    const apply = await cp.call<{ id: string }>(cp.owner, 'POST', `/api/v1/hosts/${hostId}/tasks`, {
      op: 'stack.rollback',
    });
    await until(
      async () =>
        (await cp.call<{ state: string }>(cp.owner, 'GET', `/api/v1/tasks/${apply.body.id}`)).body.state ===
        'failed',
    );
    const t = await cp.call<{ error: { code: string } }>(cp.owner, 'GET', `/api/v1/tasks/${apply.body.id}`);
    expect(t.body.error.code).toBe('no-previous-release');
  });

  it('holds no listening socket', () => {
    const pid = daemon?.pid ?? 0;
    const { sockets, listening } = listeningSocketsOf(pid);
    expect(sockets).toBeGreaterThan(0); // it does hold its outbound connection
    expect(listening).toEqual([]);
  });

  it('stops with a clear message when its host is revoked', async () => {
    const d = daemon;
    if (!d || d.exitCode !== null) throw new Error(`the daemon is not running: ${output}`);
    const exited = new Promise<number | null>((r) => d.once('exit', r));
    await cp.call(cp.owner, 'POST', `/api/v1/hosts/${hostId}/revoke`);
    expect(await exited).toBe(1);
    expect(output).toMatch(/this host was revoked/);
    daemon = undefined;
  });
});
