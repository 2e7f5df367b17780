import fs from 'node:fs';

/** Inode of a namespace handle (a /run/netns file, a bind-mounted mount-ns file or /proc/PID/ns/X). */
export function nsInode(file: string): number | undefined {
  try {
    return fs.statSync(file).ino;
  } catch {
    return undefined;
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function allPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

function readlinkSafe(p: string): string | undefined {
  try {
    return fs.readlinkSync(p);
  } catch {
    return undefined;
  }
}

function readSafe(p: string): string {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

/**
 * PIDs that belong to a harness host: inside its network or mount namespace, or inside one of its
 * cgroups (containers live in their own namespaces but under the host's cgroup parent).
 */
export function findHostPids(opts: {
  netnsInode?: number;
  mntInode?: number;
  cgroupPrefix?: string;
}): number[] {
  const found: number[] = [];
  for (const pid of allPids()) {
    if (pid === process.pid) continue;
    const net = readlinkSafe(`/proc/${pid}/ns/net`);
    const mnt = readlinkSafe(`/proc/${pid}/ns/mnt`);
    const inNet = opts.netnsInode !== undefined && net === `net:[${opts.netnsInode}]`;
    const inMnt = opts.mntInode !== undefined && mnt === `mnt:[${opts.mntInode}]`;
    const inCg =
      opts.cgroupPrefix !== undefined && readSafe(`/proc/${pid}/cgroup`).includes(`/${opts.cgroupPrefix}`);
    if (inNet || inMnt || inCg) found.push(pid);
  }
  return found;
}

/** Lines of /proc/self/mountinfo whose mount point or source contains `needle`. */
export function mountsContaining(needle: string): string[] {
  return readSafe('/proc/self/mountinfo')
    .split('\n')
    .filter((l) => l.includes(needle));
}

/** Every cgroup directory (any hierarchy, v1 or v2) whose name starts with `prefix`, deepest first. */
export function cgroupDirs(prefix: string): string[] {
  const out: string[] = [];
  const roots = ['/sys/fs/cgroup'];
  const walk = (dir: string, depth: number): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = `${dir}/${e.name}`;
      if (e.name.startsWith(prefix)) {
        collect(p);
      } else if (depth < 2) {
        walk(p, depth + 1);
      }
    }
  };
  const collect = (p: string): void => {
    try {
      for (const e of fs.readdirSync(p, { withFileTypes: true })) {
        if (e.isDirectory()) collect(`${p}/${e.name}`);
      }
    } catch {
      /* vanished */
    }
    out.push(p);
  };
  for (const r of roots) walk(r, 0);
  return out;
}

/**
 * The listening sockets a process holds (TCP LISTEN, any UDP), from /proc: its socket inodes matched
 * against the tables of its own network namespace. Used to prove an agent never listens.
 */
export function listeningSocketsOf(pid: number): { sockets: number; listening: string[] } {
  const inodes = new Set(
    fs
      .readdirSync(`/proc/${pid}/fd`)
      .map((fd) => {
        try {
          return /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        } catch {
          return undefined; // closed meanwhile
        }
      })
      .filter((x): x is string => Boolean(x)),
  );
  const listening: string[] = [];
  for (const table of ['tcp', 'tcp6', 'udp', 'udp6'])
    for (const line of fs.readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[9] && inodes.has(cols[9]) && (cols[3] === '0A' || table.startsWith('udp')))
        listening.push(`${table} ${cols[1] ?? ''}`);
    }
  return { sockets: inodes.size, listening };
}
