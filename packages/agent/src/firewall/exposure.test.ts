import { describe, expect, it } from 'vitest';
import { judge } from './exposure.js';
import { compressIpv6 } from '../probes/listening-ports.js';

const pub = (service: string, hostIp: string, hostPort: number, containerPort: number) => ({
  service,
  hostIp,
  hostPort,
  containerPort,
  protocol: 'tcp' as const,
});

describe('exposure judgement', () => {
  it('public ports are fine anywhere; loopback is fine; an unprotected ML port is critical', () => {
    const r = judge(
      [
        pub('node', '0.0.0.0', 5000, 26656),
        pub('proxy', '0.0.0.0', 8000, 80),
        pub('api', '127.0.0.1', 9200, 9200),
        pub('inference', '10.0.0.2', 8080, 8080),
      ],
      [],
      null,
      { ipv4: false, ipv6: false },
    );
    const by = Object.fromEntries(r.map((p) => [p.port, p]));
    expect(by[5000]?.verdict).toBe('ok');
    expect(by[8000]?.verdict).toBe('ok');
    expect(by[9200]).toMatchObject({ verdict: 'ok', reachableFrom: 'this host only' });
    expect(by[8080]).toMatchObject({ verdict: 'critical', exposure: 'restricted' });
    expect(by[8080]?.detail).toMatch(/network node only/);
  });

  it('a live rule makes a restricted port ok and says who may reach it; a rule not live is still critical', () => {
    const policy = {
      rules: [{ port: 8080, protocol: 'tcp' as const, allowFrom: ['10.0.0.1'], purpose: 'ML API' }],
    };
    const ports = [pub('inference', '10.0.0.2', 8080, 8080)];
    expect(judge(ports, [], policy, { ipv4: true, ipv6: false })[0]).toMatchObject({
      verdict: 'ok',
      reachableFrom: 'only 10.0.0.1',
    });
    expect(judge(ports, [], policy, { ipv4: false, ipv6: false })[0]?.detail).toMatch(/not live/);
  });

  it('host sockets on internal ports are judged; docker-proxy sockets of published ports are not counted twice', () => {
    const r = judge(
      [pub('inference', '10.0.0.2', 8080, 8080)],
      [
        { address: '10.0.0.2', port: 8080, family: 'ipv4' },
        { address: '0.0.0.0', port: 26657, family: 'ipv4' },
        { address: '0.0.0.0', port: 22, family: 'ipv4' },
      ],
      null,
      { ipv4: false, ipv6: false },
    );
    expect(r.map((p) => `${p.service}:${p.port}`)).toEqual(['inference:8080', 'host:26657']);
    expect(r[1]?.verdict).toBe('critical');
  });

  it('IPv6 text of /proc addresses', () => {
    expect(compressIpv6(['0', '0', '0', '0', '0', '0', '0', '1'])).toBe('::1');
    expect(compressIpv6(['0', '0', '0', '0', '0', '0', '0', '0'])).toBe('::');
    expect(compressIpv6(['fd00', '0', '0', '0', '0', '0', '0', '5'])).toBe('fd00::5');
    expect(compressIpv6(['fd00', '1', '0', '2', '0', '0', '3', '4'])).toBe('fd00:1:0:2::3:4');
  });
});
