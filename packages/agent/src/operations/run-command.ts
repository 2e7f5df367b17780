import { execFile, spawn } from 'node:child_process';

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

/**
 * Like runCommand, for long commands whose progress the operator watches (compose pull/up): each
 * output line (stdout or stderr; compose writes progress to stderr) is handed to `onLine` as it comes.
 * Output kept for the error message is bounded to its last lines.
 */
export function streamCommand(
  file: string,
  args: readonly string[],
  o: {
    timeoutMs?: number;
    signal?: AbortSignal;
    env?: NodeJS.ProcessEnv;
    onLine?: (line: string) => void;
    /** Written to the program's stdin, then closed: how passwords reach a program (never argv or env). */
    input?: string;
    /** Lines are not forwarded to onLine nor kept (output that may hold a secret, e.g. a new key's mnemonic). */
    quiet?: boolean;
  },
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      env: o.env ?? process.env,
      shell: false,
      stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      signal: o.signal,
      timeout: o.timeoutMs ?? 30 * 60_000,
    });
    const kept: Record<'stdout' | 'stderr', string[]> = { stdout: [], stderr: [] };
    const listen = (stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr') => {
      let partial = '';
      stream.on('data', (d: Buffer) => {
        const parts = (partial + d.toString()).split(/\r?\n|\r/);
        partial = parts.pop() ?? '';
        for (const line of parts) take(line, name);
      });
      stream.on('end', () => partial && take(partial, name));
    };
    const take = (line: string, name: 'stdout' | 'stderr') => {
      const keep = kept[name];
      keep.push(line);
      if (keep.length > 200) keep.shift();
      if (line.trim() && !o.quiet) o.onLine?.(line);
    };
    if (o.input !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined); // the program may exit without reading it all
      child.stdin.end(o.input);
    }
    if (child.stdout) listen(child.stdout, 'stdout');
    if (child.stderr) listen(child.stderr, 'stderr');
    let missing = false;
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') missing = true;
    });
    child.on('close', (code) =>
      resolve({
        code: missing ? null : (code ?? 1),
        stdout: kept.stdout.join('\n'),
        stderr: kept.stderr.join('\n'),
        missing,
      }),
    );
  });
}
