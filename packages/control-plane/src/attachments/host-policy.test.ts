import { describe, expect, it } from 'vitest';
import { FirewallPolicy } from '@gnm/protocol';
import { bindingValues, hostPolicy, isPrivateAddress, type ActiveAttachment } from './host-policy.js';
import { connectivityProblems, mlSideChecks, networkSideChecks } from './connectivity.js';

const att = (id: string, ml: string, mlAddress: string): ActiveAttachment => ({
  id,
  networkHostId: 'hA',
  mlHostId: ml,
  networkAddress: '10.0.0.1',
  mlAddress,
  callbackUrl: 'http://10.0.0.1:9100',
  mlPorts: { poc: 8080, inference: 5050 },
});
const both = [att('1', 'hB', '10.0.0.2'), att('2', 'hC', '10.0.0.3')];

describe('attachment policies', () => {
  it('the network host: 9100 from the attached ML hosts only, 9200 and 26657 from nobody', () => {
    const p = hostPolicy('hA', both);
    expect(FirewallPolicy.safeParse(p).success).toBe(true);
    expect(p?.rules).toEqual([
      {
        port: 9100,
        protocol: 'tcp',
        allowFrom: ['10.0.0.2', '10.0.0.3'],
        purpose: 'DAPI ML callback (attached ML nodes only)',
      },
      { port: 9200, protocol: 'tcp', allowFrom: [], purpose: 'DAPI Admin API (nobody)' },
      { port: 26657, protocol: 'tcp', allowFrom: [], purpose: 'CometBFT RPC (nobody)' },
    ]);
  });

  it('an ML host: its two ports from its network node only; without an attachment, no policy', () => {
    const p = hostPolicy('hB', both);
    expect(p?.rules.map((r) => [r.port, r.allowFrom])).toEqual([
      [8080, ['10.0.0.1']],
      [5050, ['10.0.0.1']],
    ]);
    expect(hostPolicy('hD', both)).toBeNull();
    expect(hostPolicy('hA', [])).toBeNull();
  });

  it('bind values: the ML node on its address, the network node’s callback and 9100 on its own', () => {
    expect(bindingValues({ hostId: 'hB', role: 'mlnode' }, both)).toEqual({
      MLNODE_BIND_ADDRESS: '10.0.0.2',
    });
    expect(bindingValues({ hostId: 'hA', role: 'network' }, both)).toEqual({
      DAPI_CALLBACK_BIND_ADDRESS: '10.0.0.1',
      DAPI_API__POC_CALLBACK_URL: 'http://10.0.0.1:9100',
    });
    expect(bindingValues({ hostId: 'hX', role: 'mlnode' }, both)).toEqual({});
  });

  it('private addresses', () => {
    for (const a of ['10.1.2.3', '172.16.0.1', '172.31.255.1', '192.168.1.1', '100.64.0.1', 'fd00::1'])
      expect(isPrivateAddress(a), a).toBe(true);
    for (const a of ['8.8.8.8', '172.32.0.1', '203.0.113.5', '100.128.0.1', '2001:db8::1'])
      expect(isPrivateAddress(a), a).toBe(false);
  });
});

describe('connectivity', () => {
  const a = {
    networkAddress: '10.0.0.1',
    mlAddress: '10.0.0.2',
    callbackUrl: 'http://10.0.0.99:9100',
    mlPorts: { poc: 8080, inference: 5050 },
  };
  it('checks both ways; a callback URL elsewhere is checked along with the chosen address', () => {
    expect(networkSideChecks(a).map((c) => `${c.id} ${c.host}:${c.port}${c.path ?? ''}`)).toEqual([
      'ml-health 10.0.0.2:8080/health',
      'ml-state 10.0.0.2:8080/api/v1/state',
      'ml-inference 10.0.0.2:5050',
    ]);
    expect(mlSideChecks(a).map((c) => `${c.id} ${c.host}:${c.port}`)).toEqual([
      'callback 10.0.0.99:9100',
      'callback-direct 10.0.0.1:9100',
    ]);
    expect(mlSideChecks({ ...a, callbackUrl: 'http://10.0.0.1:9100' })).toHaveLength(1);
  });

  it('a wrong callback URL is named with the address that answers', () => {
    const ok = (id: string) => ({ id, target: id, ok: true, failure: null, detail: 'answered 200' });
    const problems = connectivityProblems(
      { ...a, networkHost: 'net-a', mlHost: 'ml-b' },
      [ok('ml-health'), ok('ml-state'), ok('ml-inference')],
      [
        {
          id: 'callback',
          target: 'http://10.0.0.99:9100/versions',
          ok: false,
          failure: 'timeout',
          detail: 'no answer within 5 s',
        },
        ok('callback-direct'),
      ],
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/cannot reach the PoC callback URL http:\/\/10\.0\.0\.99:9100/);
    expect(problems[0]).toMatch(/use that as the callback URL/);
    expect(problems[0]).toContain('http://10.0.0.1:9100');
  });

  it('the ML node unreachable: says which address and port to check', () => {
    const problems = connectivityProblems(
      { ...a, callbackUrl: 'http://10.0.0.1:9100', networkHost: 'net-a', mlHost: 'ml-b' },
      [
        {
          id: 'ml-health',
          target: 'http://10.0.0.2:8080/health',
          ok: false,
          failure: 'unreachable',
          detail: 'unreachable (EHOSTUNREACH)',
        },
        { id: 'ml-state', target: 'x', ok: false, failure: 'unreachable', detail: 'x' },
        { id: 'ml-inference', target: '10.0.0.2:5050', ok: true, failure: null, detail: 'TCP connect ok' },
      ],
      [{ id: 'callback', target: 'x', ok: true, failure: null, detail: 'answered 200' }],
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/cannot reach the ML node's API at http:\/\/10\.0\.0\.2:8080\/health/);
    expect(problems[0]).toMatch(/drops port 8080/);
  });
});
