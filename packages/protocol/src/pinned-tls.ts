import crypto from 'node:crypto';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Transport } from './plain-transport.js';

/**
 * TLS with a pinned public key instead of a certificate authority (DESIGN invariant 6): the agent
 * trusts exactly the key whose hash the install command carried (curl's `sha256//<base64>` format),
 * so a self-signed control plane is as safe as a CA-signed one and a CA-signed impostor is refused.
 */
export class PinError extends Error {
  override name = 'PinError';
}

export interface PeerCertificate {
  /** Hex SHA-256 of the DER certificate (bound into handshakes). */
  certSha256: string;
  /** `sha256//<base64 SHA-256 of the SPKI>`. */
  spkiPin: string;
}

export function peerCertificate(socket: TLSSocket): PeerCertificate {
  const raw = socket.getPeerCertificate(false).raw as Buffer | undefined;
  if (!raw?.length) throw new PinError('the server presented no TLS certificate');
  const cert = new crypto.X509Certificate(raw);
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return {
    certSha256: crypto.createHash('sha256').update(raw).digest('hex'),
    spkiPin: `sha256//${crypto.createHash('sha256').update(spki).digest('base64')}`,
  };
}

/** Throws unless the socket's certificate key matches the pin; returns the certificate's hashes. */
export function checkPin(socket: TLSSocket, pin: string): PeerCertificate {
  const peer = peerCertificate(socket);
  if (peer.spkiPin !== pin)
    throw new PinError(
      `the control plane's TLS key does not match the pin (got ${peer.spkiPin}, pinned ${pin}): something is intercepting the connection, or the control plane's certificate key changed; re-run the install command from the control plane`,
    );
  return peer;
}

/**
 * One HTTPS request to a pinned server. The body is written only after the pin is checked, so a token
 * is never sent to the wrong server. `onPeer` sees the certificate first (e.g. to sign over its hash).
 */
export async function pinnedJsonRequest(
  url: string,
  transport: Transport,
  method: 'GET' | 'POST',
  body: (peer: PeerCertificate | null) => unknown,
): Promise<{ status: number; json: unknown }> {
  const u = new URL(url);
  const isHttps = u.protocol === 'https:';
  // The transport was decided (controlPlaneTransport) for this URL: a mismatch is a bug, never a downgrade.
  if (isHttps !== (transport.kind === 'tls'))
    throw new PinError(`${u.origin} does not match the transport decided for it (${transport.kind})`);
  const pin = transport.kind === 'tls' ? transport.pin : null;
  const mod = isHttps ? https : await import('node:http');
  return new Promise((resolve, reject) => {
    const req = mod.request(
      u,
      {
        method,
        headers: { 'content-type': 'application/json' },
        // A fresh connection each time: a pooled, already-checked socket would skip the pin check.
        agent: false,
        ...(isHttps ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = text;
          try {
            json = JSON.parse(text);
          } catch {
            /* not JSON: keep the text */
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on('error', reject);
    const send = (peer: PeerCertificate | null) => {
      const payload = method === 'POST' ? JSON.stringify(body(peer)) : undefined;
      req.end(payload);
    };
    if (!isHttps) return send(null);
    req.on('socket', (socket) => {
      const tlsSocket = socket as TLSSocket;
      const verify = () => {
        try {
          send(checkPin(tlsSocket, pin ?? ''));
        } catch (e) {
          req.destroy(e as Error);
        }
      };
      if (tlsSocket.authorized !== undefined && tlsSocket.getPeerCertificate?.(false)?.raw) verify();
      else tlsSocket.once('secureConnect', verify);
    });
  });
}
