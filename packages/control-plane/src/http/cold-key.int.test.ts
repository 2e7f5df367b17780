import crypto from 'node:crypto';
import { generateMnemonic } from '@scure/bip39';
import { wordlist as english } from '@scure/bip39/wordlists/english.js';
import { wordlist as spanish } from '@scure/bip39/wordlists/spanish.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../testing/databases.js';
import { startTestControlPlane, type TestControlPlane } from '../testing/control-plane.js';

/**
 * Cold-key material is refused on every way into the control plane (DESIGN invariant 5), not only in
 * a node's configuration: raw tasks (one host or many), names, and every other body. Each refusal is
 * a 4xx that never echoes the value, and nothing is stored.
 */
describe.each(DIALECTS)('the cold-key guard on every path, on %s', (dialect) => {
  let cp: TestControlPlane;
  let hostId = '';
  beforeAll(async () => {
    cp = await startTestControlPlane(dialect, { plain: true });
    const r = await cp.call<{ host: { id: string } }>(cp.owner, 'POST', '/api/v1/hosts', { name: 'ck-01' });
    hostId = r.body.host.id;
  });
  afterAll(async () => cp.close());

  const tasks = async () =>
    (await cp.call<{ tasks: { id: string }[] }>(cp.owner, 'GET', `/api/v1/tasks?hostId=${hostId}`)).body
      .tasks;
  const refused = (r: { status: number; body: unknown }, secret: string) => {
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(JSON.stringify(r.body)).toMatch(/cold-key/i);
    // The answer names where, never what.
    expect(JSON.stringify(r.body)).not.toContain(secret.slice(0, 16));
  };

  it('refuses a raw stack.apply task with a mnemonic in its values, and stores nothing', async () => {
    const phrase = generateMnemonic(english, 256);
    const r = await cp.call(cp.owner, 'POST', `/api/v1/hosts/${hostId}/tasks`, {
      op: 'stack.apply',
      params: { bundle: 'gonka-join', version: '1.0.0', role: 'network', values: { NOTES: phrase } },
    });
    refused(r, phrase);
    expect(await tasks()).toEqual([]);
  });

  it('refuses node.deploy with a phrase hidden in an ML node argument, in another word list', async () => {
    const phrase = generateMnemonic(spanish, 128).split(' ').join(',');
    const r = await cp.call(cp.owner, 'POST', `/api/v1/hosts/${hostId}/tasks`, {
      op: 'node.deploy',
      params: {
        bundle: 'gonka-join',
        version: '1.0.0',
        role: 'full',
        values: { ML_NODES: [{ id: 'node1', models: { 'a/b': { args: ['--x', phrase] } } }] },
      },
    });
    refused(r, phrase);
    expect(await tasks()).toEqual([]);
  });

  it('refuses a phrase split across two values of a fan-out task', async () => {
    const w = generateMnemonic(english, 128).split(' ');
    const r = await cp.call(cp.owner, 'POST', '/api/v1/tasks', {
      hostIds: [hostId],
      op: 'stack.apply',
      params: {
        bundle: 'gonka-join',
        version: '1.0.0',
        role: 'network',
        values: { LABEL_A: w.slice(0, 6).join(' '), LABEL_B: w.slice(6).join(' ') },
      },
    });
    refused(r, w.join(' '));
    expect(await tasks()).toEqual([]);
  });

  it('the task store refuses it too, whoever queues it (a node flow, an attachment step)', async () => {
    const phrase = generateMnemonic(english, 128)
      .split(' ')
      .map((w, i) => `${i + 1}. ${w}`)
      .join(' ');
    await expect(
      cp.services.tasks.create(
        cp.owner.user,
        hostId,
        {
          op: 'mlnode.register',
          params: {
            node: {
              id: 'n1',
              host: '10.0.0.5',
              inference_port: 5000,
              poc_port: 8080,
              max_concurrent: 10,
              models: { 'a/b': { args: [phrase] } },
            },
          },
          deadlineSeconds: 60,
        },
        null,
        { system: true },
      ),
    ).rejects.toThrow(/cold-key|recovery phrase/i);
    expect(await tasks()).toEqual([]);
  });

  it('refuses a raw private key as a host name or a token name', async () => {
    const key = crypto.randomBytes(32).toString('base64');
    // A host name takes letters, digits, dashes and underscores: a base64url key fits.
    let urlKey = '';
    do urlKey = crypto.randomBytes(32).toString('base64url');
    while (!/^[A-Za-z0-9]/.test(urlKey));
    refused(await cp.call(cp.owner, 'POST', '/api/v1/hosts', { name: urlKey }), urlKey);
    const hosts = (await cp.call<{ hosts: { name: string }[] }>(cp.owner, 'GET', '/api/v1/hosts')).body.hosts;
    expect(hosts.map((h) => h.name)).toEqual(['ck-01']);
    refused(await cp.call(cp.owner, 'POST', '/api/v1/tokens', { name: key, scope: 'read' }), key);
    const names = (await cp.call<{ tokens: { name: string }[] }>(cp.owner, 'GET', '/api/v1/tokens')).body
      .tokens;
    expect(names).toEqual([]);
  });

  it('refuses a phrase split across two extra values of a node configuration', async () => {
    const w = generateMnemonic(english, 128).split(' ');
    const r = await cp.call(cp.owner, 'POST', '/api/v1/nodes', {
      hostId,
      config: {
        name: 'n1',
        role: 'mlnode',
        network: 'sim',
        publicHost: '203.0.113.7',
        seed: { apiUrl: 'http://198.51.100.1:8000', p2pAddress: 'tcp://198.51.100.1:5000' },
        serving: { model: 'Qwen/Qwen2.5-7B-Instruct', args: [], maxConcurrent: 10 },
        extraValues: { NOTE_A: w.slice(0, 5).join(' '), NOTE_B: w.slice(5).join(' ') },
      },
    });
    refused(r, w.join(' '));
    expect((await cp.call<{ nodes: unknown[] }>(cp.owner, 'GET', '/api/v1/nodes')).body.nodes).toEqual([]);
  });

  it('still takes a public task and the ordinary public values', async () => {
    const r = await cp.call(cp.owner, 'POST', `/api/v1/hosts/${hostId}/tasks`, {
      op: 'stack.apply',
      params: {
        bundle: 'gonka-join',
        version: '1.0.0',
        role: 'network',
        values: {
          ACCOUNT_PUBKEY: 'A1XaDhc1R9pXUY9UecgiyR+RcYdHFBV99uhO+fnfBYDd',
          PUBLIC_URL: 'http://203.0.113.7:8000',
          IMAGE: `ghcr.io/product-science/api:0.2.14@sha256:${crypto.randomBytes(32).toString('hex')}`,
        },
      },
    });
    expect(r.status).toBe(201);
    expect(await tasks()).toHaveLength(1);
  });
});
