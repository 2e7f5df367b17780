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

export interface ListeningSocket {
  address: string;
  port: number;
  family: 'ipv4' | 'ipv6';
}

/** Listening TCP sockets with the address each is bound to ("0.0.0.0" / "::" for every interface). */
export function listeningSockets(procRoot = '/proc'): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const [f, family] of [
    ['net/tcp', 'ipv4'],
    ['net/tcp6', 'ipv6'],
  ] as const) {
    let text = '';
    try {
      text = fs.readFileSync(`${procRoot}/${f}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] !== '0A' || !fields[1]) continue;
      const [hex = '', portHex = ''] = fields[1].split(':');
      out.push({ address: procAddress(hex, family), port: parseInt(portHex, 16), family });
    }
  }
  return out;
}

/** /proc/net/tcp addresses are 32-bit words in host (little-endian) order. */
function procAddress(hex: string, family: 'ipv4' | 'ipv6'): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  if (family === 'ipv4') return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return compressIpv6(groups);
}

/** RFC 5952 text: the longest run of two or more zero groups written as "::". */
export function compressIpv6(groups: string[]): string {
  let best = { at: -1, len: 0 };
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j;
  }
  if (best.len < 2) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}
