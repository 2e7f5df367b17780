import { z } from 'zod';
import { runCommand, streamCommand, type CommandResult } from '../operations/run-command.js';
import { OperationFailure } from '../operations/registry.js';

/**
 * The Docker Compose v2 CLI, always with argument arrays, always on one project (`join` on real hosts:
 * the one compose project per host of DESIGN.md). `ps` and `logs` work by project name alone, from the
 * containers' labels, so they need no release on disk.
 */
const PsLine = z.object({
  Name: z.string(),
  Service: z.string(),
  State: z.string(),
  Health: z.string().optional().default(''),
  Status: z.string().optional().default(''),
  ExitCode: z.number().optional().default(0),
  Image: z.string(),
  Labels: z.string().optional().default(''),
});

export const Container = z.object({
  service: z.string(),
  name: z.string(),
  state: z.string(),
  health: z.string().nullable(),
  status: z.string(),
  exitCode: z.number(),
  image: z.string(),
  /** com.docker.compose.config-hash: which rendered release a container was created from. */
  configHash: z.string().nullable(),
  /** From the Engine API (stack.status): restarts since creation, addresses on the compose networks. */
  restartCount: z.number().optional(),
  addresses: z.record(z.string(), z.string()).optional(),
});
export type Container = z.infer<typeof Container>;

// Compose decorates logs with terminal control sequences even without a TTY.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g');
const MAX_LINE = 2000;

export class ComposeDriver {
  constructor(private readonly o: { docker?: string; project?: string; signal?: AbortSignal } = {}) {}

  private get project(): string {
    return this.o.project ?? 'join';
  }

  private async compose(args: string[], timeoutMs = 60_000): Promise<string> {
    const r = await runCommand(
      this.o.docker ?? 'docker',
      ['compose', '--project-name', this.project, ...args],
      {
        timeoutMs,
        signal: this.o.signal,
      },
    );
    return checked(r, args[0] ?? '');
  }

  /**
   * A command on a rendered release: `composeArgs` (from @gnm/bundle's releaseFor: project `join`,
   * its env file and compose files) then the command. Each output line goes to `onLine` (progress).
   */
  async onRelease(
    composeArgs: readonly string[],
    command: string[],
    o: {
      timeoutMs?: number;
      onLine?: (line: string) => void;
      input?: string;
      quiet?: boolean;
      secrets?: readonly string[];
    } = {},
  ): Promise<string> {
    const r = await streamCommand(this.o.docker ?? 'docker', [...composeArgs, ...command], {
      timeoutMs: o.timeoutMs ?? 30 * 60_000,
      signal: this.o.signal,
      onLine: o.onLine,
      input: o.input,
      quiet: o.quiet,
      secrets: o.secrets,
    });
    return checked(r, command[0] ?? '');
  }

  async ps(): Promise<Container[]> {
    const out = await this.compose(['ps', '--all', '--format', 'json']);
    const text = out.trim();
    if (!text) return [];
    // Compose 2.21+ prints one JSON object per line; older ones print one array.
    const rows: unknown[] = text.startsWith('[')
      ? (JSON.parse(text) as unknown[])
      : text.split('\n').map((l) => JSON.parse(l) as unknown);
    return rows
      .map((r) => PsLine.parse(r))
      .map((r) => ({
        service: r.Service,
        name: r.Name,
        state: r.State,
        health: r.Health || null,
        status: r.Status,
        exitCode: r.ExitCode,
        image: r.Image,
        configHash: /com\.docker\.compose\.config-hash=([0-9a-f]+)/.exec(r.Labels)?.[1] ?? null,
      }))
      .sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0)); // not localeCompare: ICU collation data costs ~3 MB RSS
  }

  /** Stops the project's containers (by label, so it needs no release on disk). */
  async stop(onLine?: (line: string) => void): Promise<void> {
    const r = await streamCommand(
      this.o.docker ?? 'docker',
      ['compose', '--project-name', this.project, 'stop'],
      { timeoutMs: 10 * 60_000, signal: this.o.signal, onLine },
    );
    checked(r, 'stop');
  }

  /** The last `tail` lines of one service (the service name was validated by the operation schema). */
  async logs(service: string, tail: number): Promise<string[]> {
    const services = new Set((await this.ps()).map((c) => c.service));
    if (!services.has(service))
      throw new OperationFailure(
        'no-such-service',
        `no service "${service}" in this host's stack${services.size ? ` (it has ${[...services].join(', ')})` : ' (no stack is running)'}`,
      );
    const out = await this.compose([
      'logs',
      '--no-color',
      '--no-log-prefix',
      '--tail',
      String(tail),
      service,
    ]);
    return out
      .replace(ANSI, '')
      .split('\n')
      .filter((l, i, all) => l !== '' || i < all.length - 1)
      .slice(-tail)
      .map((l) => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE)}…` : l));
  }
}

/** Turns a failed compose run into an error that says what to do; never a stack trace. */
function checked(r: CommandResult, command: string): string {
  if (r.missing)
    throw new OperationFailure(
      'docker-missing',
      'Docker is not installed on this host: install Docker Engine and the Compose v2 plugin',
    );
  if (r.code === 0) return r.stdout;
  // The scrubbed text only: a failing `keys add` may have printed the phrase it generated.
  const err = r.diagnostic.replace(ANSI, '').trim();
  if (/is not a docker command|unknown command "compose"|'compose' is not/i.test(err))
    throw new OperationFailure(
      'compose-missing',
      'Docker Compose v2 is missing: install the Compose v2 plugin (docker-compose 1.x cannot read the official Gonka files)',
    );
  if (/Cannot connect to the Docker daemon|permission denied.*docker.sock/i.test(err))
    throw new OperationFailure(
      'docker-unreachable',
      `the Docker engine does not answer (${err.split('\n')[0] ?? ''}): systemctl start docker`,
    );
  if (
    command === 'pull' ||
    /pull access denied|manifest unknown|not found: manifest|error pulling/i.test(err)
  )
    throw new OperationFailure(
      'pull-failed',
      `pulling the images failed: ${err.split('\n').slice(-3).join(' ')} — check the host reaches the registry (and is logged in if it is private), then apply again`,
    );
  throw new OperationFailure(
    'compose-failed',
    `docker compose ${command} failed: ${err.split('\n').slice(-3).join(' ')}`,
  );
}
