/**
 * The one command that installs an agent (DESIGN invariant 6). It carries the three pins, so the agent
 * trusts nothing the network hands it: the control plane's identity fingerprint, its TLS public-key
 * pin (curl checks the same pin while downloading the installer, even with a self-signed certificate)
 * and the SHA-256 of the TUF root.json that signs stack bundles.
 */
export interface Pins {
  publicUrl: string;
  cpFingerprint: string;
  /** `sha256//<base64>`; null only in the development plain-HTTP mode. */
  tlsPin: string | null;
  /** null until a signed bundle repository is imported. */
  rootSha256: string | null;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function installCommand(pins: Pins, token: string): string {
  const curl = pins.tlsPin
    ? `curl -fsSL --pinnedpubkey ${q(pins.tlsPin)} -k ${q(`${pins.publicUrl}/install.sh`)}`
    : `curl -fsSL ${q(`${pins.publicUrl}/install.sh`)}`;
  const args = [
    `--control-plane ${q(pins.publicUrl)}`,
    `--token ${q(token)}`,
    `--cp-fingerprint ${pins.cpFingerprint}`,
    pins.tlsPin ? `--tls-pin ${q(pins.tlsPin)}` : '--dev-plain-http',
    pins.rootSha256 ? `--root-sha256 ${pins.rootSha256}` : null,
  ].filter((x): x is string => x !== null);
  return `${curl} | sudo sh -s -- ${args.join(' ')}`;
}
