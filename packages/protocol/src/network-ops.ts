import net from 'node:net';
import { z } from 'zod';

/**
 * Parameters of the network operations (issue #8): the host firewall, the exposure check, the Admin
 * API calls that attach an ML node to a network node, and connectivity checks. The firewall policy
 * arrives as data — ports and addresses — and the agent writes every rule itself: nothing here can
 * carry rule text, a chain name or an iptables option.
 */

/** An IPv4 or IPv6 address, or a CIDR block of either. */
export const Source = z.string().superRefine((v, ctx) => {
  const [addr = '', prefix, extra] = v.split('/');
  const family = net.isIP(addr);
  const max = family === 4 ? 32 : 128;
  const ok =
    family !== 0 &&
    extra === undefined &&
    (prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= max));
  if (!ok)
    ctx.addIssue({
      code: 'custom',
      message: `"${v.slice(0, 60)}" is not an IP address or CIDR block (10.0.0.5, 10.0.0.0/24, fd00::5)`,
    });
});

/** A bare address or DNS name (what a connectivity check dials; no scheme, port or path). */
export const Host = z
  .string()
  .max(253)
  .refine(
    (v) =>
      net.isIP(v) !== 0 ||
      /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(
        v,
      ),
    'a bare IP address or host name (no http://, port or path)',
  );

const Port = z.number().int().min(1).max(65535);

export const FirewallRule = z.strictObject({
  /** The host port (for a published container port, the published one: 8080, not the container's). */
  port: Port,
  protocol: z.enum(['tcp', 'udp']).default('tcp'),
  /** Who may reach the port from outside this host; empty: nobody. */
  allowFrom: z.array(Source).max(256),
  /** Why the port is restricted, shown in status and as the rule's comment. */
  purpose: z.string().regex(/^[A-Za-z0-9 .,:()/_-]{1,80}$/, 'letters, digits, spaces and .,:()/_- (1–80)'),
});
export type FirewallRule = z.infer<typeof FirewallRule>;

export const FirewallPolicy = z
  .strictObject({ rules: z.array(FirewallRule).max(64) })
  .refine(
    (p) => new Set(p.rules.map((r) => `${r.port}/${r.protocol}`)).size === p.rules.length,
    'each port and protocol at most once',
  );
export type FirewallPolicy = z.infer<typeof FirewallPolicy>;

/** An ML node entry for the Admin API (reference §3 InferenceNodeConfig), public values only. */
export const MlNodeEntry = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" and "-" only'),
  host: Host,
  inference_port: Port,
  poc_port: Port,
  max_concurrent: z.number().int().min(1).max(100_000),
  models: z
    .record(
      z.string().regex(/^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/, 'model ids look like org/name'),
      z.strictObject({ args: z.array(z.string().regex(/^[\x20-\x7e]{0,200}$/)).max(64) }),
    )
    .refine((m) => Object.keys(m).length > 0 && Object.keys(m).length <= 8, '1 to 8 models'),
  hardware: z
    .array(z.strictObject({ type: z.string().regex(/^[\x20-\x7e]{1,120}$/), count: z.number().int().min(1) }))
    .max(16)
    .optional(),
});
export type MlNodeEntry = z.infer<typeof MlNodeEntry>;

const MlNodeId = MlNodeEntry.shape.id;

/** What a connectivity check may ask for: fixed paths of the Gonka services, never a free URL. */
export const CheckPath = z.enum(['/health', '/api/v1/state', '/versions', '/v1/status']);

export const ConnectivityCheck = z.strictObject({
  /** The caller's name for the check, returned with its result. */
  id: z.string().regex(/^[a-z0-9][a-z0-9:._-]{0,63}$/),
  kind: z.enum(['http', 'tcp']),
  host: Host,
  port: Port,
  path: CheckPath.optional(),
});

export const NETWORK_OPERATIONS = {
  /**
   * Makes the host's firewall match the policy: the agent's own chains (hooked first from DOCKER-USER
   * for published ports, matched on the original destination port, and from INPUT for the host's own
   * sockets; ip6tables the same, or reported unprotected), nobody else's rule touched. Idempotent; the
   * policy is kept and applied again at every agent start. `dryRun` answers the exact diff only.
   */
  'firewall.apply': z.strictObject({ policy: FirewallPolicy, dryRun: z.boolean().default(false) }),
  /** The policy kept on the host, the live rules against it (drift), hooks and IPv6 state. */
  'firewall.status': z.strictObject({}),
  /** Removes the agent's chains and hooks and forgets the policy. */
  'firewall.remove': z.strictObject({ dryRun: z.boolean().default(false) }),
  /** Which Gonka ports listen on non-loopback addresses, and whether a rule protects each. */
  'exposure.check': z.strictObject({}),
  /** Registers or updates (upsert) an ML node on this host's network node through the Admin API. */
  'mlnode.register': z.strictObject({ node: MlNodeEntry }),
  /** Disables an ML node on this network node: it serves until the epoch ends and skips the next PoC. */
  'mlnode.disable': z.strictObject({ id: MlNodeId }),
  /**
   * Deletes an ML node from this network node, once the epoch after `afterEpoch` has begun (the
   * disable took effect at the boundary); without `afterEpoch`, at once.
   */
  'mlnode.remove': z.strictObject({ id: MlNodeId, afterEpoch: z.number().int().min(0).optional() }),
  /** Connectivity from this host: TCP connects or GETs of fixed Gonka paths, each with its result. */
  'net.check': z.strictObject({ checks: z.array(ConnectivityCheck).min(1).max(16) }),
} as const;
