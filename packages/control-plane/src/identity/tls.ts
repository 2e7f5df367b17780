import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import selfsigned from 'selfsigned';
import { writeFileAtomic } from '../util/atomic-file.js';

/**
 * How the control plane meets TLS (DESIGN invariant 6):
 *  - `self-signed`: no certificate configured, so one is made at first start (ECDSA P-256, kept in the
 *    data folder) and agents pin its key;
 *  - `file`: a given certificate and key (e.g. from a company CA), served directly;
 *  - `proxy`: a reverse proxy terminates TLS; the control plane serves plain HTTP behind it and is told
 *    the proxy's certificate (public part only) so it can print the pins and bind handshakes to it;
 *  - `plain`: no TLS at all, only with the explicit development flag.
 */
export type TlsMode = 'self-signed' | 'file' | 'proxy' | 'plain';

export interface TlsMaterial {
  mode: TlsMode;
  /** PEM key and certificate chain to serve (self-signed and file modes). */
  serve?: { key: string; cert: string };
  /** Hex SHA-256 of the certificate agents see (DER): bound into every handshake; "plain-ws" without TLS. */
  certSha256: string;
  /** The certificate's public key pin, curl's format: `sha256//<base64 SHA-256 of the SPKI>`. */
  spkiPin: string | null;
  notAfter: string | null;
}

export class TlsConfigError extends Error {
  override name = 'TlsConfigError';
}

export function describeCertificate(pem: string): Pick<TlsMaterial, 'certSha256' | 'spkiPin' | 'notAfter'> {
  const cert = new crypto.X509Certificate(pem);
  const spki = cert.publicKey.export({ format: 'der', type: 'spki' });
  return {
    certSha256: crypto.createHash('sha256').update(cert.raw).digest('hex'),
    spkiPin: `sha256//${crypto.createHash('sha256').update(spki).digest('base64')}`,
    notAfter: new Date(cert.validTo).toISOString(),
  };
}

function readPem(file: string, variable: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new TlsConfigError(`${variable}=${file} cannot be read (${(e as Error).message})`, { cause: e });
  }
}

export interface TlsSettings {
  dataDir: string;
  certFile?: string;
  keyFile?: string;
  behindProxy: boolean;
  devPlain: boolean;
  /** Names and addresses the self-signed certificate is made for. */
  names: string[];
}

export async function loadTls(s: TlsSettings): Promise<TlsMaterial> {
  if (s.devPlain) return { mode: 'plain', certSha256: 'plain-ws', spkiPin: null, notAfter: null };
  if (s.behindProxy) {
    if (!s.certFile)
      throw new TlsConfigError(
        'GNM_BEHIND_PROXY needs GNM_TLS_CERT_FILE: the certificate your proxy presents (public part only), so agents can pin it',
      );
    const cert = readPem(s.certFile, 'GNM_TLS_CERT_FILE');
    return { mode: 'proxy', ...describe(cert, 'GNM_TLS_CERT_FILE') };
  }
  if (s.certFile || s.keyFile) {
    if (!s.certFile || !s.keyFile)
      throw new TlsConfigError('set both GNM_TLS_CERT_FILE and GNM_TLS_KEY_FILE, or neither');
    const cert = readPem(s.certFile, 'GNM_TLS_CERT_FILE');
    const key = readPem(s.keyFile, 'GNM_TLS_KEY_FILE');
    const d = describe(cert, 'GNM_TLS_CERT_FILE');
    const leaf = new crypto.X509Certificate(cert);
    if (!leaf.checkPrivateKey(crypto.createPrivateKey(key)))
      throw new TlsConfigError('GNM_TLS_KEY_FILE is not the key of the certificate in GNM_TLS_CERT_FILE');
    return { mode: 'file', serve: { key, cert }, ...d };
  }
  return selfSigned(s);
}

function describe(pem: string, variable: string): Pick<TlsMaterial, 'certSha256' | 'spkiPin' | 'notAfter'> {
  try {
    return describeCertificate(pem);
  } catch (e) {
    throw new TlsConfigError(`${variable} is not a PEM certificate (${(e as Error).message})`, { cause: e });
  }
}

async function selfSigned(s: TlsSettings): Promise<TlsMaterial> {
  const dir = path.join(s.dataDir, 'tls');
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  if (!fs.existsSync(certFile) || !fs.existsSync(keyFile)) {
    const names = [...new Set(['localhost', '127.0.0.1', os.hostname(), ...s.names])];
    const notAfter = new Date(Date.now() + 10 * 365 * 86400_000);
    const generated = await selfsigned.generate([{ name: 'commonName', value: 'Gonka Node Manager' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notAfterDate: notAfter,
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: names.map((n) => (/^[\d.]+$|:/.test(n) ? { type: 7, ip: n } : { type: 2, value: n })),
        },
      ],
    });
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(keyFile, generated.private, 0o600);
    writeFileAtomic(certFile, generated.cert, 0o644);
  }
  const cert = fs.readFileSync(certFile, 'utf8');
  return {
    mode: 'self-signed',
    serve: { key: fs.readFileSync(keyFile, 'utf8'), cert },
    ...describeCertificate(cert),
  };
}
