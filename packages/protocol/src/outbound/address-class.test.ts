import net from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyAddress, embeddedIPv4 } from './address-class.js';
import { judgeAddress, outboundPolicy, OutboundConfigError } from './policy.js';

const CASES: [string, string][] = [
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['0.0.0.0', 'loopback'],
  ['0.1.2.3', 'loopback'],
  ['::1', 'loopback'],
  ['::', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['0:0:0:0:0:ffff:7f00:0001', 'loopback'],
  ['::ffff:0:127.0.0.1', 'loopback'],
  ['::127.0.0.1', 'loopback'],
  ['64:ff9b::127.0.0.1', 'loopback'],
  ['2002:7f00:1::', 'loopback'],
  ['10.0.0.1', 'private'],
  ['10.213.4.2', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'private'],
  ['100.127.255.255', 'private'],
  ['198.18.0.1', 'private'],
  ['fc00::1', 'private'],
  ['fd12:3456::1', 'private'],
  ['fec0::1', 'private'],
  ['::ffff:10.0.0.1', 'private'],
  ['::ffff:a00:1', 'private'],
  ['64:ff9b::10.0.0.1', 'private'],
  ['64:ff9b:1::1', 'private'],
  ['2002:c0a8:101::1', 'private'],
  ['169.254.1.1', 'link-local'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['febf::1', 'link-local'],
  ['::ffff:169.254.1.1', 'link-local'],
  ['169.254.169.254', 'metadata'],
  ['::ffff:169.254.169.254', 'metadata'],
  ['::ffff:a9fe:a9fe', 'metadata'],
  ['64:ff9b::a9fe:a9fe', 'metadata'],
  ['2002:a9fe:a9fe::', 'metadata'],
  ['::169.254.169.254', 'metadata'],
  ['fd00:ec2::254', 'metadata'],
  ['fd00:ec2:0:0:0:0:0:254', 'metadata'],
  ['100.100.100.200', 'metadata'],
  ['169.254.170.2', 'metadata'],
  ['168.63.129.16', 'metadata'],
  ['224.0.0.1', 'reserved'],
  ['255.255.255.255', 'reserved'],
  ['240.0.0.1', 'reserved'],
  ['192.0.2.1', 'reserved'],
  ['203.0.113.9', 'reserved'],
  ['ff02::1', 'reserved'],
  ['2001:db8::1', 'reserved'],
  ['2001:0:4136:e378::1', 'reserved'],
  ['not an address', 'reserved'],
  ['8.8.8.8', 'public'],
  ['1.1.1.1', 'public'],
  ['100.63.255.255', 'public'],
  ['100.128.0.0', 'public'],
  ['172.15.255.255', 'public'],
  ['172.32.0.0', 'public'],
  ['169.253.255.255', 'public'],
  ['2606:4700:4700::1111', 'public'],
  ['::ffff:8.8.8.8', 'public'],
  ['2002:808:808::', 'public'],
];

describe('the address classifier', () => {
  it.each(CASES)('%s is %s', (ip, c) => {
    expect(classifyAddress(ip)).toBe(c);
  });

  const octet = fc.integer({ min: 0, max: 255 });
  const v4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
  const hex = (n: number) => n.toString(16);

  it('judges every IPv6 form of an IPv4 address like the address itself', () => {
    fc.assert(
      fc.property(v4, fc.boolean(), (ip, upper) => {
        const [a = 0, b = 0, c = 0, d = 0] = ip.split('.').map(Number);
        const hi = hex((a << 8) | b);
        const lo = hex((c << 8) | d);
        const forms = [
          `::ffff:${ip}`,
          `::ffff:${hi}:${lo}`,
          `0:0:0:0:0:ffff:${hi}:${lo}`,
          `::ffff:0:${ip}`,
          `64:ff9b::${ip}`,
          `64:ff9b::${hi}:${lo}`,
          `2002:${hi}:${lo}::1`,
        ].map((f) => (upper ? f.toUpperCase() : f));
        const expected = classifyAddress(ip);
        for (const f of forms) {
          expect(embeddedIPv4(f.toLowerCase())).toBe(ip);
          expect(classifyAddress(f), f).toBe(expected);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never lets a metadata, loopback or private address through the default policy', () => {
    const strict = outboundPolicy('');
    const everything = outboundPolicy('loopback,private,link-local,0.0.0.0/0,::/0');
    fc.assert(
      fc.property(fc.oneof(v4, fc.ipV6(), fc.ipV4Extended()), (ip) => {
        const c = classifyAddress(ip);
        // Shorthand forms (0x7f.1, 127.1) are names to the resolver: a string that is no address
        // is never a destination here; vetHost judges what the resolver makes of it.
        const isIp = net.isIP(ip) !== 0;
        expect(judgeAddress(ip, strict).allowed, ip).toBe(isIp && c === 'public');
        expect(judgeAddress(ip, everything).allowed, ip).toBe(isIp && c !== 'metadata');
      }),
      { numRuns: 5000 },
    );
  });
});

describe('the policy configuration', () => {
  it('opens classes and ranges, never metadata', () => {
    const p = outboundPolicy(' private , 127.0.0.1/32,fd00::/8 ');
    expect(p.spec).toBe('private,127.0.0.1/32,fd00::/8');
    expect(judgeAddress('10.1.2.3', p).allowed).toBe(true);
    expect(judgeAddress('127.0.0.1', p).allowed).toBe(true);
    expect(judgeAddress('::ffff:127.0.0.1', p).allowed).toBe(true);
    expect(judgeAddress('127.0.0.2', p).allowed).toBe(false);
    expect(judgeAddress('169.254.169.254', outboundPolicy('169.254.0.0/16,link-local')).allowed).toBe(false);
    expect(judgeAddress('fd00:ec2::254', p).allowed).toBe(false);
    expect(outboundPolicy('').spec).toBe('none');
    expect(outboundPolicy('none').allow.size).toBe(0);
  });

  it('refuses what it does not understand, naming it', () => {
    expect(() => outboundPolicy('privat')).toThrow(OutboundConfigError);
    expect(() => outboundPolicy('10.0.0.0/33')).toThrow(/10\.0\.0\.0\/33/);
    expect(() => outboundPolicy('10.0.0.0/8/1')).toThrow(OutboundConfigError);
    expect(() => outboundPolicy('169.254.169.254')).toThrow(/metadata/);
    expect(() => outboundPolicy('metadata')).toThrow(OutboundConfigError);
  });
});
