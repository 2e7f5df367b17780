import { PinError } from './pinned-tls.js';

/**
 * How a client reaches the control plane (DESIGN invariant 6): over TLS checked against the pinned
 * key, or — for a development control plane only — in the clear. Plain HTTP/WS is never inferred from
 * an `http://` URL alone: the client's own development flag must say so too, so a URL mistyped,
 * downgraded or handed over by someone else cannot switch TLS and the pin off.
 */
export type Transport = { kind: 'tls'; pin: string } | { kind: 'plain' };

export interface TransportOptions {
  /** The control plane's TLS key pin (`sha256//…`); null only for a development control plane. */
  tlsPin: string | null;
  /** The client's explicit development flag: plain http/ws is allowed only with it. */
  devPlainHttp: boolean;
  /** How the user of this client turns the flag on, e.g. `--dev-plain-http`: named in the refusal. */
  allowWith: string;
}

export class PlainTransportError extends Error {
  override name = 'PlainTransportError';
}

/** Decides the transport for a control-plane URL, or throws saying what to do instead. */
export function controlPlaneTransport(url: string, o: TransportOptions): Transport {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PlainTransportError(`"${url}" is not a URL: give the control plane's https:// address`);
  }
  if (u.protocol === 'https:' || u.protocol === 'wss:') {
    if (!o.tlsPin)
      throw new PinError(
        `${u.origin} needs the control plane's TLS key pin: copy the whole command from the control plane (it carries the pin)`,
      );
    return { kind: 'tls', pin: o.tlsPin };
  }
  if (u.protocol === 'http:' || u.protocol === 'ws:') {
    if (!o.devPlainHttp)
      throw new PlainTransportError(
        `refused: ${u.origin} is plain HTTP — no TLS and no key pin, so anyone on the way could read and change the traffic. ` +
          `Use the control plane's https:// address. Only a development control plane (GNM_DEV_PLAIN_HTTP=true) serves plain HTTP; ` +
          `to talk to one on purpose, pass ${o.allowWith}`,
      );
    return { kind: 'plain' };
  }
  throw new PlainTransportError(`${u.protocol} is not a control-plane address: give its https:// address`);
}
