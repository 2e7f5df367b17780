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

/**
 * The transport follows the public URL: an https:// one always goes with its pin (never unpinned),
 * and only an http:// one — a development control plane — carries the agent-side `--dev-plain-http`,
 * so the installer and the agent talk plain HTTP only because the command says so explicitly.
 */
export function installCommand(pins: Pins, token: string): string {
  const plain = pins.publicUrl.startsWith('http://');
  if (!plain && !pins.tlsPin)
    throw new Error(`no TLS pin for ${pins.publicUrl}: an https install command always carries the pin`);
  // --retry: a control plane that has just started is still building the agent and answers 503 with
  // Retry-After meanwhile; curl waits and tries again instead of failing the install.
  const curl =
    !plain && pins.tlsPin
      ? `curl -fsSL --retry 8 --pinnedpubkey ${q(pins.tlsPin)} -k ${q(`${pins.publicUrl}/install.sh`)}`
      : `curl -fsSL --retry 8 ${q(`${pins.publicUrl}/install.sh`)}`;
  const args = [
    `--control-plane ${q(pins.publicUrl)}`,
    `--token ${q(token)}`,
    `--cp-fingerprint ${pins.cpFingerprint}`,
    !plain && pins.tlsPin ? `--tls-pin ${q(pins.tlsPin)}` : '--dev-plain-http',
    pins.rootSha256 ? `--root-sha256 ${pins.rootSha256}` : null,
  ].filter((x): x is string => x !== null);
  return `${curl} | sudo sh -s -- ${args.join(' ')}`;
}
