import fs from 'node:fs';
import { execFileSync } from 'node:child_process';

/** CPU time and resident memory of a process, from /proc (Linux). */
export interface ProcSample {
  at: number;
  cpuSeconds: number;
  rssMB: number;
}

let clkTck = 0;
function ticksPerSecond(): number {
  if (!clkTck) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

export function sampleProc(pid: number | 'self'): ProcSample | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[11]) + Number(rest[12]);
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKB = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? 0);
    return { at: Date.now(), cpuSeconds: ticks / ticksPerSecond(), rssMB: rssKB / 1024 };
  } catch {
    return undefined;
  }
}

/** CPU used between two samples, as a percentage of one core. */
export function cpuPct(a: ProcSample | undefined, b: ProcSample | undefined): number {
  if (!a || !b || b.at <= a.at) return Number.NaN;
  return Math.round(((b.cpuSeconds - a.cpuSeconds) / ((b.at - a.at) / 1000)) * 1000) / 10;
}

/** The soft limit on open files of this process. */
export function openFileLimit(): number {
  try {
    const line = /^Max open files\s+(\S+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    return line?.[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(line?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export function readSysctl(name: string): string | undefined {
  try {
    return fs
      .readFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, 'utf8')
      .trim()
      .replace(/\s+/g, ' ');
  } catch {
    return undefined;
  }
}

/** Writes a sysctl; false where it is not allowed (a container without the right, not root). */
export function writeSysctl(name: string, value: string): boolean {
  try {
    fs.writeFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, value);
    return true;
  } catch {
    return false;
  }
}
