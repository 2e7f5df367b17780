import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '@gnm/control-plane/testing';
import { buildExecutable } from '../build/build-executable.js';

/**
 * The install command exactly as the control plane prints it, run by `sh` against a real control plane
 * (HTTPS, self-signed, pinned) that serves /install.sh and the single executable built from this
 * checkout: the executable is installed with the published digest, the host enrolls and comes online;
 * run again on the enrolled host it keeps its identity; without --foreground it writes the systemd unit
 * with the installer's proxy settings and enables it (systemctl is a fake that records its arguments);
 * a control plane whose TLS key does not match the pin, and an executable altered after the installer
 * was published, get nothing installed. Install path, state and stacks root go to temp folders
 * (--prefix, --state-dir, --stacks-root). The install on a host without Node, at the default paths,
 * is in src/harness/agent-host.int.test.ts.
 */
const until = async (what: string, f: () => Promise<boolean>, out: () => string, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`${what}: not in time. Installer output:\n${out().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

interface Installer {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

describe('the install command the control plane prints', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-agent-install-'));
  const prefix = path.join(dir, 'bin');
  const state = path.join(dir, 'state');
  const stacks = path.join(dir, 'stacks');
  let exe: { file: string; sha256: string };
  let cp: TestControlPlane;
  let hasSudo = false;
  let firstCommand = '';
  const agents: number[] = [];

  /**
   * Runs the printed command with `extra` appended, asynchronously: the control plane answers from this
   * same process, so a synchronous spawn would deadlock it. The tests run as root; where sudo is not
   * installed, `sudo sh` becomes `sh` (the only change made to the command).
   */
  const install = (command: string, extra: string, env: Record<string, string> = {}): Installer => {
    const shown = hasSudo ? command : command.replace('| sudo sh -s --', '| sh -s --');
    const child = spawn('sh', ['-c', `${shown} ${extra}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // What a host has: no Node on PATH, nothing from the test runner's environment.
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: dir, ...env },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, output: () => out, exited };
  };
  const newHost = async (name: string) =>
    (
      await cp.call<{ host: { id: string }; enrollment: { installCommand: string } }>(
        cp.owner,
        'POST',
        '/api/v1/hosts',
        { name },
      )
    ).body;
  const presence = async (hostId: string) =>
    (await cp.call<{ presence: string }>(cp.owner, 'GET', `/api/v1/hosts/${hostId}`)).body.presence;
  /** The daemon the installer exec'd (the pid it writes to status.json), killed and waited for. */
  const stopAgent = async (i: Installer) => {
    const { pid } = JSON.parse(fs.readFileSync(path.join(state, 'status.json'), 'utf8')) as { pid: number };
    expect(fs.readlinkSync(`/proc/${pid}/exe`)).toBe(path.join(prefix, 'gnm-agent'));
    process.kill(pid, 'SIGTERM');
    await until('the agent exits', async () => !fs.existsSync(`/proc/${pid}`), i.output, 20_000);
    await i.exited;
  };

  beforeAll(async () => {
    exe = await buildExecutable(path.join(dir, 'build'));
    cp = await startTestControlPlane('sqlite', { agentBinary: exe.file });
    hasSudo = await new Promise<boolean>((resolve) =>
      spawn('sh', ['-c', 'command -v sudo'], { stdio: 'ignore' }).on('exit', (c) => resolve(c === 0)),
    );
  }, 120_000);
  afterAll(async () => {
    for (const pid of agents) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await cp.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('installs the executable with the published digest, enrolls, and the host comes online', async () => {
    const { host, enrollment } = await newHost('installed-host');
    firstCommand = enrollment.installCommand;
    expect(enrollment.installCommand).toMatch(
      /^curl -fsSL --retry 8 --pinnedpubkey 'sha256\/\/.+' -k '.+\/install\.sh'/,
    );
    const i = install(
      enrollment.installCommand,
      `--foreground --prefix ${prefix} --state-dir ${state} --stacks-root ${stacks}`,
    );
    await until('online', async () => (await presence(host.id)) === 'online', i.output);
    const installed = path.join(prefix, 'gnm-agent');
    expect(crypto.createHash('sha256').update(fs.readFileSync(installed)).digest('hex')).toBe(exe.sha256);
    expect(fs.statSync(installed).mode & 0o777).toBe(0o755);
    expect(fs.readdirSync(prefix)).toEqual(['gnm-agent']); // no temp file left behind
    expect(i.output()).toContain(`installed ${installed} (sha256 ${exe.sha256})`);
    expect(i.output()).toMatch(/enrolled as host "installed-host"/);
    const { pid } = JSON.parse(fs.readFileSync(path.join(state, 'status.json'), 'utf8')) as { pid: number };
    agents.push(pid);
    await stopAgent(i);
  });

  it('run again on the enrolled host, keeps its identity and comes back online', async () => {
    const before = fs.readFileSync(path.join(state, 'identity.key'));
    const config = fs.readFileSync(path.join(state, 'agent.json'), 'utf8');
    const hostId = (JSON.parse(config) as { hostId: string }).hostId;
    // The first host's command again: its token is spent, so enrolling again would be refused.
    const i = install(
      firstCommand,
      `--foreground --prefix ${prefix} --state-dir ${state} --stacks-root ${stacks}`,
    );
    const previous = agents.at(-1);
    // The new daemon's own pid in status.json: the old one's file may still be there when the host
    // shows online (its connection's close and the new connection can cross at the control plane).
    const newDaemon = () => {
      const { pid } = JSON.parse(fs.readFileSync(path.join(state, 'status.json'), 'utf8')) as { pid: number };
      return pid !== previous && fs.existsSync(`/proc/${pid}`);
    };
    await until(
      'online again',
      async () =>
        i.output().includes('already enrolled') && newDaemon() && (await presence(hostId)) === 'online',
      i.output,
    );
    expect(i.output()).toMatch(/this host is already enrolled; its identity is kept/);
    expect(fs.readFileSync(path.join(state, 'identity.key'))).toEqual(before);
    expect(fs.readFileSync(path.join(state, 'agent.json'), 'utf8')).toBe(config);
    const { pid } = JSON.parse(fs.readFileSync(path.join(state, 'status.json'), 'utf8')) as { pid: number };
    agents.push(pid);
    await stopAgent(i);
  });

  it('without --foreground, writes the systemd unit with the proxy settings and enables it', async () => {
    const fakes = path.join(dir, 'fakes');
    const log = path.join(dir, 'systemctl.log');
    fs.mkdirSync(fakes);
    fs.writeFileSync(path.join(fakes, 'systemctl'), `#!/bin/sh\necho "$*" >> '${log}'\n`, { mode: 0o755 });
    const units = path.join(dir, 'units');
    const state2 = path.join(dir, 'state2');
    const { host, enrollment } = await newHost('systemd-host');
    const i = install(
      enrollment.installCommand,
      `--prefix ${prefix} --state-dir ${state2} --stacks-root ${stacks} --unit-dir ${units}`,
      {
        PATH: `${fakes}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
        // The unit keeps the installer's proxy settings; curl and the agent go direct to 127.0.0.1.
        HTTPS_PROXY: 'http://proxy.lan:3128',
        NO_PROXY: '127.0.0.1,localhost',
      },
    );
    const code = await i.exited;
    expect(code, i.output()).toBe(0);
    expect(fs.readFileSync(path.join(units, 'gnm-agent.service'), 'utf8')).toContain(
      [
        `ExecStart=${prefix}/gnm-agent run --state-dir ${state2} --stacks-root ${stacks}`,
        'Environment=HTTPS_PROXY=http://proxy.lan:3128',
        'Environment=NO_PROXY=127.0.0.1,localhost',
      ].join('\n'),
    );
    expect(fs.readFileSync(log, 'utf8')).toBe('daemon-reload\nenable --now gnm-agent.service\n');
    expect(i.output()).toMatch(/enrolled as host "systemd-host"/);
    expect(fs.existsSync(path.join(state2, 'agent.json'))).toBe(true);
    // Enrolled, but nothing runs it here: systemd was a fake.
    expect(await presence(host.id)).toBe('never-connected');
  });
  it('with a TLS pin that does not match the control plane, curl gets nothing and nothing is installed', async () => {
    const { enrollment } = await newHost('spoofed-host');
    const wrong = enrollment.installCommand.replaceAll(
      /sha256\/\/[A-Za-z0-9+/]{43}=/g,
      'sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    );
    const elsewhere = path.join(dir, 'spoofed');
    const i = install(wrong, `--foreground --prefix ${elsewhere}/bin --state-dir ${elsewhere}/state`);
    await i.exited;
    // curl refuses before a byte of the installer is read; `sh` then runs an empty script.
    expect(i.output()).toMatch(/public key does not match pinned public key/);
    expect(fs.existsSync(elsewhere)).toBe(false);
  });

  it('refuses an executable that is not the one the installer was published with, installing nothing', async () => {
    // The control plane published the digest with the installer; the file it serves is then altered
    // (one byte flipped in place, same length): what a swapped file or a tampering proxy would serve.
    const fd = fs.openSync(exe.file, 'r+');
    const at = Math.floor(fs.fstatSync(fd).size / 2);
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, at);
    fs.writeSync(fd, Buffer.from([(b[0] ?? 0) ^ 0xff]), 0, 1, at);
    fs.closeSync(fd);
    const { enrollment } = await newHost('tampered-host');
    const elsewhere = path.join(dir, 'tampered');
    const i = install(
      enrollment.installCommand,
      `--foreground --prefix ${elsewhere}/bin --state-dir ${elsewhere}/state`,
    );
    const code = await i.exited;
    expect(code, i.output()).toBe(1);
    expect(i.output()).toMatch(
      new RegExp(
        `the downloaded agent has sha256 [0-9a-f]{64} but the control plane published ${exe.sha256}: nothing was installed`,
      ),
    );
    expect(fs.readdirSync(path.join(elsewhere, 'bin'))).toEqual([]);
    expect(fs.existsSync(path.join(elsewhere, 'state'))).toBe(false);
  });
});
