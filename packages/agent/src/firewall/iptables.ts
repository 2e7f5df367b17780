import { runCommand, streamCommand } from '../operations/run-command.js';
import type { Family } from './plan.js';

/**
 * iptables / ip6tables as the firewall needs them: read a chain as `-S` prints it, find our hook,
 * restore our chains atomically (`iptables-restore --noflush`: one commit per table, no other chain
 * touched), delete what is ours. Always with `-w`, so a concurrent Docker or ufw change waits for the
 * xtables lock instead of failing. Argument arrays only (invariant 2).
 */
export class Iptables {
  private readonly bin: string;
  private readonly restoreBin: string;

  constructor(readonly family: Family) {
    this.bin = family === 'ipv4' ? 'iptables' : 'ip6tables';
    this.restoreBin = `${this.bin}-restore`;
  }

  /** Undefined when usable, else why not (missing program, no kernel support, not root). */
  async unusable(): Promise<string | undefined> {
    const r = await runCommand(this.bin, ['-w', '5', '-S', 'INPUT']);
    if (r.missing) return `${this.bin} is not installed (apt install iptables)`;
    if (r.code !== 0) return `${this.bin} does not work here: ${firstLine(r.stderr) || `exit ${r.code}`}`;
    return undefined;
  }

  /** The rules of a chain as `-S` prints them (no -N/-P lines), or undefined when it does not exist. */
  async rules(chain: string): Promise<string[] | undefined> {
    const r = await runCommand(this.bin, ['-w', '5', '-S', chain]);
    if (r.code !== 0) return undefined;
    return r.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('-A '));
  }

  /** 1-based positions of the rules in `parent` that are exactly `rule` (as -S prints them). */
  async positions(parent: string, rule: string, normalize: (r: string) => string): Promise<number[]> {
    const rules = (await this.rules(parent)) ?? [];
    const want = normalize(rule);
    return rules.flatMap((r, i) => (normalize(r) === want ? [i + 1] : []));
  }

  async createChain(chain: string): Promise<void> {
    const r = await runCommand(this.bin, ['-w', '5', '-N', chain]);
    if (r.code !== 0 && !/already exists/i.test(r.stderr))
      throw new Error(`${this.bin} -N ${chain}: ${firstLine(r.stderr)}`);
  }

  async restore(input: string): Promise<void> {
    const r = await streamCommand(this.restoreBin, ['-w', '5', '--noflush'], { input, timeoutMs: 30_000 });
    if (r.missing) throw new Error(`${this.restoreBin} is not installed (apt install iptables)`);
    if (r.code !== 0)
      throw new Error(
        `${this.restoreBin} refused the rules: ${r.stderr.trim().slice(0, 600) || `exit ${r.code}`}`,
      );
  }

  /** Deletes one rule given as `-A parent …` (as -S prints it). */
  async deleteRule(rule: string): Promise<void> {
    const args = splitRule(rule.replace(/^-A /, '-D '));
    const r = await runCommand(this.bin, ['-w', '5', ...args]);
    if (r.code !== 0) throw new Error(`${this.bin} ${args.join(' ')}: ${firstLine(r.stderr)}`);
  }

  async deleteChain(chain: string): Promise<void> {
    await runCommand(this.bin, ['-w', '5', '-F', chain]);
    const r = await runCommand(this.bin, ['-w', '5', '-X', chain]);
    if (r.code !== 0 && !/No chain|does not exist/i.test(r.stderr))
      throw new Error(`${this.bin} -X ${chain}: ${firstLine(r.stderr)}`);
  }
}

/** Splits a rule as -S prints it into arguments, keeping a quoted comment as one argument. */
export function splitRule(rule: string): string[] {
  const out: string[] = [];
  for (const m of rule.matchAll(/"([^"]*)"|(\S+)/g)) out.push(m[1] ?? m[2] ?? '');
  return out;
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0]?.slice(0, 300) ?? '';
}
