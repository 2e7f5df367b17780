import fs from 'node:fs';

/**
 * Ports with a listening TCP socket, read from /proc/net/tcp{,6} — never by binding a port, which
 * would disturb the very services being checked (and the agent never listens, DESIGN invariant 1).
 */
export function parseProcNetTcp(text: string): number[] {
  const ports = new Set<number>();
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const local = f[1];
    const state = f[3];
    if (!local || state !== '0A') continue; // 0A = LISTEN
    const port = parseInt(local.split(':').pop() ?? '', 16);
    if (Number.isFinite(port)) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}

export function listeningPorts(procRoot = '/proc'): number[] {
  const all = new Set<number>();
  for (const f of ['net/tcp', 'net/tcp6']) {
    try {
      for (const p of parseProcNetTcp(fs.readFileSync(`${procRoot}/${f}`, 'utf8'))) all.add(p);
    } catch {
      /* no IPv6, or not Linux */
    }
  }
  return [...all].sort((a, b) => a - b);
}
