import os from 'node:os';
import { z } from 'zod';
import { OutboundConfigError, outboundPolicy } from '@gnm/protocol/outbound';

/**
 * Control-plane configuration, from environment variables only. Every variable is documented in the
 * README's configuration table; keep the two in step.
 */
const EnvSchema = z.object({
  GNM_HOST: z.string().min(1).default('127.0.0.1'),
  GNM_PORT: z.coerce.number().int().min(1).max(65535).default(8787),
  GNM_DATA_DIR: z.string().min(1).default('.gnm-data'),
  DATABASE_URL: z.string().optional(),
  GNM_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GNM_PUBLIC_URL: z
    .string()
    .regex(/^https?:\/\/[^/\s]+\/?$/, 'an origin such as https://cp.example.org:8787 (no path)')
    .optional(),
  GNM_TLS_CERT_FILE: z.string().min(1).optional(),
  GNM_TLS_KEY_FILE: z.string().min(1).optional(),
  GNM_BEHIND_PROXY: z
    .enum(['true', 'false', '1', '0', ''])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  GNM_TRUSTED_PROXIES: z.string().optional(),
  GNM_DEV_PLAIN_HTTP: z
    .enum(['true', 'false', '1', '0', ''])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  GNM_REPORT_INTERVAL_MS: z.coerce.number().int().min(1000).max(3_600_000).optional(),
  GNM_NODE_HEALTH_INTERVAL_S: z.coerce.number().int().min(0).max(86_400).default(60),
  GNM_AGENT_BINARY: z.string().min(1).optional(),
  GNM_ENROLLMENT_TTL_MINUTES: z.coerce
    .number()
    .int()
    .min(5)
    .max(7 * 24 * 60)
    .default(60),
  GNM_OUTBOUND_ALLOW: z.string().max(2000).default(''),
});

export type Config = {
  host: string;
  port: number;
  dataDir: string;
  /** PostgreSQL URL for the scale-out mode; unset = embedded SQLite in the data folder. */
  databaseUrl: string | undefined;
  logLevel: z.infer<typeof EnvSchema>['GNM_LOG_LEVEL'];
  /** The origin agents and browsers use; printed in install commands. */
  publicUrl: string;
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  /** Plain HTTP behind a TLS-terminating reverse proxy. */
  behindProxy: boolean;
  /** Addresses/CIDRs whose X-Forwarded-For is believed (Fastify's trustProxy); none by default. */
  trustedProxies: string[];
  /** Development only: plain http/ws, no TLS pin. */
  devPlainHttp: boolean;
  /** Pins the agents' report interval; unset = scaled with the fleet from 10 s. */
  reportIntervalMs: number | undefined;
  /** How often deployed nodes' health is read; 0 turns the periodic read off. */
  nodeHealthIntervalMs: number;
  enrollmentTtlMinutes: number;
  /** A built gnm-agent executable to serve to installers; unset = built from the source tree at start (in the background). */
  agentBinary: string | undefined;
  /**
   * What requests chosen by a user may reach beyond public addresses (`loopback`, `private`,
   * `link-local`, CIDRs); metadata addresses never. Checked at start by `outboundPolicy`.
   */
  outboundAllow: string;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; a bad value is an error naming the variable and what it accepts. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const r = EnvSchema.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(
      `invalid configuration (see the configuration table in README.md):\n${lines.join('\n')}`,
    );
  }
  if (r.data.GNM_BEHIND_PROXY && !r.data.GNM_PUBLIC_URL?.startsWith('https://')) {
    throw new ConfigError(
      'GNM_BEHIND_PROXY needs GNM_PUBLIC_URL: the https:// address of your reverse proxy, which agents dial',
    );
  }
  // The public URL is what install commands, agents and the CLI dial: an http:// one would send them
  // around TLS and the key pin while the server itself speaks TLS. Plain only in the development mode.
  if (r.data.GNM_PUBLIC_URL?.startsWith('http://') && !r.data.GNM_DEV_PLAIN_HTTP) {
    throw new ConfigError(
      `GNM_PUBLIC_URL is an http:// address, but this control plane serves TLS: agents and installers would talk to it without TLS or the key pin. Give its https:// address (https://${r.data.GNM_PUBLIC_URL.slice('http://'.length).replace(/\/$/, '')}); plain HTTP exists only for development, with GNM_DEV_PLAIN_HTTP=true`,
    );
  }
  if (r.data.GNM_DEV_PLAIN_HTTP && r.data.GNM_PUBLIC_URL?.startsWith('https://')) {
    throw new ConfigError(
      'GNM_DEV_PLAIN_HTTP serves plain HTTP with no TLS key to pin, so GNM_PUBLIC_URL cannot be an https:// address: give its http:// address, or, behind a TLS-terminating proxy, use GNM_BEHIND_PROXY with GNM_TLS_CERT_FILE instead of GNM_DEV_PLAIN_HTTP',
    );
  }
  try {
    outboundPolicy(r.data.GNM_OUTBOUND_ALLOW);
  } catch (e) {
    if (e instanceof OutboundConfigError) throw new ConfigError(`GNM_OUTBOUND_ALLOW: ${e.message}`);
    throw e;
  }
  return {
    host: r.data.GNM_HOST,
    port: r.data.GNM_PORT,
    dataDir: r.data.GNM_DATA_DIR,
    databaseUrl: r.data.DATABASE_URL || undefined,
    logLevel: r.data.GNM_LOG_LEVEL,
    publicUrl: (
      r.data.GNM_PUBLIC_URL ??
      `${r.data.GNM_DEV_PLAIN_HTTP ? 'http' : 'https'}://${
        r.data.GNM_HOST === '0.0.0.0' || r.data.GNM_HOST === '::' ? os.hostname() : r.data.GNM_HOST
      }:${r.data.GNM_PORT}`
    ).replace(/\/$/, ''),
    tlsCertFile: r.data.GNM_TLS_CERT_FILE,
    tlsKeyFile: r.data.GNM_TLS_KEY_FILE,
    behindProxy: r.data.GNM_BEHIND_PROXY,
    trustedProxies: (r.data.GNM_TRUSTED_PROXIES ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
    devPlainHttp: r.data.GNM_DEV_PLAIN_HTTP,
    reportIntervalMs: r.data.GNM_REPORT_INTERVAL_MS,
    nodeHealthIntervalMs: r.data.GNM_NODE_HEALTH_INTERVAL_S * 1000,
    enrollmentTtlMinutes: r.data.GNM_ENROLLMENT_TTL_MINUTES,
    agentBinary: r.data.GNM_AGENT_BINARY,
    outboundAllow: r.data.GNM_OUTBOUND_ALLOW,
  };
}
