import fs from 'node:fs';
import path from 'node:path';

/**
 * Which host folders a value may name. A host path (HF_HOME, SSL_CERT_SOURCE, any value that ends
 * up as a bind-mount source) is mounted, often read-write, into a third-party container: a folder
 * that is, contains or lies under a system folder, the Docker data root, the agent's state or the
 * stacks root would hand that container the host (the Docker socket, cron, root's SSH keys, the warm
 * key). The control plane applies the generic rules below to every value it stores or sends; the
 * agent applies them again with its own allow-list and roots, on the path as given and on where it
 * really leads (symbolic links resolved), and only its check counts.
 */

/** Folders a host path may lie under on a host that configured none (GNM_AGENT_HOST_PATH_ROOTS). */
export const DEFAULT_HOST_PATH_ROOTS: readonly string[] = ['/mnt', '/srv', '/data'];
/** The agent's defaults (its --stacks-root and --state-dir) and Docker's, for the control plane's check. */
export const DEFAULT_STACKS_ROOT = '/srv/gnm';
export const DEFAULT_AGENT_STATE_ROOT = '/var/lib/gnm-agent';
export const DEFAULT_DOCKER_ROOT = '/var/lib/docker';

/** The example every refusal offers. */
export const HOST_PATH_EXAMPLE = '/srv/gonka/hf-cache';

/**
 * System folders: a host path may not be one, contain one, or lie under one. /var/lib holds Docker's,
 * containerd's and the agent's data; /run and /var/run the engine's socket; /etc cron and sudoers.
 */
export const SYSTEM_ROOTS: readonly string[] = [
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/snap',
  '/sys',
  '/usr',
  '/var/backups',
  '/var/cache',
  '/var/lib',
  '/var/lock',
  '/var/log',
  '/var/mail',
  '/var/run',
  '/var/spool',
];

/**
 * Shared scratch folders: refused as such (a container given /tmp reaches every socket and file
 * other users keep there), though a folder of its own below one may be allowed by a host's roots.
 */
const SHARED_SCRATCH: readonly string[] = ['/tmp', '/var/tmp'];

export interface ProtectedRoot {
  path: string;
  /** What it is, for the refusal ("the Docker data root"). */
  what: string;
}

export interface HostPathContext {
  /**
   * A host path must lie strictly under one of these. Absent: no allow-list (the control plane, which
   * does not know the host's, applies the other rules only).
   */
  allowedRoots?: readonly string[];
  /** Further folders a host path may not be, contain or lie under. */
  protectedRoots: readonly ProtectedRoot[];
}

/** The control plane's view: the agent's and Docker's default folders, no allow-list. */
export const GENERIC_HOST_PATH_CONTEXT: HostPathContext = {
  protectedRoots: [
    { path: DEFAULT_DOCKER_ROOT, what: 'the Docker data root' },
    { path: DEFAULT_AGENT_STATE_ROOT, what: "the agent's state folder" },
    { path: DEFAULT_STACKS_ROOT, what: 'the stacks root' },
  ],
};

/** `/srv//x/./y/` → `/srv/x/y`; refuses what is not an absolute folder name or holds `..`. */
export function normaliseHostPath(v: string): { path: string } | { error: string } {
  if (!v.startsWith('/')) return { error: `must be an absolute path, such as ${HOST_PATH_EXAMPLE}` };
  if (!/^[A-Za-z0-9._/-]+$/.test(v))
    return { error: 'may contain only letters, digits, ".", "_", "-" and "/"' };
  const segments = v.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..'))
    return { error: `must not contain ".." segments: give the folder itself, such as ${HOST_PATH_EXAMPLE}` };
  return { path: `/${segments.join('/')}` };
}

const under = (p: string, root: string) => root === '/' || p === root || p.startsWith(`${root}/`);
const relation = (p: string, root: string): 'is' | 'under' | 'contains' | undefined =>
  p === root ? 'is' : under(p, root) ? 'under' : under(root, p) ? 'contains' : undefined;

/**
 * Why a host path is refused under these rules, or undefined when it is accepted. Lexical only: the
 * agent also checks where the path leads (checkHostPathOnHost).
 */
export function checkHostPath(
  v: string,
  ctx: HostPathContext = GENERIC_HOST_PATH_CONTEXT,
): string | undefined {
  const n = normaliseHostPath(v);
  if ('error' in n) return n.error;
  const p = n.path;
  const roots = ctx.allowedRoots?.flatMap((r) => {
    const root = normaliseHostPath(r);
    return 'path' in root ? [root.path] : [];
  });
  const instead = `choose a folder of its own${roots?.length ? ` under ${roots.join(', ')}` : ''}, such as ${HOST_PATH_EXAMPLE}`;
  const refuse = (why: string) => `must not be ${p}: ${why}; ${instead}`;
  if (p === '/') return refuse('it is the root of the host');
  for (const root of SYSTEM_ROOTS) {
    const r = relation(p, root);
    if (r === 'is') return refuse(`it is the system folder ${root}`);
    if (r === 'under') return refuse(`it lies in the system folder ${root}`);
    if (r === 'contains') return refuse(`it contains the system folder ${root}`);
  }
  for (const { path: rootPath, what } of ctx.protectedRoots) {
    const root = normaliseHostPath(rootPath);
    if (!('path' in root)) continue;
    const r = relation(p, root.path);
    if (r === 'is') return refuse(`it is ${what} (${root.path})`);
    if (r === 'under') return refuse(`it lies in ${what} (${root.path})`);
    if (r === 'contains') return refuse(`it contains ${what} (${root.path})`);
  }
  if (SHARED_SCRATCH.includes(p)) return refuse('it is a folder every user of the host shares');
  if (p.split('/').length === 2) return refuse('it is a top-level folder of the host');
  // A home folder holds its owner's SSH keys and shell start-up files (.ssh, .bashrc, .config…):
  // neither the home folder nor a hidden entry of it, only a visible folder inside it.
  if (p.startsWith('/home/')) {
    const rest = p.split('/').slice(2);
    if (rest.length < 2) return refuse("it is a user's home folder");
    if (rest[1]?.startsWith('.')) return refuse("it is a hidden entry of a user's home folder");
  }
  if (roots && !roots.some((r) => p !== r && under(p, r)))
    return refuse(`it is not under a folder this host allows for host paths (GNM_AGENT_HOST_PATH_ROOTS)`);
  return undefined;
}

/**
 * Where a path really leads: the real path of its longest existing prefix, with the rest appended.
 * A link that leads nowhere, or in a loop, is an error (the engine would follow it when it mounts).
 */
export function resolveOnHost(p: string): { path: string } | { error: string } {
  const rest: string[] = [];
  let existing = p;
  for (;;) {
    try {
      return { path: path.posix.join(fs.realpathSync(existing), ...rest) };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') return { error: `cannot be resolved on this host (${code ?? 'error'})` };
      let dangling = false;
      try {
        dangling = fs.lstatSync(existing).isSymbolicLink();
      } catch {
        // it does not exist: look at its parent
      }
      if (dangling) return { error: `${existing} is a symbolic link to a folder that does not exist` };
      if (existing === '/') return { path: p };
      rest.unshift(path.posix.basename(existing));
      existing = path.posix.dirname(existing);
    }
  }
}

/** A context whose folders are also given as they really are (a root may itself be a link). */
function withRealRoots(ctx: HostPathContext): HostPathContext {
  const real = (p: string) => {
    const r = resolveOnHost(p);
    return 'path' in r ? r.path : p;
  };
  return {
    allowedRoots: ctx.allowedRoots && [...new Set([...ctx.allowedRoots, ...ctx.allowedRoots.map(real)])],
    protectedRoots: [
      ...ctx.protectedRoots,
      ...ctx.protectedRoots.map((r) => ({ ...r, path: real(r.path) })).filter((r) => r.path !== '/'),
    ],
  };
}

/**
 * The agent's check: the rules on the path as given, then on where it leads on this host, so a link
 * `/srv/x -> /var/run` under an allowed root is refused too.
 */
export function checkHostPathOnHost(v: string, ctx: HostPathContext): string | undefined {
  const full = withRealRoots(ctx);
  const why = checkHostPath(v, full);
  if (why) return why;
  const n = normaliseHostPath(v);
  if (!('path' in n)) return n.error;
  const r = resolveOnHost(n.path);
  if ('error' in r) return `${r.error}; ${`choose a real folder, such as ${HOST_PATH_EXAMPLE}`}`;
  if (r.path === n.path) return undefined;
  const again = checkHostPath(r.path, full);
  return again ? `leads to ${r.path} through a symbolic link, and ${again}` : undefined;
}
