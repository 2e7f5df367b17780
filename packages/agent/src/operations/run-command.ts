import { execFile } from 'node:child_process';

/**
 * Runs a program with an argument array — never a shell string (DESIGN invariant 2) — with a timeout
 * and a bounded output. A missing program resolves with `missing: true` instead of throwing, so probes
 * can say what to install.
 */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  missing: boolean;
}

export function runCommand(
  file: string,
  args: readonly string[],
  o: { timeoutMs?: number; signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        timeout: o.timeoutMs ?? 15_000,
        maxBuffer: 8 * 1024 * 1024,
        signal: o.signal,
        env: o.env ?? process.env,
        shell: false,
      },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: string | number }) | null;
        resolve({
          code: e ? (typeof e.code === 'number' ? e.code : e.code === 'ENOENT' ? null : 1) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
          missing: e?.code === 'ENOENT',
        });
      },
    );
  });
}
