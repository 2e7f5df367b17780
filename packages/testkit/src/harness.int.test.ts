import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostPool } from './pool.js';
import { ensureBaseImage, type BaseImage } from './images/base-image.js';
import type { PushedImage } from './images/push.js';
import { findLeftovers } from './cleanup.js';
import { exec, waitFor } from './exec.js';

// This file owns its pool (not the shared one) because it tears it down and checks that nothing of
// the run is left on the machine.
describe('multi-host harness: three hosts and a registry host', () => {
  let pool: HostPool;
  let base: BaseImage;
  let pushed: PushedImage;
  let tornDown = false;

  beforeAll(async () => {
    pool = await HostPool.create({ hosts: ['a', 'b', 'c'] });
    base = await ensureBaseImage();
    pushed = await pool.pushImage(base.ref, 'gnm/harness-check:1');
  });

  afterAll(async () => {
    if (!tornDown) await pool.teardown();
  });

  it('gives every host its own dockerd, address and Docker bridge', async () => {
    const infos = await Promise.all(pool.hosts.map((h) => h.docker(['info', '--format', '{{.ID}}'])));
    expect(new Set(infos.map((s) => s.trim())).size).toBe(3);
    for (const h of pool.hosts) {
      const addr = await h.run('ip', ['-4', '-o', 'addr', 'show', 'eth0']);
      expect(addr).toContain(`${h.ip}/24`);
    }
  });

  it('hosts pull the pushed image from the registry host, by tag and by digest', async () => {
    for (const h of pool.hosts) {
      await h.docker(['pull', pushed.tagRef]);
      await h.docker(['pull', pushed.digestRef]);
      const ids = await h.docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', pushed.tagRef]);
      expect(ids).toContain(pushed.digest);
    }
    // The layer really came over the wire: the registry stored the blob.
    const catalog = await pool.registry.run('curl', ['-sf', `http://${pool.registry.ip}:5000/v2/_catalog`]);
    expect(JSON.parse(catalog)).toEqual({ repositories: ['gnm/harness-check'] });
  });

  it('a DOCKER-USER rule inside B blocks A and not C; removing it opens A again', async () => {
    const [a, b, c] = [pool.host('a'), pool.host('b'), pool.host('c')];
    await b.docker([
      'run',
      '-d',
      '--name',
      'web',
      '-p',
      '18080:8080',
      pushed.tagRef,
      'sh',
      '-c',
      'mkdir -p /www && echo hello-from-b > /www/index.html && exec httpd -f -p 8080 -h /www',
    ]);
    const url = `http://${b.ip}:18080/index.html`;
    // Proved open before any rule: otherwise broken routing would pass for a firewall.
    await waitFor(
      'B to serve on 18080',
      async () => ((await a.httpStatus(url)) === 200 ? true : undefined),
      20_000,
    );
    expect(await c.httpStatus(url)).toBe(200);

    const rule = [
      'DOCKER-USER',
      '-s',
      `${a.ip}/32`,
      '-p',
      'tcp',
      '-m',
      'conntrack',
      '--ctorigdstport',
      '18080',
      '-j',
      'DROP',
    ];
    await b.run('iptables', ['-I', ...rule]);
    expect(await a.httpStatus(url, 2)).toBe(0);
    expect(await c.httpStatus(url)).toBe(200);
    // The rule lives in B's namespace only: the machine's own tables never see it.
    expect((await exec('iptables-save', [])).stdout).not.toContain(a.ip);

    await b.run('iptables', ['-D', ...rule]);
    expect(await a.httpStatus(url)).toBe(200);
    expect(await c.httpStatus(url)).toBe(200);
  });

  it('two hosts write the same agent path and see different files', async () => {
    const [a, b] = [pool.host('a'), pool.host('b')];
    for (const p of ['/etc/gnm-agent/identity', '/var/lib/gnm-agent/journal', '/srv/gnm/join/state/x']) {
      await a.writeFile(p, 'written by a');
      await b.writeFile(p, 'written by b');
      expect(await a.readFile(p)).toBe('written by a');
      expect(await b.readFile(p)).toBe('written by b');
      expect(fs.existsSync(p)).toBe(false);
      expect((await pool.host('c').exec('cat', [p])).exitCode).not.toBe(0);
    }
  });

  it('teardown leaves no namespace, veth, dockerd, mount, cgroup or rule behind', async () => {
    const runId = pool.runId;
    const before = await findLeftovers(runId, pool.descriptor);
    // Sanity: while the run is alive the check does see its resources (so an empty result means something).
    expect(before.some((l) => l.startsWith('network namespace'))).toBe(true);
    expect(before.some((l) => l.startsWith('process'))).toBe(true);
    expect(before.some((l) => l.startsWith('mount'))).toBe(true);
    const dockerdPids = pool.descriptor.hosts.map((h) => h.daemonPid);

    tornDown = true;
    expect(await pool.teardown()).toEqual([]);
    expect(await findLeftovers(runId, pool.descriptor)).toEqual([]);
    expect((await exec('ip', ['netns', 'list'])).stdout).not.toContain(`gnm-${runId}-`);
    expect((await exec('ip', ['-o', 'link'])).stdout).not.toContain(`gnm${runId}`);
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(runId);
    for (const pid of dockerdPids) expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
  });
});
