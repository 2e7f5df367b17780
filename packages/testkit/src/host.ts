import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import type { HostDescriptor } from './descriptor.js';
import { exec, run, type ExecOptions, type ExecResult } from './exec.js';
import { DOCKER_BIN } from './paths.js';

/** PATH inside a host: the machine's own, without anything the test process added (npm's .bin). */
const HOST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface HostExecOptions extends ExecOptions {
  /** Working directory inside the host. */
  cwd?: string;
  /** Environment of the process; a clean one (PATH, HOME) when absent, never the test's own. */
  env?: Record<string, string>;
}

/**
 * One harness host, as seen from any test process. Every process it starts runs in both the host's
 * network namespace and its mount namespace (nsenter, not `ip netns exec`, which remounts /sys and
 * hides the cgroup mounts dockerd needs).
 */
export class Host {
  constructor(readonly d: HostDescriptor) {}

  get name(): string {
    return this.d.name;
  }
  get ip(): string {
    return this.d.ip;
  }

  /**
   * nsenter's own --wd resolves the directory before entering the mount namespace, so the working
   * directory is set inside the host with `env -C` instead.
   */
  private nsenterArgs(cwd?: string): string[] {
    return [
      `--net=/run/netns/${this.d.netns}`,
      `--mount=${this.d.mntFile}`,
      '--wd=/',
      '--',
      'env',
      '-C',
      cwd ?? '/',
    ];
  }

  private env(extra?: Record<string, string>): Record<string, string> {
    return { PATH: HOST_PATH, HOME: '/root', LANG: 'C.UTF-8', ...extra };
  }

  /** Runs a command inside the host and returns its exit code and output. */
  exec(file: string, args: readonly string[] = [], opts: HostExecOptions = {}): Promise<ExecResult> {
    return exec('nsenter', [...this.nsenterArgs(opts.cwd), file, ...args], {
      ...opts,
      cwd: undefined,
      env: this.env(opts.env),
    });
  }

  /** Like exec, but throws (with the output) on a non-zero exit. */
  run(file: string, args: readonly string[] = [], opts: HostExecOptions = {}): Promise<string> {
    return run('nsenter', [...this.nsenterArgs(opts.cwd), file, ...args], {
      ...opts,
      cwd: undefined,
      env: this.env(opts.env),
      context: `on host ${this.name}`,
    });
  }

  /** Starts a long-running process inside the host (an agent, a server); the caller stops it. */
  spawn(
    file: string,
    args: readonly string[] = [],
    opts: { cwd?: string; env?: Record<string, string> } = {},
  ): ResultPromise {
    return execa('nsenter', [...this.nsenterArgs(opts.cwd), file, ...args], {
      env: this.env(opts.env),
      extendEnv: false,
      reject: false,
      buffer: false,
      stdin: 'ignore',
    });
  }

  /** The host's own Docker CLI against the host's own dockerd. */
  docker(args: readonly string[], opts: HostExecOptions = {}): Promise<string> {
    return this.run(DOCKER_BIN, args, opts);
  }

  dockerExec(args: readonly string[], opts: HostExecOptions = {}): Promise<ExecResult> {
    return this.exec(DOCKER_BIN, args, opts);
  }

  writeFile(file: string, content: string, mode = '0644'): Promise<string> {
    return this.run(
      'sh',
      ['-c', 'umask 022; mkdir -p "$(dirname "$1")" && cat > "$1" && chmod "$2" "$1"', 'sh', file, mode],
      {
        input: content,
      },
    );
  }

  /** Copies a local directory's content into `dest` inside the host (through tar on stdin). */
  async copyIn(localDir: string, dest: string): Promise<void> {
    const tarFile = path.join(os.tmpdir(), `gnm-copyin-${process.pid}-${Date.now()}.tar`);
    try {
      await run('tar', ['-C', localDir, '-cf', tarFile, '.'], { context: `pack ${localDir}` });
      await this.run('mkdir', ['-p', dest]);
      await this.run('tar', ['-xf', '-', '-C', dest], { inputFile: tarFile });
    } finally {
      fs.rmSync(tarFile, { force: true });
    }
  }

  async readFile(file: string): Promise<string> {
    return this.run('cat', [file]);
  }

  /** HTTP GET from inside the host with curl; returns the status code (0 when unreachable). */
  async httpStatus(url: string, timeoutS = 3): Promise<number> {
    const r = await this.exec('curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--max-time',
      String(timeoutS),
      url,
    ]);
    const code = Number.parseInt(r.stdout.trim(), 10);
    return Number.isFinite(code) ? code : 0;
  }
}
