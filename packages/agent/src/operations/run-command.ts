import { execFile, spawn } from 'node:child_process';
import { scrubText } from './output-scrubber.js';

/**
 * Runs a program with an argument array — never a shell string (DESIGN invariant 2) — with a timeout
 * and a bounded output. A missing program resolves with `missing: true` instead of throwing, so probes
 * can say what to install.
 */
export interface CommandResult {
  code: number | null;
  /** As printed, for the caller to parse only: it may hold a secret (a new key's phrase), never keep it. */
  stdout: string;
  /** Scrubbed (output-scrubber): safe to put in a message. */
  stderr: string;
  /** What went wrong in the program's words (stderr, else stdout), scrubbed: the text for an error. */
  diagnostic: string;
  missing: boolean;
}

/** The secrets in play for one command: what it was told (stdin) and what the caller names. */
function secretsOf(o: { input?: string; secrets?: readonly string[] }): string[] {
  return [...(o.input === undefined ? [] : o.input.split('\n')), ...(o.secrets ?? [])];
}

function result(
  code: number | null,
  stdout: string,
  rawStderr: string,
  missing: boolean,
  secrets: readonly string[],
): CommandResult {
  const stderr = scrubText(rawStderr, secrets);
  return {
    code,
    stdout,
    stderr,
    diagnostic: stderr.trim() ? stderr : scrubText(stdout, secrets),
    missing,
  };
}

export function runCommand(
  file: string,
  args: readonly string[],
  o: {
    timeoutMs?: number;
    signal?: AbortSignal;
    env?: NodeJS.ProcessEnv;
    /** Values the output must not carry into a message (besides what the scrubber detects). */
    secrets?: readonly string[];
  } = {},
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
        resolve(
          result(
            e ? (typeof e.code === 'number' ? e.code : e.code === 'ENOENT' ? null : 1) : 0,
            String(stdout),
            String(stderr),
            e?.code === 'ENOENT',
            secretsOf(o),
          ),
        );
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
    /** Lines are not forwarded to onLine (output that may hold a secret, e.g. a new key's mnemonic). */
    quiet?: boolean;
    /** Values the output must not carry into a line or a message (stdin's lines are always included). */
    secrets?: readonly string[];
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
    const secrets = secretsOf(o);
    const take = (line: string, name: 'stdout' | 'stderr') => {
      const keep = kept[name];
      keep.push(line);
      if (keep.length > 200) keep.shift();
      // Every line is scrubbed before it leaves as progress; a phrase wrapped over lines is also
      // caught in the error text, which is scrubbed whole.
      if (line.trim() && !o.quiet) o.onLine?.(scrubText(line, secrets));
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
      resolve(
        result(
          missing ? null : (code ?? 1),
          kept.stdout.join('\n'),
          kept.stderr.join('\n'),
          missing,
          secrets,
        ),
      ),
    );
  });
}
