import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultPromise } from 'execa';
import { sharedPool } from '@gnm/testkit/vitest';
import { pushSimImages } from '@gnm/sim/testing';
import { startTestControlPlane, type TestControlPlane } from '@gnm/control-plane/testing';
import { REMOVE_GNM_CHAINS, agentExecutable } from './fixtures.js';

/**
 * The agent's firewall on a real host (network namespace, its own dockerd and iptables): a published
 * container port (DOCKER-USER, matched on the original destination port) and a host-network socket
 * (INPUT), one allowed neighbour and one not. Every path shown blocked is first shown open, and open
 * again after the rules are removed. Rules someone else added before and after ours survive apply,
 * re-apply, an agent restart and remove.
 */
interface Task {
  id: string;
  state: string;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
}

describe('firewall.apply / status / remove and exposure.check on a real host', () => {
  const pool = sharedPool();
  const host = pool.host('c');
  const allowed = pool.host('a');
  const other = pool.host('b');
  let cp: TestControlPlane;
  let hostId = '';
  let installCommand = '';
  let agent: ResultPromise | undefined;
  let agentOutput = '';
  let image = '';

  const until = async <T>(what: string, f: () => Promise<T | undefined | false>, ms = 60_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await f();
      if (v) return v;
      if (Date.now() > end)
        throw new Error(`${what}: not in time. Agent output:\n${agentOutput.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  };
  const startAgent = async () => {
    const p = host.spawn('sh', [
      '-c',
      `${installCommand.replace('| sudo sh -s --', '| sh -s --')} --foreground`,
    ]);
    p.stdout?.on('data', (d: Buffer) => (agentOutput += d.toString()));
    p.stderr?.on('data', (d: Buffer) => (agentOutput += d.toString()));
    p.catch(() => undefined);
    agent = p;
    await until('the host online', async () => {
      const h = await cp.call<{ presence: string }>(cp.owner, 'GET', `/api/v1/hosts/${hostId}`);
      return h.body.presence === 'online';
    });
  };
  const op = async (name: string, params: unknown = {}): Promise<Task> => {
    const r = await cp.call<Task>(cp.owner, 'POST', `/api/v1/hosts/${hostId}/tasks`, {
      op: name,
      params,
      deadlineSeconds: 120,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return until(`${name}`, async () => {
      const t = (await cp.call<Task>(cp.owner, 'GET', `/api/v1/tasks/${r.body.id}`)).body;
      return ['succeeded', 'failed', 'expired'].includes(t.state) ? t : undefined;
    });
  };
  const opens = async (from: typeof allowed, port: number) =>
    (await from.httpStatus(`http://${host.ip}:${port}/`, 3)) > 0;
  const rules = async (chain: string) =>
    (await host.run('iptables', ['-S', chain]))
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('-A '));
  const policy = () => ({
    rules: [
      { port: 8080, allowFrom: [allowed.ip], purpose: 'ML node API (network node only)' },
      { port: 9100, allowFrom: [`${allowed.ip}/32`], purpose: 'ML callback (ML nodes only)' },
      { port: 9200, allowFrom: [], purpose: 'Admin API (nobody)' },
    ],
  });

  beforeAll(async () => {
    const [exe, pushed] = await Promise.all([agentExecutable(), pushSimImages(pool)]);
    image = pushed[0]?.mlnode ?? '';
    if (!image) throw new Error('no sim image');
    cp = await startTestControlPlane('sqlite', {
      listenHost: pool.descriptor.gatewayIp,
      agentBinary: exe.file,
    });
    const created = await cp.call<{ host: { id: string }; enrollment: { installCommand: string } }>(
      cp.owner,
      'POST',
      '/api/v1/hosts',
      { name: 'fw-host' },
    );
    hostId = created.body.host.id;
    installCommand = created.body.enrollment.installCommand;
    // A published container port (as the ML node's 8080 is), and a host-network socket (as a service
    // run with network_mode: host would be), both answering HTTP.
    await host.docker([
      'run',
      '-d',
      '--name',
      'fw-published',
      '-l',
      'com.docker.compose.project=join',
      '-l',
      'com.docker.compose.service=inference',
      '-p',
      '8080:8080',
      image,
      'httpd',
      '-f',
      '-p',
      '8080',
      '-h',
      '/tmp',
    ]);
    await host.docker([
      'run',
      '-d',
      '--name',
      'fw-hostnet',
      '--network',
      'host',
      image,
      'httpd',
      '-f',
      '-p',
      '9100',
      '-h',
      '/tmp',
    ]);
    await startAgent();
  });

  afterAll(async () => {
    agent?.kill('SIGKILL');
    await host.exec('pkill', ['-9', '-f', 'gnm-agent']);
    await host.exec('docker', ['rm', '-f', 'fw-published', 'fw-hostnet', 'fw-rpc']);
    for (const [chain, rule] of [
      ['DOCKER-USER', ['-s', '203.0.113.9/32', '-j', 'ACCEPT']],
      ['DOCKER-USER', ['-s', '198.51.100.7/32', '-j', 'ACCEPT']],
      ['INPUT', ['-p', 'tcp', '--dport', '2222', '-j', 'ACCEPT']],
    ] as const)
      await host.exec('iptables', ['-D', chain, ...rule]);
    await host.exec('sh', ['-c', REMOVE_GNM_CHAINS]);
    await host.exec('rm', ['-rf', '/var/lib/gnm-agent', '/srv/gnm', '/usr/local/bin/gnm-agent']);
    await cp?.close();
  });

  it('both ports are open to both neighbours before any rule', async () => {
    for (const from of [allowed, other]) {
      expect(await opens(from, 8080), `${from.name} → 8080`).toBe(true);
      expect(await opens(from, 9100), `${from.name} → 9100`).toBe(true);
    }
    // Someone else's rules, before ours: they must survive everything below.
    await host.run('iptables', ['-I', 'DOCKER-USER', '1', '-s', '203.0.113.9/32', '-j', 'ACCEPT']);
    await host.run('iptables', ['-A', 'INPUT', '-p', 'tcp', '--dport', '2222', '-j', 'ACCEPT']);
  });

  it('a dry run shows the exact rules and changes nothing', async () => {
    const t = await op('firewall.apply', { policy: policy(), dryRun: true });
    expect(t.state, JSON.stringify(t.error)).toBe('succeeded');
    const r = t.result as { applied: boolean; families: { family: string; diff: { add: string[] }[] }[] };
    expect(r.applied).toBe(false);
    const added = r.families.find((f) => f.family === 'ipv4')?.diff.flatMap((d) => d.add) ?? [];
    expect(added).toContain(
      `-A GNM-FWD -s ${allowed.ip}/32 -p tcp -m conntrack --ctstate DNAT --ctorigdstport 8080 --ctdir ORIGINAL -m comment --comment "gnm: ML node API (network node only)" -j RETURN`,
    );
    expect((await host.exec('iptables', ['-S', 'GNM-FWD'])).exitCode).not.toBe(0);
    expect(await opens(other, 8080)).toBe(true);
  });

  it('applied: only the allowed neighbour reaches the ports; the others’ rules keep their place', async () => {
    const t = await op('firewall.apply', { policy: policy() });
    expect(t.state, JSON.stringify(t.error)).toBe('succeeded');
    expect(await opens(allowed, 8080)).toBe(true);
    expect(await opens(allowed, 9100)).toBe(true);
    expect(await opens(other, 8080)).toBe(false);
    expect(await opens(other, 9100)).toBe(false);
    // Blocked fast by the REJECT (admin-prohibited), not a timeout.
    const started = Date.now();
    const r = await other.exec('curl', ['-sS', '--max-time', '5', `http://${host.ip}:8080/`]);
    expect(r.exitCode).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(r.stderr).toMatch(/No route to host|Couldn't connect/i);

    const du = await rules('DOCKER-USER');
    expect(du[0]).toBe('-A DOCKER-USER -m comment --comment "gnm: firewall hook (gnm-agent)" -j GNM-FWD');
    expect(du).toContain('-A DOCKER-USER -s 203.0.113.9/32 -j ACCEPT');
    expect((await rules('INPUT'))[0]).toBe(
      '-A INPUT -m comment --comment "gnm: firewall hook (gnm-agent)" -j GNM-IN',
    );
    expect(await rules('INPUT')).toContain('-A INPUT -p tcp -m tcp --dport 2222 -j ACCEPT');
  });

  it('re-applied: nothing changes, nothing is duplicated, a rule added after ours survives', async () => {
    await host.run('iptables', ['-A', 'DOCKER-USER', '-s', '198.51.100.7/32', '-j', 'ACCEPT']);
    const before = await rules('GNM-FWD');
    const t = await op('firewall.apply', { policy: policy() });
    expect(t.state, JSON.stringify(t.error)).toBe('succeeded');
    expect(await rules('GNM-FWD')).toEqual(before);
    const du = await rules('DOCKER-USER');
    expect(du.filter((r) => r.includes('-j GNM-FWD'))).toHaveLength(1);
    expect(du).toContain('-A DOCKER-USER -s 198.51.100.7/32 -j ACCEPT');
    const status = await op('firewall.status');
    const v4 = (
      status.result as { families: { family: string; protected: boolean; diff: unknown[] }[] }
    ).families.find((f) => f.family === 'ipv4');
    expect(v4).toMatchObject({ protected: true, diff: [] });
  });

  it('the agent puts the kept policy back at start after the rules were lost', async () => {
    await host.run('iptables', [
      '-D',
      'DOCKER-USER',
      '-m',
      'comment',
      '--comment',
      'gnm: firewall hook (gnm-agent)',
      '-j',
      'GNM-FWD',
    ]);
    await host.run('iptables', ['-F', 'GNM-FWD']);
    expect(await opens(other, 8080)).toBe(true); // the loss is real
    const drift = await op('firewall.status');
    expect(
      (drift.result as { families: { family: string; protected: boolean }[] }).families[0]?.protected,
    ).toBe(false);
    agent?.kill('SIGTERM');
    await host.exec('pkill', ['-f', 'gnm-agent']);
    await until(
      'the agent gone',
      async () => (await host.exec('pgrep', ['-f', 'gnm-agent run'])).exitCode !== 0,
    );
    await startAgent();
    await until('the rules back', async () => !(await opens(other, 8080)));
    expect(await opens(allowed, 8080)).toBe(true);
    expect(agentOutput).toMatch(/firewall policy applied again at start/);
  });

  it('exposure.check: the protected ports say who may reach them; an unprotected internal port is critical', async () => {
    // A node RPC published on every interface, as the legacy compose file did: nothing protects it.
    await host.docker([
      'run',
      '-d',
      '--name',
      'fw-rpc',
      '-l',
      'com.docker.compose.project=join',
      '-l',
      'com.docker.compose.service=node',
      '-p',
      '26657:26657',
      image,
      'httpd',
      '-f',
      '-p',
      '26657',
      '-h',
      '/tmp',
    ]);
    const t = await op('exposure.check');
    expect(t.state, JSON.stringify(t.error)).toBe('succeeded');
    const r = t.result as {
      verdict: string;
      firewall: { policy: boolean; ipv4: boolean };
      ports: { port: number; service: string; exposure: string; verdict: string; detail: string }[];
    };
    expect(r.firewall).toMatchObject({ policy: true, ipv4: true });
    // The host-network listener on 9100 is a Gonka port on every interface, held by the rule.
    const p9100 = r.ports.find((p) => p.port === 9100);
    expect(p9100).toMatchObject({ service: 'host', verdict: 'ok', reachableFrom: `only ${allowed.ip}/32` });
    expect(r.ports.find((p) => p.port === 8080)).toMatchObject({
      service: 'inference',
      verdict: 'ok',
      reachableFrom: `only ${allowed.ip}`,
    });
    const rpc = r.ports.find((p) => p.port === 26657);
    expect(rpc).toMatchObject({ service: 'node', exposure: 'internal', verdict: 'critical' });
    expect(rpc?.detail).toMatch(/bind it to 127\.0\.0\.1/);
    expect(r.verdict).toBe('critical');
  });

  it('removed: our chains and hooks are gone, everyone else’s rules stay, the ports are open again', async () => {
    const t = await op('firewall.remove');
    expect(t.state, JSON.stringify(t.error)).toBe('succeeded');
    expect((await host.exec('iptables', ['-S', 'GNM-FWD'])).exitCode).not.toBe(0);
    expect((await host.exec('iptables', ['-S', 'GNM-IN'])).exitCode).not.toBe(0);
    const du = await rules('DOCKER-USER');
    expect(du.some((r) => r.includes('GNM-'))).toBe(false);
    expect(du).toContain('-A DOCKER-USER -s 203.0.113.9/32 -j ACCEPT');
    expect(du).toContain('-A DOCKER-USER -s 198.51.100.7/32 -j ACCEPT');
    expect(await rules('INPUT')).toContain('-A INPUT -p tcp -m tcp --dport 2222 -j ACCEPT');
    expect(await opens(other, 8080)).toBe(true);
    expect(await opens(other, 9100)).toBe(true);
  });

  it('refuses a policy that carries rule text, before the agent sees it', async () => {
    const r = await cp.call<{ detail: string }>(cp.owner, 'POST', `/api/v1/hosts/${hostId}/tasks`, {
      op: 'firewall.apply',
      params: { policy: { rules: [{ port: 8080, allowFrom: ['0.0.0.0/0 -j ACCEPT'], purpose: 'x' }] } },
    });
    expect(r.status).toBe(422);
    expect(r.body.detail).toMatch(/not an IP address or CIDR block/);
  });
});
