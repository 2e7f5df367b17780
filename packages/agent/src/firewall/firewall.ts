import fs from 'node:fs';
import path from 'node:path';
import { FirewallPolicy } from '@gnm/protocol';
import { OperationFailure } from '../operations/registry.js';
import { writeFileAtomic } from '../state/files.js';
import { Iptables } from './iptables.js';
import {
  CHAINS,
  diffChain,
  normalizeRule,
  planFamily,
  restoreInput,
  type ChainDiff,
  type Family,
  type FamilyPlan,
  type Hook,
} from './plan.js';

export interface FamilyState {
  family: Family;
  /** Whether this family's traffic to the policy's ports is filtered by our rules. */
  protected: boolean;
  /** Why not, or what to know (no IPv6 address, no DOCKER-USER for IPv6). */
  note: string | null;
  dockerUser: boolean;
  /** Rules that differ from the policy (empty when the live rules match it). */
  diff: ChainDiff[];
  /** Our hooks: where each sits in its parent chain (null: missing). */
  hooks: { parent: string; position: number | null }[];
}

export interface FirewallResult {
  applied: boolean;
  policy: FirewallPolicy | null;
  families: FamilyState[];
  warnings: string[];
}

const policyFile = (stateDir: string) => path.join(stateDir, 'firewall', 'policy.json');

/** The policy kept on the host (applied again at every agent start), or null. */
export function storedPolicy(stateDir: string): FirewallPolicy | null {
  try {
    return FirewallPolicy.parse(JSON.parse(fs.readFileSync(policyFile(stateDir), 'utf8')));
  } catch {
    return null;
  }
}

/**
 * firewall.apply: plans both families, shows the diff, and unless it is a dry run writes our chains and
 * missing hooks in one `iptables-restore --noflush` per family, reads them back and compares. The
 * policy is kept only once IPv4 is in place (IPv4 failing fails the operation; IPv6 that cannot be
 * filtered is reported as unprotected, with why).
 */
export async function applyFirewall(
  p: { policy: FirewallPolicy; dryRun: boolean },
  stateDir: string,
  emit: (log: string) => void = () => {},
): Promise<FirewallResult> {
  const families: FamilyState[] = [];
  const warnings: string[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const ipt = new Iptables(family);
    const why = await ipt.unusable();
    if (why) {
      if (family === 'ipv4')
        throw new OperationFailure('firewall-unavailable', `${why}; nothing was changed`);
      families.push(unprotected(family, `${why}: IPv6 traffic to these ports is not filtered`, hasIpv6()));
      continue;
    }
    // IPv4: Docker's DOCKER-USER is where published ports are filtered; create it if dockerd has not
    // yet (Docker keeps an existing one and jumps to it). IPv6: only if dockerd made it itself.
    let dockerUser = (await ipt.rules('DOCKER-USER')) !== undefined;
    if (!dockerUser && family === 'ipv4' && !p.dryRun) {
      await ipt.createChain('DOCKER-USER');
      dockerUser = true;
    }
    const plan = planFamily(p.policy, family, dockerUser || family === 'ipv4');
    const before = await liveState(ipt, plan, dockerUser);
    const missing = plan.hooks.filter((h) => !before.hooks.find((x) => x.parent === h.parent)?.position);
    for (const d of before.diff)
      for (const r of [...d.remove.map((x) => `- ${x}`), ...d.add.map((x) => `+ ${x}`)])
        emit(`${family} ${r}`);
    for (const h of missing) emit(`${family} + hook ${h.parent} → ${h.chain} (first rule)`);
    if (p.dryRun) {
      families.push(before);
      continue;
    }
    try {
      await ipt.restore(restoreInput(plan, missing));
    } catch (e) {
      if (family === 'ipv4')
        throw new OperationFailure(
          'firewall-refused',
          `${(e as Error).message}; the IPv4 rules were not changed`,
        );
      families.push(
        unprotected(
          family,
          `${(e as Error).message}: IPv6 traffic to these ports is not filtered`,
          hasIpv6(),
        ),
      );
      continue;
    }
    const after = await liveState(ipt, plan, dockerUser);
    if (after.diff.some((d) => d.add.length || d.remove.length))
      throw new OperationFailure(
        'firewall-mismatch',
        `${family} rules read back differ from the policy: ${JSON.stringify(after.diff).slice(0, 600)}`,
      );
    for (const h of after.hooks)
      if (h.position && h.position > 1)
        warnings.push(
          `${family}: our hook is rule ${h.position} of ${h.parent}; the rules before it (added by someone else) are matched first`,
        );
    families.push(after);
  }
  if (!p.dryRun) writeFileAtomic(policyFile(stateDir), `${JSON.stringify(p.policy)}\n`, 0o600);
  return {
    applied: !p.dryRun,
    policy: p.policy,
    families,
    warnings: [...warnings, ...ipv6Warnings(families)],
  };
}

/** firewall.status: the kept policy against the live rules of both families. */
export async function firewallStatus(stateDir: string): Promise<FirewallResult> {
  const policy = storedPolicy(stateDir);
  const families: FamilyState[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const ipt = new Iptables(family);
    const why = await ipt.unusable();
    if (why) {
      families.push(unprotected(family, why, hasIpv6()));
      continue;
    }
    const dockerUser = (await ipt.rules('DOCKER-USER')) !== undefined;
    const plan = planFamily(policy ?? { rules: [] }, family, dockerUser || family === 'ipv4');
    const s = await liveState(ipt, plan, dockerUser);
    families.push(policy ? s : { ...s, protected: false, note: 'no policy on this host' });
  }
  return { applied: false, policy, families, warnings: policy ? ipv6Warnings(families) : [] };
}

/** firewall.remove: our hooks and chains out of both families, the kept policy forgotten. */
export async function removeFirewall(
  p: { dryRun: boolean },
  stateDir: string,
  emit: (log: string) => void = () => {},
): Promise<FirewallResult> {
  const families: FamilyState[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const ipt = new Iptables(family);
    if (await ipt.unusable()) continue;
    const plan = planFamily({ rules: [] }, family, true);
    for (const h of plan.hooks) {
      const positions = await ipt.positions(h.parent, h.rule, normalizeRule);
      for (let n = positions.length; n > 0; n--) {
        emit(`${family} - hook ${h.parent} → ${h.chain}`);
        if (!p.dryRun) await ipt.deleteRule(h.rule);
      }
    }
    for (const chain of Object.values(CHAINS)) {
      const rules = await ipt.rules(chain);
      if (rules === undefined) continue;
      emit(`${family} - chain ${chain} (${rules.length} rules)`);
      if (!p.dryRun) await ipt.deleteChain(chain);
    }
    families.push({
      family,
      protected: false,
      note: p.dryRun ? 'would be removed' : 'removed',
      dockerUser: false,
      diff: [],
      hooks: [],
    });
  }
  if (!p.dryRun) fs.rmSync(policyFile(stateDir), { force: true });
  return { applied: !p.dryRun, policy: null, families, warnings: [] };
}

/**
 * At agent start: the kept policy applied again (rules do not survive a reboot, and a dockerd restart
 * or someone's `iptables -F` may have dropped our hook). A failure is logged, never fatal: the agent
 * must come up to be told what to do.
 */
export async function reapplyKeptPolicy(
  stateDir: string,
  log: (level: 'info' | 'warn', msg: string) => void,
): Promise<void> {
  const policy = storedPolicy(stateDir);
  if (!policy) return;
  try {
    const r = await applyFirewall({ policy, dryRun: false }, stateDir);
    const changed = r.families.some((f) => f.diff.length);
    log(
      'info',
      `firewall policy applied again at start (${policy.rules.length} ports${changed ? '' : ', unchanged'})`,
    );
    for (const w of r.warnings) log('warn', w);
  } catch (e) {
    log('warn', `the kept firewall policy could not be applied at start: ${(e as Error).message}`);
  }
}

async function liveState(ipt: Iptables, plan: FamilyPlan, dockerUser: boolean): Promise<FamilyState> {
  const diff: ChainDiff[] = [];
  for (const [chain, wanted] of Object.entries(plan.chains)) {
    const d = diffChain(plan.family, chain, (await ipt.rules(chain)) ?? [], wanted);
    if (d.add.length || d.remove.length) diff.push(d);
  }
  const hooks: FamilyState['hooks'] = [];
  for (const h of plan.hooks as Hook[]) {
    const at = await ipt.positions(h.parent, h.rule, normalizeRule);
    hooks.push({ parent: h.parent, position: at[0] ?? null });
  }
  const intact = !diff.length && hooks.every((h) => h.position !== null);
  const v6 = plan.family === 'ipv6';
  return {
    family: plan.family,
    protected: intact,
    note: intact
      ? v6 && !dockerUser
        ? 'dockerd does not filter IPv6 (no ip6tables DOCKER-USER): published ports reach IPv6 clients through docker-proxy, filtered on INPUT'
        : null
      : 'the live rules differ from the policy (apply it again)',
    dockerUser,
    diff,
    hooks,
  };
}

function unprotected(family: Family, why: string, ipv6: boolean): FamilyState {
  return {
    family,
    protected: false,
    note: family === 'ipv6' && !ipv6 ? `${why} (this host has no global IPv6 address)` : why,
    dockerUser: false,
    diff: [],
    hooks: [],
  };
}

function ipv6Warnings(families: FamilyState[]): string[] {
  const v6 = families.find((f) => f.family === 'ipv6');
  return v6 && !v6.protected && hasIpv6() ? [`IPv6 is not protected: ${v6.note ?? 'unknown'}`] : [];
}

/** Whether the host has a global IPv6 address (/proc/net/if_inet6, scope 00). */
function hasIpv6(): boolean {
  try {
    return fs
      .readFileSync('/proc/net/if_inet6', 'utf8')
      .split('\n')
      .some((l) => l.trim().split(/\s+/)[3] === '00');
  } catch {
    return false;
  }
}
