import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { controlPlaneTransport, PinError, PlainTransportError } from '@gnm/protocol';
import { CliFailure, EXIT } from './output.js';

/** What `gnm login` saves: where the control plane is, the key it must present, and the API token. */
export interface SavedConfig {
  url?: string;
  token?: string;
  /** `sha256//<base64 SHA-256 of the SPKI>`; null for a plain-HTTP (development) control plane. */
  tlsPin?: string | null;
  /** The control plane's identity fingerprint, shown by `gnm login` (informational). */
  cpFingerprint?: string;
  /** Saved by `gnm login --dev-plain-http`: this (http://) URL may be talked to without TLS. */
  devPlainHttp?: boolean;
}

/** A complete connection: what every API command needs. */
export interface Connection {
  url: string;
  token: string;
  tlsPin: string | null;
  /** Plain http allowed by the development flag (only ever for an http:// URL). */
  devPlainHttp: boolean;
}

/** How the user allows a plain-HTTP control plane; named in every refusal. */
export const CLI_PLAIN_FLAG = '--dev-plain-http to `gnm login` (or GNM_CLI_DEV_PLAIN_HTTP=1)';

/** `GNM_CLI_DEV_PLAIN_HTTP`: only `1` or `true` turn it on. */
export function plainHttpFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.GNM_CLI_DEV_PLAIN_HTTP?.trim().toLowerCase();
  return v === '1' || v === 'true';
}

/**
 * Pinned TLS for https, plain only for http with the development flag: the one decision every
 * request of the CLI goes through (a usage error that says what to do otherwise).
 */
export function checkTransport(url: string, tlsPin: string | null, devPlainHttp: boolean): void {
  try {
    controlPlaneTransport(url, { tlsPin, devPlainHttp, allowWith: CLI_PLAIN_FLAG });
  } catch (e) {
    if (e instanceof PlainTransportError) throw new CliFailure(e.message, [], EXIT.usage);
    if (e instanceof PinError)
      throw new CliFailure(
        `no TLS pin for ${url}`,
        [
          'run `gnm login` to fetch and trust the control plane key, or set GNM_TLS_PIN=sha256//… (from GET /api/v1/instance)',
        ],
        EXIT.usage,
      );
    throw e;
  }
}

/** `$GNM_CONFIG`, else `$XDG_CONFIG_HOME/gnm/config.json`, else `~/.config/gnm/config.json`. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GNM_CONFIG) return path.resolve(env.GNM_CONFIG);
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'gnm', 'config.json');
}

export function readConfig(file = configPath()): SavedConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliFailure(`cannot read ${file}: ${(e as Error).message}`, [], EXIT.usage);
  }
  try {
    const c = JSON.parse(text) as unknown;
    if (!c || typeof c !== 'object' || Array.isArray(c)) throw new Error('not a JSON object');
    const o = c as Record<string, unknown>;
    const str = (k: string): string | undefined => (typeof o[k] === 'string' ? o[k] : undefined);
    return {
      url: str('url'),
      token: str('token'),
      tlsPin: o.tlsPin === null ? null : str('tlsPin'),
      cpFingerprint: str('cpFingerprint'),
      devPlainHttp: o.devPlainHttp === true ? true : undefined,
    };
  } catch (e) {
    throw new CliFailure(
      `${file} is not a valid gnm configuration (${(e as Error).message})`,
      ['fix it, or remove it and run `gnm login` again'],
      EXIT.usage,
    );
  }
}

/** Writes the configuration readable by its owner only (file 0600, folder 0700), atomically. */
export function writeConfig(c: SavedConfig, file = configPath()): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  const clean = Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined));
  fs.writeFileSync(tmp, `${JSON.stringify(clean, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

/** The saved configuration with GNM_URL, GNM_TOKEN and GNM_TLS_PIN applied over it. */
export function effectiveConfig(env: NodeJS.ProcessEnv = process.env): SavedConfig & { file: string } {
  const file = configPath(env);
  const saved = readConfig(file);
  const url = env.GNM_URL || saved.url;
  // A saved pin belongs to the saved URL: another server given by GNM_URL needs its own GNM_TLS_PIN.
  const savedPin = url && saved.url && sameOrigin(url, saved.url) ? saved.tlsPin : undefined;
  const same = Boolean(url && saved.url && sameOrigin(url, saved.url));
  return {
    file,
    url,
    token: env.GNM_TOKEN || saved.token,
    tlsPin: env.GNM_TLS_PIN || savedPin,
    cpFingerprint: saved.cpFingerprint,
    // Like the pin, a saved development flag belongs to the saved URL only.
    devPlainHttp: plainHttpFromEnv(env) || (same && saved.devPlainHttp === true) || undefined,
  };
}

export function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/** Checks and normalises a control-plane URL (scheme, host, optional port; no path). */
export function parseUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new CliFailure(
      `"${raw}" is not a URL`,
      ['give the control plane address, e.g. https://cp.example.org:8787'],
      EXIT.usage,
    );
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new CliFailure(
      `"${raw}": the URL must start with https:// (or http:// in development)`,
      [],
      EXIT.usage,
    );
  return u.origin;
}

export const PIN_FORMAT = /^sha256\/\/[A-Za-z0-9+/]{43}=$/;

export function checkPinFormat(pin: string): string {
  if (!PIN_FORMAT.test(pin))
    throw new CliFailure(
      `"${pin}" is not a TLS pin`,
      ['a pin looks like sha256//<44 base64 characters>, as GET /api/v1/instance and the console show it'],
      EXIT.usage,
    );
  return pin;
}

/** The connection for an API command, or a usage error that says how to log in. */
export function connection(env: NodeJS.ProcessEnv = process.env): Connection {
  const c = effectiveConfig(env);
  if (!c.url || !c.token)
    throw new CliFailure(
      c.url ? 'not logged in (no API token)' : 'not logged in',
      [
        'run `gnm login --url https://<control-plane>:8787 --token gnmt_…` (create the token in the console, or with POST /api/v1/tokens)',
        `or set GNM_URL and GNM_TOKEN (and GNM_TLS_PIN); configuration file: ${c.file}`,
      ],
      EXIT.usage,
    );
  const url = parseUrl(c.url);
  const tlsPin = c.tlsPin ? checkPinFormat(c.tlsPin) : null;
  const devPlainHttp = c.devPlainHttp === true;
  checkTransport(url, tlsPin, devPlainHttp);
  return { url, token: c.token, tlsPin: url.startsWith('https:') ? tlsPin : null, devPlainHttp };
}
