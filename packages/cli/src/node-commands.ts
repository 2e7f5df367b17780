import fs from 'node:fs';
import type { Command } from 'commander';
import type { Api } from './client.js';
import type { Task } from './api-types.js';
import { ago, fields } from './format.js';
import { resolveHost } from './host-commands.js';
import { CliFailure, EXIT, emit } from './output.js';
import { watchTask } from './task-commands.js';

/** A node as `GET /api/v1/nodes/:id` answers (the fields the CLI prints). */
export interface NodeView {
  id: string;
  hostId: string;
  name: string;
  role: string;
  network: string;
  state: string;
  config: Record<string, unknown>;
  release: string | null;
  lastError: string | null;
  warmKey: { address: string; pubkey: string | null; mnemonicFile: string | null } | null;
  registration: { registeredAt: string; consensusKey: string | null } | null;
  health: {
    status: string;
    reason: string;
    at: string | null;
    checks: { name: string; status: string; detail: string }[];
  };
  coldKey: {
    commands: { id: string; title: string; why: string; command: string }[];
    checklist: { id: string; title: string; state: string; hint: string }[];
  } | null;
}

const NODE_ID = /^node_[0-9a-f]{20}$/;

export async function resolveNode(api: Api, ref: string): Promise<string> {
  if (NODE_ID.test(ref)) return ref;
  const { nodes } = await api.request<{ nodes: NodeView[] }>('GET', '/api/v1/nodes');
  const named = nodes.filter((n) => n.name === ref);
  const [only] = named;
  if (only && named.length === 1) return only.id;
  if (!only) throw new CliFailure(`no node named "${ref}"`, ['`gnm node list` shows your nodes']);
  throw new CliFailure(
    `${named.length} nodes are named "${ref}": give the id`,
    named.map((n) => n.id),
    EXIT.usage,
  );
}

const MARK: Record<string, string> = { done: '[x]', pending: '[ ]', failed: '[!]', unknown: '[?]' };

export function coldKeyText(n: NodeView): string {
  if (!n.coldKey) return 'Cold-key steps: after the deploy has made the warm key.';
  const lines = [
    'On the machine that holds your cold key (never on the server), run:',
    '',
    ...n.coldKey.commands.flatMap((c) => [`# ${c.title}: ${c.why}`, c.command, '']),
    'Checklist (from the node’s setup report; it turns green by itself):',
    ...n.coldKey.checklist.map(
      (i) => `  ${MARK[i.state] ?? '[?]'} ${i.title}${i.state === 'done' ? '' : ` — ${i.hint}`}`,
    ),
  ];
  return lines.join('\n');
}

export function nodeText(n: NodeView): string {
  return `${n.name} (${n.id})\n${fields([
    ['role', `${n.role} on ${n.network}`],
    ['host', n.hostId],
    ['state', n.state],
    ['release', n.release ?? '-'],
    ['health', `${n.health.status}: ${n.health.reason}${n.health.at ? ` (${ago(n.health.at)})` : ''}`],
    ['warm key', n.warmKey ? n.warmKey.address : '-'],
    [
      'mnemonic',
      n.warmKey?.mnemonicFile
        ? `on the host, ${n.warmKey.mnemonicFile} (copy it to safe offline storage)`
        : '-',
    ],
    [
      'registered',
      n.registration ? `${n.registration.registeredAt} (${ago(n.registration.registeredAt)})` : '-',
    ],
    ['last error', n.lastError ?? '-'],
  ])}\n\n${coldKeyText(n)}`;
}

function collect(v: string, all: string[]): string[] {
  return [...all, v];
}

/** `gnm node create | list | show | deploy | register | health | commands | download | backup`. */
export function registerNodeCommands(program: Command, api: () => Api): void {
  const json = (): boolean => program.opts<{ json?: boolean }>().json === true;
  const node = program.command('node').description('configure, deploy, register and follow Gonka nodes');

  node
    .command('create')
    .description('configure a node on a host (public values only; the cold key stays on your machine)')
    .argument('<host>', 'host id or name')
    .requiredOption('--name <name>', 'a name for the node')
    .option('--role <role>', 'network, mlnode or full', 'full')
    .option('--network <network>', 'mainnet, testnet or sim', 'mainnet')
    .option('--public-host <address>', 'the address the world reaches this host at')
    .option(
      '--account-pubkey <base64>',
      'your cold key’s public key (the "key" value of inferenced keys show)',
    )
    .option('--seed-api <url>', 'the seed node’s API (sim/testnet)')
    .option('--seed-p2p <tcp://host:port>', 'the seed node’s P2P address (sim/testnet)')
    .option('--api-port <port>', 'host port of the proxy', (v) => Number(v))
    .option('--api-external-port <port>', 'the API port the world uses (NAT)', (v) => Number(v))
    .option('--p2p-external-port <port>', 'the P2P port the world uses (NAT)', (v) => Number(v))
    .option('--hf-home <path>', 'the model cache on the host')
    .option('--key-name <name>', 'the warm key’s name')
    .option('--set <NAME=value>', 'another bundle parameter (repeatable)', collect, [])
    .option('--config <file>', 'a JSON configuration to start from (flags override it)')
    .action(async (ref: string, o: Record<string, unknown>) => {
      const a = api();
      let config: Record<string, unknown> = {};
      if (typeof o.config === 'string') {
        try {
          config = JSON.parse(fs.readFileSync(o.config, 'utf8')) as Record<string, unknown>;
        } catch (e) {
          throw new CliFailure(`cannot read ${o.config}: ${(e as Error).message}`, [], EXIT.usage);
        }
      }
      const set = (k: string, v: unknown) => {
        if (v !== undefined) config[k] = v;
      };
      set('name', o.name);
      set('role', o.role);
      set('network', o.network);
      set('publicHost', o.publicHost);
      set('accountPubkey', o.accountPubkey);
      set('hfHome', o.hfHome);
      set('keyName', o.keyName);
      if (o.seedApi || o.seedP2p) set('seed', { apiUrl: o.seedApi, p2pAddress: o.seedP2p });
      const ports = { ...((config.ports as object | undefined) ?? {}) } as Record<string, number>;
      if (typeof o.apiPort === 'number') ports.api = o.apiPort;
      if (typeof o.apiExternalPort === 'number') ports.apiExternal = o.apiExternalPort;
      if (typeof o.p2pExternalPort === 'number') ports.p2pExternal = o.p2pExternalPort;
      if (Object.keys(ports).length) config.ports = ports;
      const extra = { ...((config.extraValues as object | undefined) ?? {}) } as Record<string, string>;
      for (const kv of o.set as string[]) {
        const i = kv.indexOf('=');
        if (i < 1) throw new CliFailure(`--set ${kv}: expected NAME=value`, [], EXIT.usage);
        extra[kv.slice(0, i)] = kv.slice(i + 1);
      }
      if (Object.keys(extra).length) config.extraValues = extra;
      const hostId = await resolveHost(a, ref);
      const n = await a.request<NodeView>('POST', '/api/v1/nodes', { hostId, config });
      emit(json(), `Configured ${n.role} node ${n.name} (${n.id}).\nNext: gnm node deploy ${n.name}`, n);
    });

  node
    .command('list')
    .alias('ls')
    .description('your nodes with their state and health')
    .option('--all', "every account's nodes (owner only; audited)")
    .action(async (o: { all?: boolean }) => {
      const r = await api().request<{ nodes: NodeView[] }>(
        'GET',
        `/api/v1/nodes${o.all ? '?scope=all' : ''}`,
      );
      const { table } = await import('./format.js');
      emit(
        json(),
        r.nodes.length === 0
          ? 'No nodes yet: configure one with `gnm node create <host> --name …`.'
          : table(
              ['ID', 'NAME', 'ROLE', 'NETWORK', 'STATE', 'HEALTH', 'REASON'],
              r.nodes.map((n) => [
                n.id,
                n.name,
                n.role,
                n.network,
                n.state,
                n.health.status,
                n.health.reason,
              ]),
            ),
        r,
      );
    });

  node
    .command('show')
    .description('one node: state, health, warm key, the cold-key commands and checklist')
    .argument('<node>', 'node id or name')
    .action(async (ref: string) => {
      const a = api();
      const n = await a.request<NodeView>('GET', `/api/v1/nodes/${await resolveNode(a, ref)}`);
      emit(json(), nodeText(n), n);
    });

  node
    .command('commands')
    .description('the cold-key commands to run on your own machine, and the checklist')
    .argument('<node>', 'node id or name')
    .action(async (ref: string) => {
      const a = api();
      const n = await a.request<NodeView>('GET', `/api/v1/nodes/${await resolveNode(a, ref)}`);
      emit(json(), coldKeyText(n), n.coldKey);
    });

  const follow = async (a: Api, task: Task, watch: boolean): Promise<void> => {
    if (!watch) return emit(json(), `Queued ${task.op} as ${task.id}: gnm tasks watch ${task.id}`, task);
    const done = await watchTask(a, task.id, json());
    if (done.state !== 'succeeded')
      throw new CliFailure(`${done.op} ${done.state}${done.error ? `: ${done.error.message}` : ''}`);
  };

  node
    .command('deploy')
    .description('deploy the node through its host’s agent, following the progress')
    .argument('<node>', 'node id or name')
    .option('--accept <check>', 'accept a critical preflight finding by its name (repeatable)', collect, [])
    .option('--no-watch', 'queue it and return')
    .action(async (ref: string, o: { accept: string[]; watch: boolean }) => {
      const a = api();
      const id = await resolveNode(a, ref);
      const task = await a.request<Task>('POST', `/api/v1/nodes/${id}/deploy`, { acceptWarnings: o.accept });
      await follow(a, task, o.watch);
      if (o.watch && !json()) {
        const n = await a.request<NodeView>('GET', `/api/v1/nodes/${id}`);
        process.stdout.write(`\n${nodeText(n)}\n`);
      }
    });

  node
    .command('register')
    .description('check the node is reachable from outside, then register it with the network')
    .argument('<node>', 'node id or name')
    .option('--no-watch', 'queue it and return')
    .action(async (ref: string, o: { watch: boolean }) => {
      const a = api();
      const id = await resolveNode(a, ref);
      const r = await a.request<{
        task: Task;
        reachability: { publicUrl: { detail: string }; p2p: { detail: string } };
      }>('POST', `/api/v1/nodes/${id}/register`);
      if (!json()) process.stdout.write(`${r.reachability.publicUrl.detail}\n${r.reachability.p2p.detail}\n`);
      await follow(a, r.task, o.watch);
    });

  node
    .command('health')
    .description('read the node’s health now and show it')
    .argument('<node>', 'node id or name')
    .action(async (ref: string) => {
      const a = api();
      const id = await resolveNode(a, ref);
      const task = await a.request<Task>('POST', `/api/v1/nodes/${id}/health`);
      const done = await watchTask(a, task.id, true).catch(() => undefined);
      void done;
      const n = await a.request<NodeView>('GET', `/api/v1/nodes/${id}`);
      emit(
        json(),
        `${n.health.status}: ${n.health.reason}\n${n.health.checks.map((c) => `  ${c.status.padEnd(8)} ${c.name}: ${c.detail}`).join('\n')}`,
        n.health,
      );
    });

  node
    .command('download')
    .description('download the configured model into HF_HOME through the ML node (resumes)')
    .argument('<node>', 'node id or name')
    .option('--no-watch', 'queue it and return')
    .action(async (ref: string, o: { watch: boolean }) => {
      const a = api();
      const task = await a.request<Task>('POST', `/api/v1/nodes/${await resolveNode(a, ref)}/model-download`);
      await follow(a, task, o.watch);
    });

  node
    .command('backup')
    .description('encrypt the host’s keys to your age public key into a file on the host')
    .argument('<node>', 'node id or name')
    .requiredOption('--recipient <age1…>', 'your age public key (age-keygen -y on your machine)')
    .action(async (ref: string, o: { recipient: string }) => {
      const a = api();
      const task = await a.request<Task>('POST', `/api/v1/nodes/${await resolveNode(a, ref)}/keys/backup`, {
        recipient: o.recipient,
      });
      await follow(a, task, true);
    });
}
