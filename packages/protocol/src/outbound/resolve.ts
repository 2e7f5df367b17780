import dns from 'node:dns';
import net from 'node:net';
import { OutboundError } from './outbound-error.js';
import { isMetadataName, judgeAddress, type OutboundPolicy } from './policy.js';

export interface VettedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address a name resolves to (the system resolver, /etc/hosts included). */
export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

/**
 * Resolves a host once and checks every address it resolves to: one refused address refuses the
 * whole name (a name that answers both a public and a private address is a rebinding attempt). The
 * caller then connects only to these addresses, never resolving again.
 */
export async function vetHost(
  host: string,
  policy: OutboundPolicy,
  resolve: Resolver = systemResolver,
): Promise<VettedAddress[]> {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (isMetadataName(bare)) throw new OutboundError('refused-by-policy');
  let found: { address: string; family: number }[];
  if (net.isIP(bare)) found = [{ address: bare, family: net.isIP(bare) }];
  else {
    try {
      found = await resolve(bare);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      throw new OutboundError('dns-failed', undefined, typeof code === 'string' ? code : undefined);
    }
  }
  if (found.length === 0) throw new OutboundError('dns-failed');
  for (const a of found)
    if (!judgeAddress(a.address, policy).allowed) throw new OutboundError('refused-by-policy');
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}

/**
 * A `lookup` for node:net/http/tls that answers only the vetted addresses: the connection goes to
 * what was checked, and the name still serves the Host header and TLS (SNI, certificate check).
 */
export function pinnedLookup(addresses: VettedAddress[]): net.LookupFunction {
  return (_host, options, callback) => {
    const first = addresses[0];
    if (!first) {
      callback(new OutboundError('dns-failed'), '', 4);
      return;
    }
    if ((options as { all?: boolean }).all)
      (callback as unknown as (e: null, a: VettedAddress[]) => void)(null, addresses);
    else callback(null, first.address, first.family);
  };
}
