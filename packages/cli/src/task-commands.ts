import type { Command } from 'commander';
import { OPERATIONS } from '@gnm/protocol';
import type { Api } from './client.js';
import { FINISHED_STATES, isFinished, type Host, type Task, type TaskEvent } from './api-types.js';
import { resolveHost } from './host-commands.js';
import { ago, clock, fields, progressLine, table } from './format.js';
import { CliFailure, EXIT, emit } from './output.js';
import type { SseMessage } from './sse.js';

const STATES = ['queued', 'sent', 'running', ...FINISHED_STATES];
const RECONNECTS = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new CliFailure(`"${v}" is not a positive integer`, [], EXIT.usage);
  return n;
};

const compact = (v: unknown, n = 2000): string => {
  const s = JSON.stringify(v) ?? '';
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
};

function parseData(m: SseMessage): unknown {
  try {
    return JSON.parse(m.data);
  } catch {
    throw new CliFailure(`the control plane sent an unreadable ${m.event} message`, [m.data.slice(0, 200)]);
  }
}

/** Host id → name, for human output (fetched once; ids stay ids if the listing fails). */
async function hostNames(api: Api): Promise<Map<string, string>> {
  try {
    const { hosts } = await api.request<{ hosts: Host[] }>('GET', '/api/v1/hosts');
    return new Map(hosts.map((h) => [h.id, h.name]));
  } catch {
    return new Map();
  }
}

function finishedLine(t: Task): string {
  if (t.state === 'succeeded')
    return `succeeded${t.result !== undefined && t.result !== null ? `  ${compact(t.result)}` : ''}`;
  return `${t.state}${t.error ? `  ${t.error.code}: ${t.error.message}` : ''}`;
}

/**
 * Follows one task until it finishes, printing its events and state changes (NDJSON with --json);
 * reconnects when the stream is cut, skipping what was already printed. Returns the finished task.
 */
export async function watchTask(api: Api, id: string, json: boolean): Promise<Task> {
  const names = json ? new Map<string, string>() : await hostNames(api);
  let lastSeq = -1;
  let lastTask = '';
  let lastState = '';
  let final: Task | undefined;
  let failures = 0;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  // Human output starts with a header from the first `task` message; the stored events the stream
  // replays before it wait until then.
  let held: string[] | undefined = json ? undefined : [];
  const onMessage = (m: SseMessage) => {
    if (m.event === 'event') {
      const e = parseData(m) as TaskEvent;
      if (e.seq <= lastSeq) return;
      lastSeq = e.seq;
      const line = `${clock(e.at)}  ${progressLine(e)}`;
      if (json) out(JSON.stringify({ event: 'event', data: e }));
      else if (held) held.push(line);
      else out(line);
    } else if (m.event === 'task') {
      const t = parseData(m) as Task;
      if (isFinished(t)) final = t;
      if (json) {
        if (m.data !== lastTask) out(JSON.stringify({ event: 'task', data: t }));
      } else {
        if (held) {
          out(`${t.id}  ${t.op} on ${names.get(t.hostId) ?? t.hostId}  (created ${clock(t.createdAt)})`);
          for (const line of held) out(line);
          held = undefined;
        }
        if (t.state !== lastState)
          out(
            `${clock(t.finishedAt ?? new Date().toISOString())}  ${isFinished(t) ? finishedLine(t) : t.state}`,
          );
      }
      lastTask = m.data;
      lastState = t.state;
    }
  };
  while (!final) {
    try {
      await api.stream(`/api/v1/tasks/${encodeURIComponent(id)}/stream`, onMessage);
      if (final) break;
      failures++; // the stream ended before the task did (e.g. the control plane restarted)
    } catch (e) {
      if (!(e instanceof CliFailure) || e.code !== EXIT.unreachable) throw e;
      failures++;
      if (failures > RECONNECTS) throw e;
    }
    if (failures > RECONNECTS)
      throw new CliFailure(`the stream of ${id} kept ending before the task finished`, [], EXIT.unreachable);
    if (!json) process.stderr.write(`(stream interrupted; reconnecting, attempt ${failures})\n`);
    await sleep(500 * failures);
  }
  return final;
}

/** Follows every change to your tasks until interrupted. */
async function watchAll(api: Api, json: boolean): Promise<never> {
  const names = json ? new Map<string, string>() : await hostNames(api);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (!json) process.stderr.write('Watching all your tasks (Ctrl-C to stop)…\n');
  let failures = 0;
  for (;;) {
    try {
      await api.stream('/api/v1/stream', (m) => {
        failures = 0;
        const data = parseData(m);
        if (json) return out(JSON.stringify({ event: m.event, data }));
        if (m.event === 'task') {
          const t = data as Task;
          const line = isFinished(t) ? finishedLine(t) : t.state;
          out(
            `${clock(new Date().toISOString())}  ${t.id}  ${names.get(t.hostId) ?? t.hostId}  ${t.op}  ${line}`,
          );
        } else if (m.event === 'event') {
          const e = data as TaskEvent & { taskId: string };
          out(`${clock(e.at)}  ${e.taskId}  ${progressLine(e)}`);
        }
      });
      failures++;
    } catch (e) {
      if (!(e instanceof CliFailure) || e.code !== EXIT.unreachable) throw e;
      failures++;
      if (failures > RECONNECTS) throw e;
    }
    if (failures > RECONNECTS)
      throw new CliFailure('the stream kept ending: is the control plane restarting?', [], EXIT.unreachable);
    process.stderr.write(
      `(stream interrupted; reconnecting, attempt ${failures}; changes meanwhile are not shown)\n`,
    );
    await sleep(500 * failures);
  }
}

/** `gnm tasks list | show | run | watch | cancel`. */
export function registerTaskCommands(program: Command, api: () => Api): void {
  const json = (): boolean => program.opts<{ json?: boolean }>().json === true;
  const tasks = program.command('tasks').description('run operations on hosts and follow them');

  tasks
    .command('list')
    .alias('ls')
    .description('your tasks, newest first')
    .option('--host <host>', 'only this host (id or name)')
    .option('--state <state>', `only this state: ${STATES.join(', ')}`)
    .option('--limit <n>', 'at most n tasks (1-500)', positiveInt, 50)
    .action(async (o: { host?: string; state?: string; limit: number }) => {
      if (o.state && !STATES.includes(o.state))
        throw new CliFailure(`unknown state "${o.state}"`, [`states: ${STATES.join(', ')}`], EXIT.usage);
      const a = api();
      const q = new URLSearchParams({ limit: String(o.limit) });
      if (o.host) q.set('hostId', await resolveHost(a, o.host));
      if (o.state) q.set('state', o.state);
      const [r, names] = await Promise.all([
        a.request<{ tasks: Task[] }>('GET', `/api/v1/tasks?${q.toString()}`),
        json() ? Promise.resolve(new Map<string, string>()) : hostNames(a),
      ]);
      emit(
        json(),
        r.tasks.length === 0
          ? 'No tasks.'
          : table(
              ['ID', 'HOST', 'OP', 'STATE', 'CREATED', 'FINISHED', 'ERROR'],
              r.tasks.map((t) => [
                t.id,
                names.get(t.hostId) ?? t.hostId,
                t.op,
                t.state,
                ago(t.createdAt),
                ago(t.finishedAt),
                t.error ? `${t.error.code}: ${t.error.message}` : '',
              ]),
            ),
        r,
      );
    });

  tasks
    .command('show')
    .description('one task with its progress events and result')
    .argument('<task>', 'task id (tsk_…)')
    .action(async (id: string) => {
      const a = api();
      const t = await a.request<Task & { events: TaskEvent[] }>(
        'GET',
        `/api/v1/tasks/${encodeURIComponent(id)}`,
      );
      const host = json() ? t.hostId : ((await hostNames(a)).get(t.hostId) ?? t.hostId);
      const human = [
        `${t.id}  ${t.op} on ${host}`,
        fields([
          ['state', t.state],
          ['params', compact(t.params ?? {})],
          ['created', `${t.createdAt} (${ago(t.createdAt)})`],
          ['deadline', `${t.deadline} (${ago(t.deadline)})`],
          ['sent', t.sentAt ? `${t.sentAt} (deliveries: ${t.deliveries})` : '-'],
          ['finished', t.finishedAt ?? '-'],
          ['result', t.result !== undefined && t.result !== null ? compact(t.result) : '-'],
          ['error', t.error ? `${t.error.code}: ${t.error.message}` : '-'],
        ]),
        ...(t.events.length
          ? ['events:', ...t.events.map((e) => `  ${clock(e.at)}  ${progressLine(e)}`)]
          : []),
      ].join('\n');
      emit(json(), human, t);
    });

  tasks
    .command('run')
    .description(`queue an operation on a host (${Object.keys(OPERATIONS).join(', ')})`)
    .argument('<host>', 'host id or name')
    .argument('<op>', 'the operation')
    .option('--params <json>', 'the operation parameters, as a JSON object', '{}')
    .option('--deadline <seconds>', 'expire if not delivered within this time (10-604800)', positiveInt)
    .option('--watch', 'follow the task until it finishes; the exit code is then the task outcome')
    .action(async (ref: string, op: string, o: { params: string; deadline?: number; watch?: boolean }) => {
      let params: unknown;
      try {
        params = JSON.parse(o.params);
      } catch (e) {
        throw new CliFailure(`--params is not JSON: ${(e as Error).message}`, [], EXIT.usage);
      }
      const a = api();
      const id = await resolveHost(a, ref);
      const t = await a.request<Task>('POST', `/api/v1/hosts/${encodeURIComponent(id)}/tasks`, {
        op,
        params,
        ...(o.deadline !== undefined ? { deadlineSeconds: o.deadline } : {}),
      });
      if (!o.watch) {
        emit(json(), `Queued ${t.id} (${t.op} on ${ref}). Follow it with: gnm tasks watch ${t.id}`, t);
        return;
      }
      finish(await watchTask(a, t.id, json()), json());
    });

  tasks
    .command('watch')
    .description(
      'follow one task live until it finishes (exit 0 if it succeeded, 1 otherwise), or without an id every change to your tasks; --json prints one JSON object per line',
    )
    .argument('[task]', 'task id (tsk_…)')
    .action(async (id: string | undefined) => {
      if (!id) return watchAll(api(), json());
      finish(await watchTask(api(), id, json()), json());
    });

  tasks
    .command('cancel')
    .description('cancel a task that is still queued')
    .argument('<task>', 'task id (tsk_…)')
    .action(async (id: string) => {
      const t = await api().request<Task>('POST', `/api/v1/tasks/${encodeURIComponent(id)}/cancel`);
      emit(json(), `${t.id}: ${t.state}`, t);
    });
}

function finish(t: Task, json: boolean): void {
  if (t.state === 'succeeded') return;
  if (!json)
    process.stderr.write(
      `gnm: task ${t.id} ${t.state}${t.error ? `: ${t.error.code}: ${t.error.message}` : ''}\n`,
    );
  process.exitCode = EXIT.failed;
}
