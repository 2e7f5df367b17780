import net from 'node:net';

/**
 * What kind of destination an IP address is, for the outbound policy. `metadata` (cloud instance
 * metadata services: credentials live there) is never allowed; `loopback`, `private` and
 * `link-local` only where the operator allows them; `reserved` (multicast, documentation,
 * broadcast, IETF special use) only by an explicit CIDR; `public` always.
 */
export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'metadata' | 'reserved';

/** Instance-metadata endpoints of the clouds (AWS, GCP, Azure, Alibaba, Oracle, ECS/EKS agents). */
const METADATA_V4 = [
  '169.254.169.254',
  '169.254.170.2',
  '169.254.170.23',
  '100.100.100.200',
  '192.0.0.192',
  '168.63.129.16',
];
const METADATA_V6 = ['fd00:ec2::254', 'fd00:ec2::23'];

const v4 = (cidrs: string[]): net.BlockList => {
  const b = new net.BlockList();
  for (const c of cidrs) {
    const [a, bits] = c.split('/');
    b.addSubnet(a ?? '', Number(bits), 'ipv4');
  }
  return b;
};
const v6 = (cidrs: string[]): net.BlockList => {
  const b = new net.BlockList();
  for (const c of cidrs) {
    const [a, bits] = c.split('/');
    b.addSubnet(a ?? '', Number(bits), 'ipv6');
  }
  return b;
};

// 0.0.0.0/8 counts as loopback: connecting to 0.0.0.0 reaches the local host on Linux.
const V4_CLASSES: [Exclude<AddressClass, 'public' | 'metadata'>, net.BlockList][] = [
  ['loopback', v4(['127.0.0.0/8', '0.0.0.0/8'])],
  ['link-local', v4(['169.254.0.0/16'])],
  ['private', v4(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '198.18.0.0/15'])],
  [
    'reserved',
    v4([
      '192.0.0.0/24',
      '192.0.2.0/24',
      '192.88.99.0/24',
      '198.51.100.0/24',
      '203.0.113.0/24',
      '224.0.0.0/4',
      '240.0.0.0/4',
    ]),
  ],
];
const V6_CLASSES: [Exclude<AddressClass, 'public' | 'metadata'>, net.BlockList][] = [
  ['loopback', v6(['::1/128', '::/128'])],
  ['link-local', v6(['fe80::/10'])],
  ['private', v6(['fc00::/7', 'fec0::/10', '64:ff9b:1::/48'])],
  [
    'reserved',
    v6(['ff00::/8', '2001:db8::/32', '3fff::/20', '100::/64', '2001::/23', '5f00::/16', '::/8', '200::/7']),
  ],
];

/** The eight 16-bit words of an IPv6 address (already checked by net.isIPv6), zone id dropped. */
function words(ip: string): number[] {
  let s = ip.split('%')[0] ?? '';
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two words.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    s = `${s.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((w) => parseInt(w, 16));
}

const quadOf = (hi: number, lo: number): string => [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');

/**
 * The IPv4 address an IPv6 form carries, where the packet would reach it (mapped, compatible,
 * translated, NAT64 well-known prefix, 6to4): such forms are judged by their IPv4 address, so
 * `::ffff:127.0.0.1` or `64:ff9b::a9fe:a9fe` are not a way around the policy.
 */
export function embeddedIPv4(ip: string): string | null {
  if (net.isIPv6(ip) === false) return null;
  const w = words(ip);
  const [w0, w1, w2, w3, w4, w5, w6, w7] = w as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const zeros = (ws: number[]) => ws.every((x) => x === 0);
  // ::ffff:a.b.c.d (mapped), ::ffff:0:a.b.c.d (translated), ::a.b.c.d (compatible, not :: or ::1).
  if (zeros([w0, w1, w2, w3]) && ((w4 === 0 && w5 === 0xffff) || (w4 === 0xffff && w5 === 0)))
    return quadOf(w6, w7);
  if (zeros([w0, w1, w2, w3, w4, w5]) && (w6 !== 0 || w7 > 1)) return quadOf(w6, w7);
  // 64:ff9b::/96, the NAT64 well-known prefix.
  if (w0 === 0x64 && w1 === 0xff9b && zeros([w2, w3, w4, w5])) return quadOf(w6, w7);
  // 2002::/16, 6to4: the IPv4 address follows the prefix.
  if (w0 === 0x2002) return quadOf(w1, w2);
  return null;
}

/** The class of an IP address (IPv4 or IPv6, in any form Node's `net.isIP` accepts). */
export function classifyAddress(ip: string): AddressClass {
  const family = net.isIP(ip.split('%')[0] ?? '');
  if (family === 4) {
    if (METADATA_V4.includes(ip)) return 'metadata';
    for (const [c, list] of V4_CLASSES) if (list.check(ip, 'ipv4')) return c;
    return 'public';
  }
  if (family === 6) {
    const inner = embeddedIPv4(ip);
    if (inner !== null) return classifyAddress(inner);
    const bare = ip.split('%')[0] ?? '';
    if (METADATA_V6.some((m) => sameV6(m, bare))) return 'metadata';
    for (const [c, list] of V6_CLASSES) if (list.check(bare, 'ipv6')) return c;
    return 'public';
  }
  // Not an address at all: never a destination.
  return 'reserved';
}

function sameV6(a: string, b: string): boolean {
  const x = words(a);
  const y = words(b);
  return x.every((w, i) => w === y[i]);
}
