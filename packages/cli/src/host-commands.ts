import readline from 'node:readline/promises';
import type { Command } from 'commander';
import type { Api } from './client.js';
import type { Enrollment, Host } from './api-types.js';
import { ago, fields, table } from './format.js';
import { CliFailure, EXIT, emit } from './output.js';

const HOST_ID = /^hst_[0-9a-f]{20}$/;

/** A host id, or the name of one of your hosts (a live host wins over revoked ones of the same name). */
export async function resolveHost(api: Api, ref: string): Promise<string> {
  if (HOST_ID.test(ref)) return ref;
  const { hosts } = await api.request<{ hosts: Host[] }>('GET', '/api/v1/hosts');
  const named = hosts.filter((h) => h.name === ref);
  const live = named.filter((h) => h.state !== 'revoked');
  const pick = live.length ? live : named;
  const [only] = pick;
  if (only && pick.length === 1) return only.id;
  if (!only) throw new CliFailure(`no host named "${ref}"`, ['`gnm hosts list` shows your hosts']);
  throw new CliFailure(
    `${pick.length} revoked hosts are named "${ref}": give the id`,
    pick.map((h) => `${h.id} (revoked ${h.revokedAt ?? ''})`),
    EXIT.usage,
  );
}

const truncate = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function hostDetails(h: Host): string {
  const when = (t: string | null) => (t ? `${t} (${ago(t)})` : '-');
  return `${h.name} (${h.id})\n${fields([
    ['state', h.state],
    ['presence', h.presence],
    ['agent', h.agentId ? `${h.agentId}${h.agentVersion ? ` ${h.agentVersion}` : ''}` : '-'],
    ['hostname', h.hostname ?? '-'],
    ['created', when(h.createdAt)],
    ['enrolled', when(h.enrolledAt)],
    ['last seen', when(h.lastSeenAt)],
    ['revoked', when(h.revokedAt)],
    ['last report', h.lastReport ? truncate(JSON.stringify(h.lastReport), 300) : '-'],
  ])}`;
}

function enrollmentText(hostName: string, e: Enrollment): string {
  const lines = [
    `Run this on ${hostName}, as root, before ${e.expiresAt} (${ago(e.expiresAt)}); the token works once:`,
    '',
    `  ${e.installCommand}`,
    '',
  ];
  if (e.warning) lines.push(`WARNING: ${e.warning}`, '');
  lines.push(`A lost or expired token: \`gnm hosts enrollment ${hostName}\` makes a new one.`);
  return lines.join('\n');
}

/** `gnm hosts list | add | show | enrollment | revoke`. */
export function registerHostCommands(program: Command, api: () => Api): void {
  const json = (): boolean => program.opts<{ json?: boolean }>().json === true;
  const hosts = program
    .command('hosts')
    .description('add, list, show and revoke hosts, and renew enrollment tokens');

  hosts
    .command('list')
    .alias('ls')
    .description('your hosts, with their presence')
    .option('--all', "every account's hosts (owner only; audited)")
    .action(async (o: { all?: boolean }) => {
      const r = await api().request<{ hosts: Host[] }>('GET', `/api/v1/hosts${o.all ? '?scope=all' : ''}`);
      emit(
        json(),
        r.hosts.length === 0
          ? 'No hosts yet: add one with `gnm hosts add <name>`.'
          : table(
              ['ID', 'NAME', 'STATE', 'PRESENCE', 'AGENT', 'HOSTNAME', 'LAST SEEN'],
              r.hosts.map((h) => [
                h.id,
                h.name,
                h.state,
                h.presence,
                h.agentVersion ?? '-',
                h.hostname ?? '-',
                ago(h.lastSeenAt),
              ]),
            ),
        r,
      );
    });

  hosts
    .command('add')
    .description('add a host: prints the one-time install command (with its pins) to run on it')
    .argument('<name>', 'a name for the host: letters, digits, spaces, dots, dashes, underscores')
    .action(async (name: string) => {
      const r = await api().request<{ host: Host; enrollment: Enrollment }>('POST', '/api/v1/hosts', {
        name,
      });
      emit(
        json(),
        `Added host ${r.host.name} (${r.host.id}).\n\n${enrollmentText(r.host.name, r.enrollment)}`,
        r,
      );
    });

  hosts
    .command('show')
    .description('one host: state, agent, last report')
    .argument('<host>', 'host id or name')
    .action(async (ref: string) => {
      const a = api();
      const h = await a.request<Host>(
        'GET',
        `/api/v1/hosts/${encodeURIComponent(await resolveHost(a, ref))}`,
      );
      emit(json(), hostDetails(h), h);
    });

  hosts
    .command('enrollment')
    .description('a new one-time enrollment token and install command for a host not enrolled yet')
    .argument('<host>', 'host id or name')
    .action(async (ref: string) => {
      const a = api();
      const id = await resolveHost(a, ref);
      const e = await a.request<Enrollment>('POST', `/api/v1/hosts/${encodeURIComponent(id)}/enrollment`);
      emit(json(), enrollmentText(HOST_ID.test(ref) ? id : ref, e), e);
    });

  hosts
    .command('revoke')
    .description(
      'revoke a host: its agent is disconnected and refused from now on, its open tasks are cancelled (cannot be undone)',
    )
    .argument('<host>', 'host id or name')
    .option('-y, --yes', 'do not ask for confirmation (needed when stdin is not a terminal)')
    .action(async (ref: string, o: { yes?: boolean }) => {
      const a = api();
      const id = await resolveHost(a, ref);
      if (!o.yes) {
        if (process.stdin.isTTY !== true)
          throw new CliFailure('revoking cannot be undone: add --yes to confirm', [], EXIT.usage);
        const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
        const answer = await rl.question(`Revoke ${ref} (${id})? This cannot be undone. [y/N] `);
        rl.close();
        if (!/^y(es)?$/i.test(answer.trim())) throw new CliFailure('not revoked');
      }
      const h = await a.request<Host>('POST', `/api/v1/hosts/${encodeURIComponent(id)}/revoke`);
      emit(json(), `Revoked ${h.name} (${h.id}).`, h);
    });
}
