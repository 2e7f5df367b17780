import type { Command } from 'commander';
import type { Api } from './client.js';
import type { Task } from './api-types.js';
import { clock, table } from './format.js';
import { resolveHost } from './host-commands.js';
import { resolveNode } from './node-commands.js';
import { CliFailure, emit } from './output.js';

/** An attachment as `GET /api/v1/attachments/:id` answers. */
export interface AttachmentView {
  id: string;
  networkNodeId: string;
  mlNodeId: string;
  networkAddress: string;
  mlAddress: string;
  callbackUrl: string;
  state: string;
  step: string | null;
  stepTaskId: string | null;
  error: string | null;
  checks: { network: Check[]; ml: Check[] } | null;
  warnings: string[];
}
interface Check {
  id: string;
  target: string;
  ok: boolean;
  detail: string;
}

const DONE = new Set(['attached', 'failed', 'detached']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Follows an attachment's flow, one line per step, until it settles; exit 1 when it failed. */
async function followAttachment(api: Api, first: AttachmentView, json: boolean): Promise<AttachmentView> {
  let last = '';
  let a = first;
  for (;;) {
    const line = `${a.state}${a.step ? ` — ${a.step}` : ''}${a.stepTaskId ? ` (task ${a.stepTaskId})` : ''}`;
    if (line !== last) {
      last = line;
      if (json) process.stdout.write(`${JSON.stringify({ event: 'attachment', data: a })}\n`);
      else process.stdout.write(`${clock(new Date().toISOString())}  ${line}\n`);
    }
    if (DONE.has(a.state)) break;
    await sleep(2000);
    a = await api.request<AttachmentView>('GET', `/api/v1/attachments/${a.id}`);
  }
  if (!json) process.stdout.write(`\n${attachmentText(a)}\n`);
  if (a.state === 'failed')
    throw new CliFailure(`the attachment failed at ${a.step ?? '?'}`, [a.error ?? '']);
  return a;
}

export function attachmentText(a: AttachmentView): string {
  const checks = [...(a.checks?.network ?? []), ...(a.checks?.ml ?? [])];
  return [
    `${a.id}  ${a.state}`,
    `  ML node ${a.mlNodeId} at ${a.mlAddress}  ↔  network node ${a.networkNodeId} at ${a.networkAddress}`,
    `  PoC callback ${a.callbackUrl}`,
    ...a.warnings.map((w) => `  warning: ${w}`),
    ...(checks.length
      ? [
          '  connectivity:',
          ...checks.map((c) => `    ${c.ok ? 'ok  ' : 'FAIL'} ${c.id} ${c.target}: ${c.detail}`),
        ]
      : []),
    ...(a.error ? [`  error: ${a.error}`] : []),
  ].join('\n');
}

function collect(v: string, all: string[]): string[] {
  return [...all, v];
}

/** `gnm node attach | attachments | reattach | detach`, `gnm hosts exposure | firewall`. */
export function registerAttachCommands(program: Command, api: () => Api): void {
  const json = (): boolean => program.opts<{ json?: boolean }>().json === true;
  const node = program.commands.find((c) => c.name() === 'node');
  const hosts = program.commands.find((c) => c.name() === 'hosts');
  if (!node || !hosts) throw new Error('register the node and hosts commands first');

  node
    .command('attach')
    .description(
      'attach an ML node on another host to a network node: firewall rules on both, the ML node bound to its address, connectivity proven both ways, then registered through the Admin API',
    )
    .argument('<network-node>', 'the network (or full) node: id or name')
    .argument('<ml-node>', 'the ML node (role mlnode): id or name')
    .requiredOption(
      '--network-address <ip>',
      'the network node’s address as the ML host reaches it (private)',
    )
    .requiredOption('--ml-address <ip>', 'the ML host’s address as the network node reaches it (private)')
    .option('--callback-url <url>', 'the PoC callback URL (default http://<network-address>:9100)')
    .option('--allow-public', 'accept public addresses (the traffic then crosses the internet)')
    .option(
      '--accept <check>',
      'accept a critical preflight finding of the ML host by name (repeatable)',
      collect,
      [],
    )
    .option('--no-watch', 'start it and return')
    .action(
      async (
        netRef: string,
        mlRef: string,
        o: {
          networkAddress: string;
          mlAddress: string;
          callbackUrl?: string;
          allowPublic?: boolean;
          accept: string[];
          watch: boolean;
        },
      ) => {
        const a = api();
        const [networkId, mlId] = [await resolveNode(a, netRef), await resolveNode(a, mlRef)];
        const att = await a.request<AttachmentView>('POST', `/api/v1/nodes/${networkId}/attachments`, {
          mlNodeId: mlId,
          networkAddress: o.networkAddress,
          mlAddress: o.mlAddress,
          ...(o.callbackUrl ? { callbackUrl: o.callbackUrl } : {}),
          allowPublic: o.allowPublic === true,
          ...(o.accept.length ? { acceptWarnings: o.accept } : {}),
        });
        if (!o.watch) return emit(json(), `Attaching as ${att.id}: gnm node attachments ${netRef}`, att);
        await followAttachment(a, att, json());
      },
    );

  node
    .command('attachments')
    .description('the attachments a node takes part in, with their state and connectivity')
    .argument('<node>', 'node id or name')
    .action(async (ref: string) => {
      const a = api();
      const { attachments } = await a.request<{ attachments: AttachmentView[] }>(
        'GET',
        `/api/v1/nodes/${await resolveNode(a, ref)}/attachments`,
      );
      emit(
        json(),
        attachments.length
          ? table(
              ['ID', 'ML NODE', 'ML ADDRESS', 'NETWORK ADDRESS', 'STATE', 'STEP'],
              attachments.map((x) => [
                x.id,
                x.mlNodeId,
                x.mlAddress,
                x.networkAddress,
                x.state,
                x.step ?? '-',
              ]),
            )
          : 'No attachments: gnm node attach <network-node> <ml-node> --network-address … --ml-address …',
        { attachments },
      );
    });

  node
    .command('reattach')
    .description(
      'change an attachment’s addresses or callback URL (or run its flow again): rules and registration follow',
    )
    .argument('<attachment>', 'the attachment id (att_…)')
    .option('--network-address <ip>')
    .option('--ml-address <ip>')
    .option('--callback-url <url>')
    .option('--allow-public')
    .action(
      async (
        id: string,
        o: { networkAddress?: string; mlAddress?: string; callbackUrl?: string; allowPublic?: boolean },
      ) => {
        const a = api();
        const att = await a.request<AttachmentView>('PUT', `/api/v1/attachments/${id}`, {
          ...(o.networkAddress ? { networkAddress: o.networkAddress } : {}),
          ...(o.mlAddress ? { mlAddress: o.mlAddress } : {}),
          ...(o.callbackUrl ? { callbackUrl: o.callbackUrl } : {}),
          allowPublic: o.allowPublic === true,
        });
        await followAttachment(a, att, json());
      },
    );

  node
    .command('detach')
    .description('detach an ML node: disabled now, removed once the next epoch has begun, then the rules')
    .argument('<attachment>', 'the attachment id (att_…)')
    .option('--no-watch', 'start it and return')
    .action(async (id: string, o: { watch: boolean }) => {
      const a = api();
      const att = await a.request<AttachmentView>('DELETE', `/api/v1/attachments/${id}`);
      if (!o.watch) return emit(json(), `Detaching ${att.id}`, att);
      await followAttachment(a, att, json());
    });

  const run = async (ref: string, op: string): Promise<Task> => {
    const a = api();
    const task = await a.request<Task>('POST', `/api/v1/hosts/${await resolveHost(a, ref)}/tasks`, {
      op,
      params: {},
      deadlineSeconds: 120,
    });
    // Quietly: the answer is what gets printed (a short read-only task, no progress worth showing).
    let done = task;
    const end = Date.now() + 130_000;
    while (!['succeeded', 'failed', 'expired', 'cancelled'].includes(done.state)) {
      if (Date.now() > end)
        throw new CliFailure(`${op} did not finish in time`, [`gnm tasks watch ${task.id}`]);
      await sleep(500);
      done = await a.request<Task>('GET', `/api/v1/tasks/${task.id}`);
    }
    if (done.state !== 'succeeded') throw new CliFailure(`${op} ${done.state}: ${done.error?.message ?? ''}`);
    return done;
  };

  hosts
    .command('exposure')
    .description('which Gonka ports the host answers on beyond loopback, and whether a rule protects each')
    .argument('<host>', 'host id or name')
    .action(async (ref: string) => {
      const t = await run(ref, 'exposure.check');
      const r = t.result as {
        verdict: string;
        ports: {
          port: number;
          protocol: string;
          service: string;
          address: string;
          reachableFrom: string;
          verdict: string;
          detail: string;
        }[];
        firewall: { notes: string[] };
      };
      emit(
        json(),
        `${table(
          ['PORT', 'SERVICE', 'ADDRESS', 'REACHABLE FROM', 'VERDICT', 'DETAIL'],
          r.ports.map((p) => [
            `${p.port}/${p.protocol}`,
            p.service,
            p.address,
            p.reachableFrom,
            p.verdict,
            p.detail,
          ]),
        )}\n${r.firewall.notes.map((n) => `note: ${n}`).join('\n')}\nOverall: ${r.verdict}`,
        r,
      );
      if (r.verdict === 'critical') process.exitCode = 1;
    });

  hosts
    .command('firewall')
    .description('the firewall policy kept on the host and whether the live rules match it')
    .argument('<host>', 'host id or name')
    .action(async (ref: string) => {
      const t = await run(ref, 'firewall.status');
      const r = t.result as {
        policy: { rules: { port: number; protocol: string; allowFrom: string[]; purpose: string }[] } | null;
        families: { family: string; protected: boolean; note: string | null }[];
        warnings: string[];
      };
      emit(
        json(),
        [
          r.policy
            ? table(
                ['PORT', 'ALLOWED FROM', 'PURPOSE'],
                r.policy.rules.map((x) => [
                  `${x.port}/${x.protocol}`,
                  x.allowFrom.join(', ') || 'nobody',
                  x.purpose,
                ]),
              )
            : 'No firewall policy on this host (the product adds one when ML nodes are attached).',
          ...r.families.map(
            (f) =>
              `${f.family}: ${f.protected ? 'protected' : 'not protected'}${f.note ? ` (${f.note})` : ''}`,
          ),
          ...r.warnings.map((w) => `warning: ${w}`),
        ].join('\n'),
        r,
      );
    });
}
