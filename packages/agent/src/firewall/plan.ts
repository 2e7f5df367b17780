import net from 'node:net';
import type { FirewallPolicy } from '@gnm/protocol';

/**
 * The firewall policy turned into iptables rules — pure, so the exact rules are unit-tested and a dry
 * run can show them. Everything the agent writes lives in two chains of its own per address family:
 *
 * - `GNM-FWD`, jumped to first from `DOCKER-USER`: traffic to published container ports. Docker's DNAT
 *   has already rewritten the destination there, so rules match the port the client dialled with
 *   `-m conntrack --ctorigdstport`, and only for connections that were DNATed (`--ctstate DNAT`: a
 *   published port, not container-to-container traffic on a compose network) and only for packets of
 *   the original direction (`--ctdir ORIGINAL`: replies of an allowed connection are never matched).
 * - `GNM-IN`, jumped to first from `INPUT`: sockets of the host itself (host-network services, and
 *   docker-proxy, which is how published ports are reached over IPv6 and from the host's own bridges).
 *
 * Traffic from this host's own containers (docker0, br-*) and loopback is never restricted. For each
 * restricted port: RETURN for each allowed source, then REJECT (icmp admin-prohibited, so a blocked
 * client fails at once and `gnm` can tell "blocked by the firewall" from "nothing listens"). Each chain
 * ends with RETURN, so anything not named goes on to the rules of DOCKER-USER / INPUT after our hook,
 * untouched. Nobody else's rule is flushed, reordered or edited.
 */
export type Family = 'ipv4' | 'ipv6';

export const CHAINS = { forward: 'GNM-FWD', input: 'GNM-IN' } as const;
export const HOOK_COMMENT = 'gnm: firewall hook (gnm-agent)';

export interface Hook {
  /** The built-in or Docker chain we hook into. */
  parent: 'DOCKER-USER' | 'INPUT';
  chain: string;
  /** The rule as `iptables -S` prints it. */
  rule: string;
}

export interface FamilyPlan {
  family: Family;
  /** Chain name → rules as `iptables -S <chain>` prints them (without the -N line). */
  chains: Record<string, string[]>;
  hooks: Hook[];
}

const LOCAL = ['-i lo', '-i docker0', '-i br-+'];

export function hookRule(parent: Hook['parent'], chain: string): string {
  return `-A ${parent} -m comment --comment "${HOOK_COMMENT}" -j ${chain}`;
}

/**
 * The rules of one family. `dockerUser` says whether that family has Docker's DOCKER-USER chain
 * (IPv6 has it only when dockerd runs with ip6tables; without it, IPv6 clients reach published ports
 * through docker-proxy, on INPUT).
 */
export function planFamily(policy: FirewallPolicy, family: Family, dockerUser: boolean): FamilyPlan {
  const reject = family === 'ipv4' ? 'icmp-admin-prohibited' : 'icmp6-adm-prohibited';
  const fwd: string[] = [];
  const inp: string[] = [];
  for (const l of LOCAL) {
    if (l !== '-i lo') fwd.push(`-A ${CHAINS.forward} ${l} -j RETURN`);
    inp.push(`-A ${CHAINS.input} ${l} -j RETURN`);
  }
  for (const r of policy.rules) {
    const comment = `-m comment --comment "gnm: ${r.purpose}"`;
    const sources = r.allowFrom.map(canonicalSource).filter((s) => s.family === family);
    const match = (chain: string) =>
      chain === CHAINS.forward
        ? `-p ${r.protocol} -m conntrack --ctstate DNAT --ctorigdstport ${r.port} --ctdir ORIGINAL`
        : `-p ${r.protocol} -m conntrack --ctorigdstport ${r.port} --ctdir ORIGINAL`;
    for (const [chain, out] of [
      [CHAINS.forward, fwd],
      [CHAINS.input, inp],
    ] as const) {
      for (const s of sources) out.push(`-A ${chain} -s ${s.text} ${match(chain)} ${comment} -j RETURN`);
      out.push(`-A ${chain} ${match(chain)} ${comment} -j REJECT --reject-with ${reject}`);
    }
  }
  fwd.push(`-A ${CHAINS.forward} -j RETURN`);
  inp.push(`-A ${CHAINS.input} -j RETURN`);
  const hooks: Hook[] = [{ parent: 'INPUT', chain: CHAINS.input, rule: hookRule('INPUT', CHAINS.input) }];
  const chains: Record<string, string[]> = dockerUser
    ? { [CHAINS.forward]: fwd, [CHAINS.input]: inp }
    : { [CHAINS.input]: inp };
  if (dockerUser) {
    hooks.unshift({
      parent: 'DOCKER-USER',
      chain: CHAINS.forward,
      rule: hookRule('DOCKER-USER', CHAINS.forward),
    });
  }
  return { family, chains, hooks };
}

/** The `iptables-restore --noflush` input: our chains declared (which empties only them), filled, hooked. */
export function restoreInput(plan: FamilyPlan, missingHooks: Hook[]): string {
  const lines = ['*filter'];
  for (const c of Object.keys(plan.chains)) lines.push(`:${c} - [0:0]`);
  for (const rules of Object.values(plan.chains)) lines.push(...rules);
  // Inserted first in the parent chain: our restrictions come before anyone's ACCEPT for those ports.
  for (const h of missingHooks) lines.push(h.rule.replace(/^-A (\S+) /, '-I $1 1 '));
  lines.push('COMMIT', '');
  return lines.join('\n');
}

export interface ChainDiff {
  family: Family;
  chain: string;
  add: string[];
  remove: string[];
}

/** What applying would change in one chain (rules compared in their canonical form). */
export function diffChain(family: Family, chain: string, current: string[], wanted: string[]): ChainDiff {
  const cur = current.map(normalizeRule);
  const want = wanted.map(normalizeRule);
  const same = cur.length === want.length && cur.every((r, i) => r === want[i]);
  if (same) return { family, chain, add: [], remove: [] };
  return {
    family,
    chain,
    add: wanted.filter((_r, i) => !cur.includes(want[i] ?? '')),
    remove: current.filter((_r, i) => !want.includes(cur[i] ?? '')),
  };
}

/**
 * A rule in one canonical form, so ours and what `iptables -S` prints compare equal: iptables writes
 * `10.0.0.5/32` for `10.0.0.5`, masks host bits of a CIDR, and compresses IPv6 addresses.
 */
export function normalizeRule(rule: string): string {
  return rule
    .trim()
    .replace(/-s (\S+)/, (_m, s: string) => `-s ${canonicalSource(s).text}`)
    .replace(/\s+/g, ' ');
}

/** An address or CIDR with its prefix, host bits masked; IPv6 written out in full. */
export function canonicalSource(s: string): { family: Family; text: string } {
  const [addr = '', prefix] = s.split('/');
  if (net.isIP(addr) === 4) {
    const bits = prefix === undefined ? 32 : Number(prefix);
    const n = addr.split('.').reduce((a, o) => a * 256 + Number(o), 0);
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    const m = (n & mask) >>> 0;
    return { family: 'ipv4', text: `${[24, 16, 8, 0].map((sh) => (m >>> sh) & 255).join('.')}/${bits}` };
  }
  const bits = prefix === undefined ? 128 : Number(prefix);
  const words = expandIpv6(addr);
  const masked = words.map((w, i) => {
    const keep = Math.max(0, Math.min(16, bits - i * 16));
    return keep === 16 ? w : keep === 0 ? 0 : w & ((0xffff << (16 - keep)) & 0xffff);
  });
  return { family: 'ipv6', text: `${masked.map((w) => w.toString(16)).join(':')}/${bits}` };
}

function expandIpv6(a: string): number[] {
  let s = a.toLowerCase();
  // An embedded IPv4 tail (::ffff:10.0.0.1) as two words.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4?.[1]) {
    const o = v4[1].split('.').map(Number);
    s =
      s.slice(0, -v4[1].length) +
      `${(((o[0] ?? 0) << 8) | (o[1] ?? 0)).toString(16)}:${(((o[2] ?? 0) << 8) | (o[3] ?? 0)).toString(16)}`;
  }
  const [head = '', tail] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((x) => parseInt(x, 16) || 0);
}
