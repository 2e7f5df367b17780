import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBaseImage, exec } from '@gnm/testkit';
import { Registry } from '../operations/registry.js';
import { builtinOperations } from '../operations/builtin.js';

/** stack.status and stack.logs on a real Docker engine with Compose v2 (the machine's main dockerd). */
const DOCKER = process.env.GNM_DOCKER_BIN ?? '/usr/bin/docker';

describe('stack.status and stack.logs through the Compose driver', () => {
  const project = `gnmtest${crypto.randomBytes(3).toString('hex')}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gnm-compose-'));
  const registry = new Registry(builtinOperations({ stacksRoot: dir, docker: DOCKER, project }));
  const ctx = () => ({
    emit: () => {},
    signal: new AbortController().signal,
    deadline: new Date(Date.now() + 60_000),
    opId: 'op_test0001',
  });
  const run = (op: string, params: unknown = {}) =>
    registry.execute(
      { type: 'op.request', opId: `op_${crypto.randomBytes(6).toString('hex')}`, op, params, deadline: '' },
      ctx(),
    );

  beforeAll(async () => {
    const base = await ensureBaseImage();
    fs.writeFileSync(
      path.join(dir, 'compose.yml'),
      `services:
  node:
    image: ${base.ref}
    command: ["sh", "-c", "i=0; while true; do echo \\"block $$i\\"; i=$$((i+1)); sleep 0.2; done"]
  init:
    image: ${base.ref}
    command: ["sh", "-c", "echo done; exit 3"]
  flaky:
    image: ${base.ref}
    command: ["sh", "-c", "exit 1"]
    restart: on-failure:2
`,
    );
    const up = await exec(DOCKER, [
      'compose',
      '--project-name',
      project,
      '-f',
      path.join(dir, 'compose.yml'),
      'up',
      '-d',
    ]);
    expect(up.exitCode, up.stderr).toBe(0);
    // flaky has used its two restarts (Docker's backoff grows; a loaded machine takes longer).
    const end = Date.now() + 60_000;
    for (;;) {
      const s = await exec(DOCKER, [
        'inspect',
        '-f',
        '{{.State.Status}} {{.RestartCount}}',
        `${project}-flaky-1`,
      ]);
      if (s.stdout.trim() === 'exited 2') break;
      if (Date.now() > end) throw new Error(`flaky did not settle: ${s.stdout}${s.stderr}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 120_000);
  afterAll(async () => {
    await exec(DOCKER, ['compose', '--project-name', project, 'down', '-t', '1']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists the project’s containers with state, exit code and config hash', async () => {
    const r = await run('stack.status');
    if (!r.ok) throw new Error(r.error.message);
    const s = r.result as {
      project: string;
      currentRelease: string | null;
      containers: { service: string; state: string; exitCode: number; configHash: string | null }[];
    };
    expect(s.project).toBe(project);
    expect(s.currentRelease).toBeNull();
    expect(s.containers.map((c) => [c.service, c.state])).toEqual([
      ['flaky', 'exited'],
      ['init', 'exited'],
      ['node', 'running'],
    ]);
    const [flaky, init, node] = s.containers as ((typeof s.containers)[number] & {
      restartCount: number;
      addresses: Record<string, string>;
    })[];
    expect(init?.exitCode).toBe(3);
    expect(node?.configHash).toMatch(/^[0-9a-f]{64}$/);
    // From the Engine API: restarts, and the address on the compose network (how internal ports are reached).
    expect(flaky?.restartCount).toBe(2);
    expect(node?.restartCount).toBe(0);
    expect(node?.addresses[`${project}_default`]).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  it('returns the last lines of one service, without terminal escapes or prefixes', async () => {
    const r = await run('stack.logs', { service: 'node', tail: 3 });
    if (!r.ok) throw new Error(r.error.message);
    const lines = (r.result as { lines: string[] }).lines;
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(/^block \d+$/);
  });

  it('says what is wrong: an unknown service, a bad name, no Docker', async () => {
    const unknown = await run('stack.logs', { service: 'api', tail: 10 });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'no-such-service' } });
    if (!unknown.ok) expect(unknown.error.message).toMatch(/it has flaky, init, node/);
    const injected = await run('stack.logs', { service: 'node; cat /etc/shadow', tail: 10 });
    expect(injected).toMatchObject({ ok: false, error: { code: 'invalid-params' } });
    const noDocker = new Registry(
      builtinOperations({
        stacksRoot: dir,
        docker: '/nonexistent/docker',
        dockerSocket: '/nonexistent/docker.sock',
        project,
      }),
    );
    const req = (op: string, params: unknown) =>
      noDocker.execute({ type: 'op.request', opId: 'op_nodocker1', op, params, deadline: '' }, ctx());
    expect(await req('stack.logs', { service: 'node', tail: 5 })).toMatchObject({
      ok: false,
      error: { code: 'docker-missing' },
    });
    const unreachable = await req('stack.status', {});
    expect(unreachable).toMatchObject({ ok: false, error: { code: 'docker-unreachable' } });
    if (!unreachable.ok) expect(unreachable.error.message).toMatch(/systemctl start docker/);
  });
});
