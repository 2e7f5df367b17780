import dns from 'node:dns';
import net from 'node:net';

/**
 * Tests of the outbound policy name metadata and private addresses on purpose. If the policy ever
 * regressed, such a test would really dial them from the test machine; this guard makes any socket
 * to an address outside loopback fail at once instead (and records it), so a regression shows up
 * as a failed test, never as traffic. Returns the addresses that were blocked and a restore function.
 */
export function loopbackOnlySockets(
  allowed: (address: string) => boolean = (a) =>
    net.isIP(a) !== 0 && (a.startsWith('127.') || a === '::1' || a === '::ffff:127.0.0.1'),
): { blocked: string[]; restore: () => void } {
  const blocked: string[] = [];
  const original = net.Socket.prototype.connect;
  const isLoopback = allowed;
  function guarded(this: net.Socket, ...args: unknown[]): net.Socket {
    // net.connect hands over its normalised arguments as an array: [options, callback].
    const first: unknown = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    const opts =
      first && typeof first === 'object' ? (first as Partial<net.TcpSocketConnectOpts>) : undefined;
    const host = opts ? opts.host : typeof args[1] === 'string' ? args[1] : undefined;
    // A Unix socket (docker) has a path; http hands `path: null` for TCP.
    const isPath = opts !== undefined && 'path' in opts && typeof opts.path === 'string';
    if (!isPath && host !== undefined && net.isIP(host) !== 0 && !isLoopback(host)) {
      blocked.push(host);
      throw new Error(`test guard: a socket to ${host} (outside loopback) was about to be opened`);
    }
    // A name is resolved inside the socket: check what its lookup answers before it is dialled.
    if (opts && !isPath) {
      const lookup = opts.lookup ?? dns.lookup;
      const checked = (hostname: string, o: dns.LookupOptions, cb: (...r: unknown[]) => void) =>
        lookup(hostname, o, (err: unknown, address: unknown, family?: unknown) => {
          const list = Array.isArray(address)
            ? address.map((a: { address: string }) => a.address)
            : typeof address === 'string'
              ? [address]
              : [];
          const bad = list.find((a) => !isLoopback(a));
          if (!err && bad) {
            blocked.push(bad);
            cb(new Error(`test guard: ${hostname} resolved to ${bad} (outside loopback)`));
            return;
          }
          cb(err, address, family);
        });
      opts.lookup = checked as typeof opts.lookup;
    }
    return Reflect.apply(original, this, args) as net.Socket;
  }
  net.Socket.prototype.connect = guarded as typeof original;
  return {
    blocked,
    restore: () => {
      net.Socket.prototype.connect = original;
    },
  };
}
