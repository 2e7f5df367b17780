import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { run } from './exec.js';
import { DATA_ROOT } from './paths.js';
import { pidAlive } from './procfs.js';

/** Debian's PostgreSQL server binaries (postgresql-15 on bookworm; any installed major works). */
function pgBin(name: string): string {
  const base = '/usr/lib/postgresql';
  const majors = fs.existsSync(base) ? fs.readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
  for (const m of majors) {
    const p = path.join(base, m, 'bin', name);
    if (fs.existsSync(p)) return p;
  }
  throw new Error(
    `PostgreSQL's ${name} not found under ${base}: install Debian's postgresql (scripts/install-test-deps.sh does)`,
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface TestPostgres {
  /** Connection URL of the `postgres` database; tests create their own databases in it. */
  url: string;
  stop: () => Promise<void>;
}

/**
 * A throw-away PostgreSQL server from Debian's packages for the test run: its own data folder,
 * loopback only, trust auth, no fsync. initdb refuses root, so it runs as the `postgres` user.
 */
export async function startPostgres(): Promise<TestPostgres> {
  fs.mkdirSync(DATA_ROOT, { recursive: true });
  const dir = fs.mkdtempSync(path.join(DATA_ROOT, 'pg-'));
  fs.chmodSync(dir, 0o755);
  // Who owns this server: `testkit:cleanup` removes servers whose owner died without stopping them.
  fs.writeFileSync(path.join(dir, 'owner.pid'), String(process.pid));
  await run('chown', ['postgres:postgres', dir]);
  const data = path.join(dir, 'data');
  const port = await freePort();
  const as = (file: string, args: string[]) =>
    run('runuser', ['-u', 'postgres', '--', file, ...args], {
      timeoutMs: 60_000,
      context: `PostgreSQL ${path.basename(file)}`,
    });
  await as(pgBin('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  await as(pgBin('pg_ctl'), [
    '-D',
    data,
    '-l',
    path.join(dir, 'server.log'),
    '-w',
    '-o',
    `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -F`,
    'start',
  ]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await as(pgBin('pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Stops and removes test PostgreSQL servers whose owning test process is gone (a run killed with
 * SIGKILL never reaches its `stop`). Returns the folders removed.
 */
export async function cleanupStalePostgres(root = DATA_ROOT): Promise<string[]> {
  if (!fs.existsSync(root)) return [];
  const removed: string[] = [];
  for (const name of fs.readdirSync(root).filter((n) => n.startsWith('pg-'))) {
    const dir = path.join(root, name);
    let owner = 0; // folders from before owner.pid existed have no owner: stale
    try {
      owner = Number(fs.readFileSync(path.join(dir, 'owner.pid'), 'utf8').trim());
    } catch {
      /* no owner recorded */
    }
    if (Number.isInteger(owner) && owner > 0 && pidAlive(owner)) continue;
    const data = path.join(dir, 'data');
    if (fs.existsSync(path.join(data, 'postmaster.pid'))) {
      await run('runuser', ['-u', 'postgres', '--', pgBin('pg_ctl'), '-D', data, '-m', 'immediate', 'stop'], {
        timeoutMs: 60_000,
        context: 'PostgreSQL pg_ctl',
      }).catch(() => undefined);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}
