import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type Host } from '@gnm/testkit';
import { sharedPool } from '@gnm/testkit/vitest';
import { loadGolden, shapeDiff } from '@gnm/gonka/testing';
import {
  FULL_FILES,
  MLNODE_FILES,
  NETWORK_FILES,
  admin,
  compose,
  createColdKey,
  deployNetworkNode,
  getJson,
  grantFromColdKey,
  layoutOnHost,
  pushSimImages,
  startSeed,
  type PushedSim,
} from './testing/sim-hosts.js';

const MODEL = 'MiniMaxAI/MiniMax-M2.7';

interface Participants {
  active_participants: {
    participants: {
      index: string;
      weight: number;
      ml_nodes: { ml_nodes: { node_id: string; poc_weight: number }[] }[];
    }[];
  };
}

// Host a: network node; host b: ML node attached to a over the LAN; host c: the sim seed (the rest of
// the network) and the operator's cold-key machine, plus a second participant whose PoC callback URL
// is unreachable. Blocks are 1 s and epochs 20 blocks, so PoC happens during the test.
describe('sim: network node on A, ML node on B, the official files with the sim override', () => {
  const pool = sharedPool();
  const [a, b, c] = [pool.host('a'), pool.host('b'), pool.host('c')];
  let sim: PushedSim;
  let seed: { api: string; p2p: string; control: string };
  const cold = { a: { address: '', pubkey: '' }, c: { address: '', pubkey: '' } };
  const envs: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    const pushed = await pushSimImages(pool);
    const first = pushed[0];
    if (!first) throw new Error('no sim image');
    sim = first;
    seed = await startSeed(c, sim.network);
    cold.a = await createColdKey(c, sim.network, '/root/cold-a');
    cold.c = await createColdKey(c, sim.network, '/root/cold-c');

    // ML node on B (ML-node files only), published on B's LAN address.
    await layoutOnHost(b);
    envs.b = {
      GNM_SIM_MLNODE_IMAGE: sim.mlnode,
      HF_HOME: '/srv/gnm-sim/hf-home',
      PORT: '8080',
      INFERENCE_PORT: '5050',
    };
    await compose(b, MLNODE_FILES, ['up', '-d'], envs.b);

    const [na, nc] = await Promise.all([
      deployNetworkNode({
        host: a,
        images: sim,
        seed,
        accountPubkey: cold.a.pubkey,
        callbackUrl: `http://${a.ip}:9100`,
        files: NETWORK_FILES,
      }),
      // C: a full node (network + local ML node) whose callback URL points at an address nobody has.
      deployNetworkNode({
        host: c,
        images: sim,
        seed,
        accountPubkey: cold.c.pubkey,
        callbackUrl: `http://${pool.descriptor.subnet.replace(/0\/24$/, '250')}:9100`,
        files: FULL_FILES,
        nodeConfig: [
          {
            id: 'local',
            host: 'inference',
            inference_port: 5000,
            poc_port: 8080,
            max_concurrent: 100,
            models: { [MODEL]: { args: [] } },
          },
        ],
      }),
    ]);
    envs.a = na.env;
    envs.c = nc.env;
    await grantFromColdKey(c, sim.network, '/root/cold-a', na.warm, seed.api);
    await grantFromColdKey(c, sim.network, '/root/cold-c', nc.warm, seed.api);
  });

  afterAll(async () => {
    // Leave the hosts clean for the next test file of the run.
    const down = async (h: Host, files: string[], env?: Record<string, string>) => {
      if (env) await compose(h, files, ['down', '-v', '-t', '1'], env).catch(() => undefined);
    };
    await Promise.all([
      down(a, NETWORK_FILES, envs.a),
      down(b, MLNODE_FILES, envs.b),
      down(c, FULL_FILES, envs.c),
    ]);
    await c.dockerExec(['rm', '-f', 'sim-seed']);
    await Promise.all(
      [a, b, c].map((h) => h.exec('rm', ['-rf', '/srv/gnm-sim', '/root/cold-a', '/root/cold-c'])),
    );
  });

  it('registers B through the Admin API, reaches INFERENCE, takes part in PoC and earns weight', async () => {
    const node = {
      id: 'b1',
      host: b.ip,
      inference_port: 5050,
      poc_port: 8080,
      max_concurrent: 100,
      models: { [MODEL]: { args: ['--tensor-parallel-size', '4'] } },
    };
    const created = await admin(a, 'POST', '/admin/v1/nodes', node);
    expect(created.status).toBe(200);
    expect(
      shapeDiff(loadGolden('admin-nodes-create.json').sample, created.body, {
        dynamicKeys: ['models'],
        optionalKeys: ['hardware', 'inference_segment', 'poc_segment'],
      }),
    ).toEqual([]);

    await waitFor(
      'B to reach INFERENCE',
      async () => {
        const r = (await admin(a, 'GET', '/admin/v1/nodes')).body as {
          node: { id: string };
          state: { current_status: string };
        }[];
        return r.find((n) => n.node.id === 'b1')?.state.current_status === 'INFERENCE' ? true : undefined;
      },
      60_000,
      500,
    );

    const weightOf = async (address: string): Promise<number> => {
      const p = (await getJson(a, `http://${a.ip}:8000/v1/epochs/current/participants`).catch(
        () => undefined,
      )) as Participants | undefined;
      return p?.active_participants.participants.find((x) => x.index === address)?.weight ?? 0;
    };
    await waitFor(
      'participant A to have PoC weight',
      async () => ((await weightOf(cold.a.address)) > 0 ? true : undefined),
      120_000,
      1000,
    );

    type Nodes = {
      node: { id: string };
      state: { epoch_ml_nodes: Record<string, { poc_weight: number }> };
    }[];
    await waitFor(
      'B to show its poc_weight on A',
      async () => {
        const r = (await admin(a, 'GET', '/admin/v1/nodes')).body as Nodes;
        return (r.find((n) => n.node.id === 'b1')?.state.epoch_ml_nodes[MODEL]?.poc_weight ?? 0) > 0
          ? true
          : undefined;
      },
      30_000,
      1000,
    );
  });

  it('with the callback URL unreachable, the weight stays 0 and the setup report shows the failing checks', async () => {
    // The same epochs gave A weight: C's ML node generated PoC too, but its batches never arrived.
    const p = (await getJson(a, `http://${a.ip}:8000/v1/epochs/current/participants`)) as Participants;
    expect(p.active_participants.participants.some((x) => x.index === cold.a.address)).toBe(true);
    expect(p.active_participants.participants.some((x) => x.index === cold.c.address)).toBe(false);
    const mlLog = await c
      .docker(['logs', 'join-mlnode-308-1'])
      .catch(async () => c.docker(['logs', 'mlnode-308']));
    expect(mlLog).toMatch(/PoC batch to http:\/\/\S+:9100\/v2\/poc-batches failed/);

    const report = (await admin(c, 'GET', '/admin/v1/setup/report')).body as {
      overall_status: string;
      checks: { id: string; status: string }[];
    };
    expect(report.overall_status).toBe('FAIL');
    const status = Object.fromEntries(report.checks.map((x) => [x.id, x.status]));
    expect(status).toMatchObject({
      active_in_epoch: 'FAIL',
      validator_in_set: 'FAIL',
      permissions_granted: 'PASS',
      block_sync: 'PASS',
      mlnode_local: 'PASS',
    });
    const good = (await admin(a, 'GET', '/admin/v1/setup/report')).body as { overall_status: string };
    expect(good.overall_status).toBe('PASS');
  });

  it('Admin API: body id wins on PUT, batch answers 201/206/400, DELETE is a bare boolean, validation', async () => {
    const base = {
      host: '10.99.0.1',
      inference_port: 5050,
      poc_port: 8080,
      max_concurrent: 10,
      models: { [MODEL]: { args: [] } },
    };
    const put = await admin(a, 'PUT', '/admin/v1/nodes/some-other-id', { ...base, id: 'x1' });
    expect(put.status).toBe(200);
    const ids = async () =>
      ((await admin(a, 'GET', '/admin/v1/nodes')).body as { node: { id: string } }[])
        .map((n) => n.node.id)
        .sort();
    expect(await ids()).toEqual(['b1', 'x1']);
    const unknownModel = await admin(a, 'POST', '/admin/v1/nodes', {
      ...base,
      id: 'x1',
      models: { 'retired/model': { args: [] } },
    });
    expect(unknownModel.status).toBe(400);
    expect((await admin(a, 'POST', '/admin/v1/nodes', { ...base, id: 'x9', max_concurrent: 0 })).status).toBe(
      400,
    );
    const samePort = await admin(a, 'POST', '/admin/v1/nodes', { ...base, id: 'x8' });
    expect(samePort.status).toBe(400);

    const b201 = await admin(a, 'POST', '/admin/v1/nodes/batch', [{ ...base, id: 'x2', host: '10.99.0.2' }]);
    expect(b201.status).toBe(201);
    const b206 = await admin(a, 'POST', '/admin/v1/nodes/batch', [
      { ...base, id: 'x3', host: '10.99.0.3' },
      { ...base, id: 'x2', host: '10.99.0.4' },
    ]);
    expect(b206.status).toBe(206);
    expect((b206.body as { errors: string[] }).errors[0]).toMatch(/^node\[1\] \(id: x2\)/);
    const b400 = await admin(a, 'POST', '/admin/v1/nodes/batch', [{ ...base, id: '' }]);
    expect(b400.status).toBe(400);
    expect((b400.body as { error: string }).error).toBe('all nodes failed validation');
    for (const f of ['admin-nodes-batch-206.json', 'admin-nodes-batch-400.json']) {
      const g = loadGolden(f);
      const body = f.includes('206') ? b206.body : b400.body;
      expect(
        shapeDiff(g.sample, body, { optionalKeys: g.optionalKeys, dynamicKeys: ['nodes[].models'] }),
      ).toEqual([]);
    }
    for (const id of ['x1', 'x2', 'x3'])
      expect((await admin(a, 'DELETE', `/admin/v1/nodes/${id}`)).body).toBe(true);
    expect((await admin(a, 'DELETE', '/admin/v1/nodes/x1')).body).toBe(false);
    const disabled = await admin(a, 'POST', '/admin/v1/nodes/b1/disable');
    expect(disabled.body).toMatchObject({ message: 'node disabled successfully', node_id: 'b1' });
    const state = (
      (await admin(a, 'GET', '/admin/v1/nodes')).body as {
        node: { id: string };
        state: { admin_state: { enabled: boolean; epoch: number } };
      }[]
    ).find((n) => n.node.id === 'b1');
    expect(state?.state.admin_state.enabled).toBe(false);
    expect(state?.state.admin_state.epoch).toBeGreaterThan(0);
    expect((await admin(a, 'POST', '/admin/v1/nodes/b1/enable')).status).toBe(200);
    expect((await admin(a, 'POST', '/admin/v1/nodes/nope/enable')).status).toBe(404);
  });

  it('the proxy blocks PoC batch routes and keeps the chain RPC closed by default', async () => {
    expect(await a.httpStatus(`http://${a.ip}:8000/v1/poc-batches/1`)).toBe(403);
    expect(await a.httpStatus(`http://${a.ip}:8000/chain-rpc/status`)).toBe(404);
    expect(await a.httpStatus(`http://${a.ip}:8000/health`)).toBe(200);
    expect(await a.httpStatus(`http://${a.ip}:8000/api/v1/status`)).toBe(200);
  });

  it('inferenced refuses to overwrite the warm key, and reads passwords from stdin only', async () => {
    const before = (
      await a.docker(
        ['exec', '-i', 'api', 'inferenced', 'keys', 'show', 'warm-key', '-a', '--keyring-backend', 'file'],
        { input: 'test-keyring-password\n' },
      )
    ).trim();
    const again = await a.dockerExec(
      ['exec', '-i', 'api', 'inferenced', 'keys', 'add', 'warm-key', '--keyring-backend', 'file'],
      { input: 'test-keyring-password\n' },
    );
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/override the existing name warm-key \[y\/N\]: Error: aborted/);
    const wrongPw = await a.dockerExec(
      ['exec', '-i', 'api', 'inferenced', 'keys', 'show', 'warm-key', '-a', '--keyring-backend', 'file'],
      { input: 'wrong-password\n' },
    );
    expect(wrongPw.exitCode).toBe(1);
    const after = (
      await a.docker(
        ['exec', '-i', 'api', 'inferenced', 'keys', 'show', 'warm-key', '-a', '--keyring-backend', 'file'],
        { input: 'test-keyring-password\n' },
      )
    ).trim();
    expect(after).toBe(before);
  });

  it('faults: a stalled node stops advancing, a FAILED ML node shows as FAILED on the network node', async () => {
    const height = async () =>
      Number(
        (
          JSON.parse(await a.docker(['exec', 'node', 'wget', '-qO-', 'http://localhost:26657/status'])) as {
            result: { sync_info: { latest_block_height: string } };
          }
        ).result.sync_info.latest_block_height,
      );
    const setFault = (h: Host, container: string, body: string) =>
      h.docker([
        'exec',
        container,
        'wget',
        '-qO-',
        '--header',
        'content-type: application/json',
        `--post-data=${body}`,
        'http://localhost:9999/sim/faults',
      ]);
    await setFault(a, 'node', '{"stalled-sync":"true"}');
    const h1 = await height();
    await new Promise((r) => setTimeout(r, 3000));
    expect(await height()).toBe(h1);
    await setFault(a, 'node', '{"stalled-sync":null}');
    await waitFor(
      'the node to advance again',
      async () => ((await height()) > h1 ? true : undefined),
      15_000,
    );

    const mlContainer = (
      await b.docker([
        'ps',
        '--filter',
        'label=com.docker.compose.service=mlnode-308',
        '--format',
        '{{.Names}}',
      ])
    ).trim();
    await setFault(b, mlContainer, '{"failed":"true"}');
    const statusOfB1 = async () =>
      (
        (await admin(a, 'GET', '/admin/v1/nodes')).body as {
          node: { id: string };
          state: { current_status: string; failure_reason: string };
        }[]
      ).find((n) => n.node.id === 'b1')?.state;
    await waitFor(
      'b1 to show FAILED',
      async () => ((await statusOfB1())?.current_status === 'FAILED' ? true : undefined),
      20_000,
      500,
    );
    expect((await statusOfB1())?.failure_reason).toMatch(/health/);
    await setFault(b, mlContainer, '{"failed":null}');
    await waitFor(
      'b1 back to INFERENCE',
      async () => ((await statusOfB1())?.current_status === 'INFERENCE' ? true : undefined),
      20_000,
      500,
    );
  });

  it('the second sim version reports 0.2.15 with the v0.2.15 wire shapes (§5.6)', async () => {
    const next = (await pushSimImages(pool))[1];
    if (!next) throw new Error('no second sim version');
    await b.docker(['run', '-d', '--name', 'seed-next', '-p', '28000:8000', next.network, 'gnm-sim', 'seed']);
    await waitFor(
      'the 0.2.15 seed',
      async () => ((await b.httpStatus(`http://${b.ip}:28000/v1/status`)) === 200 ? true : undefined),
      20_000,
    );
    const versions = (await getJson(b, `http://${b.ip}:28000/v1/versions`)) as {
      api_version: { version: string };
    };
    expect(versions.api_version.version).toBe('0.2.15');
    const latest = await getJson(b, `http://${b.ip}:28000/v1/epochs/latest`);
    const g = loadGolden('public-epochs-latest-v0215.json');
    expect(shapeDiff(g.sample, latest, { optionalKeys: g.optionalKeys })).toEqual([]);
    await b.dockerExec(['rm', '-f', 'seed-next']);
  });

  it('a node whose binary lacks the upgrade handler crash-loops with the x/upgrade message', async () => {
    await compose(c, FULL_FILES, ['up', '-d', '--no-deps', 'node'], {
      ...envs.c,
      SIM_FAULTS_NODE: 'upgrade-handler-missing=v0.2.15',
    });
    await waitFor(
      'node to restart repeatedly',
      async () =>
        Number((await c.docker(['inspect', '--format', '{{.RestartCount}}', 'node'])).trim()) >= 2
          ? true
          : undefined,
      60_000,
      1000,
    );
    expect(await c.docker(['logs', 'node'])).toContain('upgrade handler is missing for v0.2.15 upgrade plan');
  });

  it('answers with the shapes of the reference (strict check against the golden samples)', async () => {
    const missedRequestsCheck = async () => {
      const r = (await admin(a, 'GET', '/admin/v1/setup/report')).body as { checks: { id: string }[] };
      return r.checks.find((x) => x.id === 'missed_requests_threshold');
    };
    const aPub = `http://${a.ip}:8000`;
    const bMl = `http://${b.ip}:8080`;
    const checks: [string, unknown, string[]?][] = [
      [
        'cometbft-status.json',
        JSON.parse(await a.docker(['exec', 'node', 'wget', '-qO-', 'http://localhost:26657/status'])),
      ],
      ['public-status.json', await getJson(a, `${aPub}/v1/status`)],
      ['public-versions.json', await getJson(a, `${aPub}/v1/versions`)],
      ['public-epochs-latest.json', await getJson(a, `${aPub}/v1/epochs/latest`)],
      ['public-epochs-current-participants.json', await getJson(a, `${aPub}/v1/epochs/current/participants`)],
      ['public-v2-participant.json', await getJson(a, `${aPub}/v2/participants/${cold.a.address}`)],
      ['public-participants-get.json', await getJson(a, `${aPub}/v1/participants/${cold.a.address}`)],
      [
        'admin-nodes-list.json',
        (await admin(a, 'GET', '/admin/v1/nodes')).body,
        ['[].node.models', '[].state.epoch_models', '[].state.epoch_ml_nodes'],
      ],
      ['admin-setup-report.json', (await admin(a, 'GET', '/admin/v1/setup/report')).body],
      ['admin-setup-report-missed-requests-details.json', await missedRequestsCheck()],
      ['admin-nodes-enable.json', (await admin(a, 'POST', '/admin/v1/nodes/b1/enable')).body],
      ['admin-nodes-delete-not-found.json', (await admin(a, 'DELETE', '/admin/v1/nodes/nope')).body],
      ['mlcallback-versions.json', await getJson(a, `http://${a.ip}:9100/versions`)],
      ['mlnode-health.json', await getJson(a, `${bMl}/health`)],
      ['mlnode-state-inference.json', await getJson(a, `${bMl}/api/v1/state`)],
      ['mlnode-versions.json', await getJson(a, `${bMl}/api/v1/versions`)],
      ['mlnode-gpu-devices.json', await getJson(a, `${bMl}/api/v1/gpu/devices`)],
      ['mlnode-gpu-driver.json', await getJson(a, `${bMl}/api/v1/gpu/driver`)],
      ['mlnode-pow-status.json', await getJson(a, `${bMl}/api/v1/inference/pow/status`)],
      ['mlnode-inference-up-status.json', await getJson(a, `${bMl}/api/v1/inference/up/status`)],
      ['mlnode-models-list.json', await getJson(a, `${bMl}/api/v1/models/list`)],
      ['mlnode-models-space.json', await getJson(a, `${bMl}/api/v1/models/space`)],
    ];
    // §4.2 lists these detail keys but gives no types, so the golden sample leaves them out.
    const reportDetails = [
      'cold_key_address',
      'warm_key_address',
      'granted',
      'missing',
      'allowance_type',
      'spend_limit',
      'expiration',
      'inference_count',
      'missed_requests',
      'total_requests',
      'missed_percentage',
    ].map((k) => `checks[].details.${k}`);
    const problems: string[] = [];
    for (const [file, body, dynamicKeys] of checks) {
      const g = loadGolden(file);
      const optionalKeys = [...g.optionalKeys, ...(file === 'admin-setup-report.json' ? reportDetails : [])];
      for (const d of shapeDiff(g.sample, body, { optionalKeys, dynamicKeys }))
        problems.push(`${file}: ${d}`);
    }
    expect(problems).toEqual([]);
  });
});
