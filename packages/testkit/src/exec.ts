import { execa } from 'execa';
import { HarnessCommandError } from './errors.js';

export interface ExecOptions {
  env?: Record<string, string>;
  input?: string;
  /** A file whose content is the process's stdin (binary-safe, unlike `input`). */
  inputFile?: string;
  cwd?: string;
  timeoutMs?: number;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a command from an argument array (never a shell string) and returns what it printed. */
export async function exec(
  file: string,
  args: readonly string[],
  opts: ExecOptions = {},
): Promise<ExecResult> {
  const r = await execa(file, args, {
    reject: false,
    env: opts.env,
    input: opts.input,
    inputFile: opts.inputFile,
    cwd: opts.cwd,
    timeout: opts.timeoutMs ?? 120_000,
    stripFinalNewline: false,
  });
  return {
    exitCode: typeof r.exitCode === 'number' ? r.exitCode : -1,
    stdout: String(r.stdout ?? ''),
    stderr:
      String(r.stderr ?? '') + (r.timedOut ? `\n(timed out after ${opts.timeoutMs ?? 120_000} ms)` : ''),
  };
}

/** Like exec, but throws a HarnessCommandError (with the output) when the exit code is not 0. */
export async function run(
  file: string,
  args: readonly string[],
  opts: ExecOptions & { context?: string } = {},
): Promise<string> {
  const r = await exec(file, args, opts);
  if (r.exitCode !== 0)
    throw new HarnessCommandError([file, ...args], r.exitCode, r.stdout, r.stderr, opts.context);
  return r.stdout;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a value other than undefined, or throws with `what` after timeoutMs. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await sleep(intervalMs);
  }
}
