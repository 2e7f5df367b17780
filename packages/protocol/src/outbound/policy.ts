import net from 'node:net';
import { classifyAddress, embeddedIPv4, type AddressClass } from './address-class.js';

/** The classes an operator may open as a whole; `metadata` is never one of them. */
export const ALLOWABLE_CLASSES = ['loopback', 'private', 'link-local'] as const;
export type AllowableClass = (typeof ALLOWABLE_CLASSES)[number];

/**
 * Where requests chosen by a user may go. Public addresses always; the allowable classes and the
 * CIDRs the operator lists in addition; metadata addresses never, whatever the configuration says.
 */
export interface OutboundPolicy {
  readonly allow: ReadonlySet<AllowableClass>;
  /** Extra ranges the operator opened (a lab's subnet, one loopback address). */
  readonly ranges: net.BlockList;
  /** The configuration it was made from, normalised (for logs and the status page). */
  readonly spec: string;
}

export class OutboundConfigError extends Error {
  override name = 'OutboundConfigError';
}

/** Host names of metadata services, refused before any lookup (some resolve only inside a cloud). */
const METADATA_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.com',
  'metadata.tencentyun.com',
]);

export function isMetadataName(host: string): boolean {
  return METADATA_NAMES.has(host.toLowerCase().replace(/\.$/, ''));
}

/**
 * A policy from its configuration: a comma-separated list of `loopback`, `private`, `link-local`
 * and CIDRs or single addresses (`10.213.0.0/16`, `fd00::/8`, `127.0.0.1`); empty or `none` opens
 * nothing beyond public addresses. A bad entry throws, naming it.
 */
export function outboundPolicy(spec: string | undefined = ''): OutboundPolicy {
  const allow = new Set<AllowableClass>();
  const ranges = new net.BlockList();
  const kept: string[] = [];
  for (const raw of spec.split(',')) {
    const t = raw.trim().toLowerCase();
    if (!t || t === 'none') continue;
    if ((ALLOWABLE_CLASSES as readonly string[]).includes(t)) {
      allow.add(t as AllowableClass);
      kept.push(t);
      continue;
    }
    const [addr = '', bitsText, extra] = t.split('/');
    const family = net.isIP(addr);
    const max = family === 6 ? 128 : 32;
    const bits = bitsText === undefined ? max : Number(bitsText);
    if (!family || extra !== undefined || !/^\d{1,3}$/.test(String(bits)) || bits > max)
      throw new OutboundConfigError(
        `"${raw.trim()}" is not loopback, private, link-local, none, an IP address or a CIDR (10.213.0.0/16)`,
      );
    if (classifyAddress(addr) === 'metadata' && bits === max)
      throw new OutboundConfigError(`"${raw.trim()}" is a metadata address: those are always refused`);
    ranges.addSubnet(addr, bits, family === 6 ? 'ipv6' : 'ipv4');
    kept.push(`${addr}/${bits}`);
  }
  return { allow, ranges, spec: kept.join(',') || 'none' };
}

export interface AddressVerdict {
  allowed: boolean;
  class: AddressClass;
}

/** Whether the policy lets a request reach this address. */
export function judgeAddress(ip: string, policy: OutboundPolicy): AddressVerdict {
  const c = classifyAddress(ip);
  if (c === 'metadata') return { allowed: false, class: c };
  if (c === 'public') return { allowed: true, class: c };
  if (c !== 'reserved' && policy.allow.has(c)) return { allowed: true, class: c };
  const bare = ip.split('%')[0] ?? '';
  const inner = embeddedIPv4(bare);
  const inRange =
    (inner !== null && policy.ranges.check(inner, 'ipv4')) ||
    policy.ranges.check(bare, net.isIPv6(bare) ? 'ipv6' : 'ipv4');
  return { allowed: inRange, class: c };
}
