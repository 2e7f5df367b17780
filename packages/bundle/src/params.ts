import { z } from 'zod';
import { checkHostPath } from './host-path-policy.js';

/**
 * Parameter kinds of a bundle's parameter schema. Every per-host value is validated against its
 * kind before rendering (DESIGN invariant 4): values are data, never code, so nothing a value holds
 * can add a line to config.env, a key to YAML, or a path outside the release and state directories.
 */
export const ParamKind = z.enum([
  'string',
  'int',
  'port',
  'bool',
  'enum',
  'url',
  'tcp-address',
  'host',
  'ipv4',
  'host-path',
  'pubkey',
  'secret',
  'image',
  'node-config',
]);
export type ParamKind = z.infer<typeof ParamKind>;

export const ParamSpec = z.strictObject({
  kind: ParamKind,
  description: z.string().min(1),
  required: z.boolean().default(false),
  /** Value used when the host gives none. */
  default: z.string().optional(),
  /** A fixed value set by the bundle (per release, not per host): hosts cannot override it. */
  constant: z.string().optional(),
  /** Extra restriction for `string` (anchored regular expression). */
  pattern: z.string().optional(),
  /** Allowed values for `enum`. */
  values: z.array(z.string()).optional(),
});
export type ParamSpec = z.infer<typeof ParamSpec>;

export class ParamError extends Error {
  override name = 'ParamError';
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(`${param}: ${message}`);
  }
}

/** Characters no rendered value may hold: they could end a line, a quote or start interpolation. */
const FORBIDDEN = [
  { re: /[\r\n]/, why: 'contains a line break' },
  { re: /\0/, why: 'contains a NUL byte' },
  { re: /['"`\\]/, why: 'contains a quote or backslash' },
  { re: /\$\{|\$\(/, why: 'contains "${" or "$(" (interpolation)' },
];

const HOST_RE =
  /^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV4_RE = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** A bare host as Gonka wants it (node-config `host`): a DNS name or an IPv4/IPv6 address, nothing else. */
export function checkHost(v: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v))
    return 'must be a bare host name or address, not a URL (remove "http://")';
  if (v.includes('/')) return 'must be a bare host name or address, without a path';
  if (IPV4_RE.test(v) || HOST_RE.test(v)) return undefined;
  if (/^[0-9a-f:]+$/i.test(v) && v.includes(':')) return undefined;
  if (/:\d+$/.test(v)) return 'must not include a port (ports are separate fields)';
  return 'is not a valid host name or IP address';
}

function checkPort(v: string): string | undefined {
  return /^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535
    ? undefined
    : 'must be a port number between 1 and 65535';
}

/** Returns the reason a value is refused for its kind, or undefined when it is accepted. */
export function checkValue(spec: ParamSpec, v: string): string | undefined {
  for (const f of FORBIDDEN)
    if (f.re.test(v)) return `${f.why}; such characters are not allowed in this value`;
  switch (spec.kind) {
    case 'string':
    case 'secret':
      if (spec.pattern && !new RegExp(`^(?:${spec.pattern})$`).test(v))
        return `does not match the allowed pattern ${spec.pattern}`;
      if (!/^[\x20-\x7e]*$/.test(v)) return 'must be printable ASCII';
      return undefined;
    case 'int':
      return /^-?\d{1,18}$/.test(v) ? undefined : 'must be an integer';
    case 'port':
      return checkPort(v);
    case 'bool':
      return v === 'true' || v === 'false' ? undefined : 'must be true or false';
    case 'enum':
      return spec.values?.includes(v) ? undefined : `must be one of: ${(spec.values ?? []).join(', ')}`;
    case 'url': {
      let u: URL;
      try {
        u = new URL(v);
      } catch {
        return 'must be a URL such as http://host:port/';
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must be an http:// or https:// URL';
      if (u.username || u.password) return 'must not carry credentials';
      return checkHost(u.hostname.replace(/^\[|\]$/g, ''));
    }
    case 'tcp-address': {
      const m = /^tcp:\/\/([^:/]+):(\d+)$/.exec(v);
      if (!m?.[1] || !m[2]) return 'must look like tcp://host:port';
      return checkHost(m[1]) ?? checkPort(m[2]);
    }
    case 'host':
      return checkHost(v);
    case 'ipv4':
      // A bind address in a compose port mapping (IP:published:target): IPv4 only, no brackets.
      return IPV4_RE.test(v) ? undefined : 'must be an IPv4 address such as 10.0.0.5 (or 127.0.0.1)';
    case 'host-path':
      return checkHostPath(v);
    case 'pubkey': {
      const b = /^[A-Za-z0-9+/]+={0,2}$/.test(v) ? Buffer.from(v, 'base64') : Buffer.alloc(0);
      return b.length === 33 && (b[0] === 2 || b[0] === 3)
        ? undefined
        : 'must be a base64 secp256k1 public key (33 bytes starting 02 or 03)';
    }
    case 'image':
      return /^[a-z0-9][a-z0-9._:/-]*(@sha256:[a-f0-9]{64})?$/.test(v)
        ? undefined
        : 'must be an image reference (registry/name:tag or …@sha256:…)';
    case 'node-config':
      return 'is a structured value: give it as a list of ML nodes, not as text';
  }
}

/** An ML node entry of node-config.json (reference §3), as values a host may give. */
export const NodeConfigEntry = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'id: letters, digits, ".", "_" and "-" only'),
  host: z.string().superRefine((v, ctx) => {
    const why = checkHost(v);
    if (why) ctx.addIssue({ code: 'custom', message: `host ${why}` });
  }),
  inference_port: z.number().int().min(1).max(65535),
  poc_port: z.number().int().min(1).max(65535),
  max_concurrent: z.number().int().min(1),
  models: z
    .record(
      z.string().regex(/^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/, 'model ids look like org/name'),
      z.strictObject({ args: z.array(z.string().regex(/^[\x20-\x7e]*$/, 'printable ASCII only')) }),
    )
    .refine((m) => Object.keys(m).length > 0, 'at least one model'),
});
export const NodeConfigValue = z.array(NodeConfigEntry);
export type NodeConfigValue = z.infer<typeof NodeConfigValue>;
