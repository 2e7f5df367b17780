import { describe, expect, it } from 'vitest';
import { FirewallPolicy } from '@gnm/protocol';
import { CHAINS, canonicalSource, diffChain, normalizeRule, planFamily, restoreInput } from './plan.js';

const policy = FirewallPolicy.parse({
  rules: [
    { port: 8080, allowFrom: ['10.0.0.1', 'fd00::1'], purpose: 'ML node API (network node only)' },
    { port: 9200, allowFrom: [], purpose: 'Admin API (nobody)' },
    { port: 30303, protocol: 'udp', allowFrom: ['10.0.0.0/24'], purpose: 'bridge' },
  ],
});

describe('firewall plan', () => {
  it('IPv4: published ports matched on the original destination port, only DNATed original-direction packets', () => {
    const p = planFamily(policy, 'ipv4', true);
    expect(p.chains[CHAINS.forward]).toEqual([
      '-A GNM-FWD -i docker0 -j RETURN',
      '-A GNM-FWD -i br-+ -j RETURN',
      '-A GNM-FWD -s 10.0.0.1/32 -p tcp -m conntrack --ctstate DNAT --ctorigdstport 8080 --ctdir ORIGINAL -m comment --comment "gnm: ML node API (network node only)" -j RETURN',
      '-A GNM-FWD -p tcp -m conntrack --ctstate DNAT --ctorigdstport 8080 --ctdir ORIGINAL -m comment --comment "gnm: ML node API (network node only)" -j REJECT --reject-with icmp-admin-prohibited',
      '-A GNM-FWD -p tcp -m conntrack --ctstate DNAT --ctorigdstport 9200 --ctdir ORIGINAL -m comment --comment "gnm: Admin API (nobody)" -j REJECT --reject-with icmp-admin-prohibited',
      '-A GNM-FWD -s 10.0.0.0/24 -p udp -m conntrack --ctstate DNAT --ctorigdstport 30303 --ctdir ORIGINAL -m comment --comment "gnm: bridge" -j RETURN',
      '-A GNM-FWD -p udp -m conntrack --ctstate DNAT --ctorigdstport 30303 --ctdir ORIGINAL -m comment --comment "gnm: bridge" -j REJECT --reject-with icmp-admin-prohibited',
      '-A GNM-FWD -j RETURN',
    ]);
    expect(p.chains[CHAINS.input]?.[0]).toBe('-A GNM-IN -i lo -j RETURN');
    expect(p.chains[CHAINS.input]).toContain(
      '-A GNM-IN -p tcp -m conntrack --ctorigdstport 9200 --ctdir ORIGINAL -m comment --comment "gnm: Admin API (nobody)" -j REJECT --reject-with icmp-admin-prohibited',
    );
    expect(p.hooks.map((h) => h.parent)).toEqual(['DOCKER-USER', 'INPUT']);
  });

  it('IPv6: only IPv6 sources, icmp6 rejects, no DOCKER-USER hook when dockerd has none', () => {
    const p = planFamily(policy, 'ipv6', false);
    expect(Object.keys(p.chains)).toEqual([CHAINS.input]);
    const rules = p.chains[CHAINS.input]?.join('\n') ?? '';
    expect(rules).toContain('-s fd00:0:0:0:0:0:0:1/128');
    expect(rules).not.toContain('10.0.0');
    expect(rules).toContain('icmp6-adm-prohibited');
    expect(p.hooks.map((h) => h.parent)).toEqual(['INPUT']);
  });

  it('restore input: declares (empties) only our chains and inserts missing hooks first', () => {
    const p = planFamily(policy, 'ipv4', true);
    const text = restoreInput(p, p.hooks.slice(0, 1));
    expect(text.split('\n')[0]).toBe('*filter');
    expect(text).toContain(':GNM-FWD - [0:0]\n:GNM-IN - [0:0]\n');
    expect(text).not.toMatch(/^:(INPUT|FORWARD|DOCKER-USER)/m);
    expect(text).toContain(
      '-I DOCKER-USER 1 -m comment --comment "gnm: firewall hook (gnm-agent)" -j GNM-FWD',
    );
    expect(text).not.toContain('-I INPUT');
    expect(text.trimEnd().endsWith('COMMIT')).toBe(true);
  });

  it('canonical sources: host bits masked, bare addresses get their full prefix, IPv6 written out', () => {
    expect(canonicalSource('10.0.0.5')).toEqual({ family: 'ipv4', text: '10.0.0.5/32' });
    expect(canonicalSource('10.0.0.5/24').text).toBe('10.0.0.0/24');
    expect(canonicalSource('0.0.0.0/0').text).toBe('0.0.0.0/0');
    expect(canonicalSource('fd00::5').text).toBe('fd00:0:0:0:0:0:0:5/128');
    expect(canonicalSource('fd00:1:2:3::5/64').text).toBe('fd00:1:2:3:0:0:0:0/64');
    expect(canonicalSource('::ffff:10.0.0.1').text).toBe('0:0:0:0:0:ffff:a00:1/128');
  });

  it('diff: what iptables prints compares equal to what we wrote; changes are listed both ways', () => {
    const wanted = planFamily(policy, 'ipv6', false).chains[CHAINS.input] ?? [];
    // ip6tables prints addresses compressed.
    const printed = wanted.map((r) => r.replace('fd00:0:0:0:0:0:0:1/128', 'fd00::1/128'));
    expect(diffChain('ipv6', CHAINS.input, printed, wanted)).toEqual({
      family: 'ipv6',
      chain: CHAINS.input,
      add: [],
      remove: [],
    });
    const stale = [...printed.slice(0, 3), '-A GNM-IN -s fd00::9/128 -p tcp -j RETURN', ...printed.slice(3)];
    const d = diffChain('ipv6', CHAINS.input, stale, wanted);
    expect(d.add).toEqual([]);
    expect(d.remove).toEqual(['-A GNM-IN -s fd00::9/128 -p tcp -j RETURN']);
    expect(diffChain('ipv4', CHAINS.input, [], ['-A GNM-IN -j RETURN']).add).toEqual(['-A GNM-IN -j RETURN']);
    expect(normalizeRule('-A X  -s 10.0.0.5   -j RETURN')).toBe('-A X -s 10.0.0.5/32 -j RETURN');
  });

  it('the policy schema refuses rule text, bad sources and duplicate ports', () => {
    const bad = [
      { rules: [{ port: 8080, allowFrom: ['10.0.0.1 -j ACCEPT'], purpose: 'x' }] },
      { rules: [{ port: 8080, allowFrom: ['10.0.0.0/33'], purpose: 'x' }] },
      { rules: [{ port: 8080, allowFrom: [], purpose: 'x" -j ACCEPT' }] },
      { rules: [{ port: 70000, allowFrom: [], purpose: 'x' }] },
      {
        rules: [
          { port: 8080, allowFrom: [], purpose: 'a' },
          { port: 8080, allowFrom: [], purpose: 'b' },
        ],
      },
      { rules: [], chain: 'INPUT' },
    ];
    for (const b of bad) expect(FirewallPolicy.safeParse(b).success, JSON.stringify(b)).toBe(false);
  });
});
