import net from 'node:net';
import { OutboundError, toOutboundError } from './outbound-error.js';
import type { OutboundPolicy } from './policy.js';
import { vetHost, type Resolver, type VettedAddress } from './resolve.js';

/**
 * Opens (and at once closes) a TCP connection to a host and port a user chose, under the outbound
 * policy: the host is resolved once, every address checked, and the connection goes to a checked
 * address. Resolves when one accepts; throws an OutboundError with a fixed reason otherwise (the
 * local socket code in `code`, for the host's own operator).
 */
export async function connectTcpForUser(
  host: string,
  port: number,
  policy: OutboundPolicy,
  o: { timeoutMs?: number; signal?: AbortSignal; resolve?: Resolver } = {},
): Promise<void> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new OutboundError('refused-by-policy');
  const addresses = await vetHost(host, policy, o.resolve);
  let last: OutboundError = new OutboundError('connect-failed');
  for (const a of addresses) {
    try {
      await connectOnce(a, port, o.timeoutMs ?? 5000, o.signal);
      return;
    } catch (e) {
      last = toOutboundError(e);
      if (o.signal?.aborted) break;
    }
  }
  throw last;
}

function connectOnce(a: VettedAddress, port: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: a.address, port, family: a.family, ...(signal ? { signal } : {}) });
    s.setTimeout(timeoutMs, () => {
      s.destroy();
      reject(new OutboundError('timeout', undefined, 'ETIMEDOUT'));
    });
    s.once('connect', () => {
      s.destroy();
      resolve();
    });
    s.once('error', (e) => {
      s.destroy();
      reject(toOutboundError(e));
    });
  });
}
