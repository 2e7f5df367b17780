import fs from 'node:fs';
import type { Command } from 'commander';
import { Api } from './client.js';
import type { AuditEntry, BundleInfo, ImportResult, Trust } from './api-types.js';
import { connection } from './config.js';
import { ago, fields, table } from './format.js';
import { registerHostCommands } from './host-commands.js';
import { registerLoginCommands } from './login-commands.js';
import { CliFailure, EXIT, emit } from './output.js';
import { registerTaskCommands } from './task-commands.js';
import { registerNodeCommands } from './node-commands.js';
import { registerAttachCommands } from './attach-commands.js';

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new CliFailure(`"${v}" is not a positive integer`, [], EXIT.usage);
  return n;
};

/** Every command that talks to the control plane: login, hosts, tasks, bundle import/list/trust, audit. */
export function registerApiCommands(program: Command, bundle: Command): void {
  const json = (): boolean => program.opts<{ json?: boolean }>().json === true;
  // Resolved when a command runs, so `gnm --help` works without a login.
  const api = (): Api => new Api(connection());

  registerLoginCommands(program);
  registerHostCommands(program, api);
  registerTaskCommands(program, api);
  registerNodeCommands(program, api);
  registerAttachCommands(program, api);

  bundle
    .command('import')
    .description(
      'import a signed repository archive (from `gnm bundle export`) into the control plane (owner only)',
    )
    .argument('<archive>', 'the .tar.gz written by `gnm bundle export`')
    .action(async (file: string) => {
      let body: Buffer;
      try {
        body = fs.readFileSync(file);
      } catch (e) {
        throw new CliFailure(`cannot read ${file}: ${(e as Error).message}`, [], EXIT.usage);
      }
      const r = await api().request<ImportResult>('POST', '/api/v1/bundles', undefined, {
        body,
        contentType: 'application/gzip',
        timeoutMs: 300_000,
      });
      const lines = [
        r.changed ? `Imported ${file}.` : `${file} is already imported: nothing changed.`,
        ...r.bundles.map((b) => `  ${b.name} ${b.version} (Gonka ${b.gonkaRelease})${b.new ? '  new' : ''}`),
        `root v${r.rootVersion} (sha256 ${r.rootSha256}), targets v${r.targetsVersion}${r.resigned ? '; snapshot and timestamp re-signed with the online keys' : ''}`,
      ];
      if (r.trustEstablished)
        lines.push(
          `This archive's 1.root.json is now the trusted root: check that its sha256 ${r.initialRootSha256 ?? ''} is the one your release authority published.`,
        );
      if (r.warning) lines.push(`WARNING: ${r.warning}`);
      emit(json(), lines.join('\n'), r);
    });

  bundle
    .command('list')
    .alias('ls')
    .description('the bundles imported into the control plane')
    .action(async () => {
      const r = await api().request<{ bundles: BundleInfo[] }>('GET', '/api/v1/bundles');
      emit(
        json(),
        r.bundles.length === 0
          ? 'No bundles imported yet: `gnm bundle import <archive>`.'
          : table(
              ['NAME', 'VERSION', 'GONKA', 'FILES', 'IMPORTED'],
              r.bundles.map((b) => [
                b.name,
                b.version,
                b.gonkaRelease,
                String(b.fileCount),
                ago(b.importedAt),
              ]),
            ),
        r,
      );
    });

  bundle
    .command('trust')
    .description("the control plane's trusted root (the install commands' pin) and online-key state")
    .action(async () => {
      const t = await api().request<Trust>('GET', '/api/v1/bundles/trust');
      emit(
        json(),
        fields([
          ['root sha256', t.rootSha256 ?? '- (nothing imported yet)'],
          ['root version', t.rootVersion === null ? '-' : String(t.rootVersion)],
          [
            'timestamp expires',
            t.timestampExpiresAt ? `${t.timestampExpiresAt} (${ago(t.timestampExpiresAt)})` : '-',
          ],
          [
            'online keys',
            t.onlineKeys ? 'usable' : `missing${t.onlineKeysProblem ? `: ${t.onlineKeysProblem}` : ''}`,
          ],
        ]),
        t,
      );
    });

  program
    .command('audit')
    .description('your audit log, newest first')
    .option('--limit <n>', 'at most n entries (1-1000)', positiveInt, 50)
    .option('--before <seq>', 'entries older than this sequence number (paging)', positiveInt)
    .action(async (o: { limit: number; before?: number }) => {
      const q = new URLSearchParams({ limit: String(o.limit) });
      if (o.before !== undefined) q.set('before', String(o.before));
      const r = await api().request<{ entries: AuditEntry[] }>('GET', `/api/v1/audit?${q.toString()}`);
      emit(
        json(),
        r.entries.length === 0
          ? 'No audit entries.'
          : table(
              ['SEQ', 'WHEN', 'ACTION', 'OUTCOME', 'TARGET', 'SOURCE', 'ACTOR'],
              r.entries.map((e) => [
                String(e.seq),
                ago(e.at),
                e.action,
                e.outcome,
                e.target ?? '-',
                e.sourceIp ?? '-',
                e.actorId ?? '-',
              ]),
            ),
        r,
      );
    });
}
