import type { FirewallPolicy } from '@gnm/protocol';
import { DockerApi, type PublishedPort } from '../compose/docker-api.js';
import { listeningSockets } from '../probes/listening-ports.js';
import { firewallStatus } from './firewall.js';

/**
 * exposure.check: every Gonka port this host answers on beyond loopback, what it is, who should reach
 * it (reference §1.5, §11.2) and whether a live rule of ours holds it to that. The public set is what
 * the rendered release publishes (P2P, the proxy, the bridge's P2P); everything else must be on
 * 127.0.0.1 or behind a rule.
 */
export type Exposure = 'public' | 'restricted' | 'internal';

interface Known {
  what: string;
  exposure: Exposure;
  /** Who should reach it, in words. */
  audience: string;
}

/** Published ports by (service, container port): the official stack's services (reference §1.5). */
const PUBLISHED: Record<string, Known> = {
  'node/26656': { what: 'CometBFT P2P', exposure: 'public', audience: 'the internet' },
  'proxy/80': { what: 'the public API (proxy)', exposure: 'public', audience: 'the internet' },
  'proxy/443': { what: 'the public API over TLS (proxy)', exposure: 'public', audience: 'the internet' },
  'proxy-ssl/8080': { what: 'the TLS proxy', exposure: 'public', audience: 'the internet' },
  'bridge/30303': { what: 'the Ethereum bridge P2P', exposure: 'public', audience: 'the internet' },
  'api/9100': {
    what: 'the DAPI ML callback (PoC batches)',
    exposure: 'restricted',
    audience: 'the attached ML nodes only',
  },
  'api/9200': {
    what: 'the DAPI Admin API (no authentication)',
    exposure: 'internal',
    audience: 'this host only',
  },
  'api/9000': { what: 'the DAPI public server', exposure: 'internal', audience: 'the proxy only' },
  'node/26657': { what: 'CometBFT RPC', exposure: 'internal', audience: 'this host only' },
  'node/1317': { what: 'Cosmos REST', exposure: 'internal', audience: 'this host only' },
  'node/9090': { what: 'Cosmos gRPC', exposure: 'internal', audience: 'this host only' },
  'inference/8080': {
    what: 'the ML node management API',
    exposure: 'restricted',
    audience: 'the network node only',
  },
  'inference/5000': {
    what: 'the ML node inference API (vLLM)',
    exposure: 'restricted',
    audience: 'the network node only',
  },
  'mlnode-308/8080': {
    what: 'the ML node management API',
    exposure: 'restricted',
    audience: 'the network node only',
  },
  'mlnode-308/5000': {
    what: 'the ML node inference API (vLLM)',
    exposure: 'restricted',
    audience: 'the network node only',
  },
};

/** Host sockets on Gonka's internal ports (a service run outside the stack, or host networking). */
const HOST_PORTS: Record<number, Known> = {
  26657: { what: 'CometBFT RPC', exposure: 'internal', audience: 'this host only' },
  9200: { what: 'the DAPI Admin API (no authentication)', exposure: 'internal', audience: 'this host only' },
  9100: { what: 'the DAPI ML callback', exposure: 'restricted', audience: 'the attached ML nodes only' },
  9400: { what: 'the NodeManager gRPC', exposure: 'internal', audience: 'this host only' },
};

export interface ExposedPort {
  port: number;
  protocol: 'tcp' | 'udp';
  /** The service publishing it, or `host` for a socket of the host itself. */
  service: string;
  address: string;
  what: string;
  exposure: Exposure | 'unknown';
  audience: string;
  /** Who can reach it now: anyone, this host only, or the sources our rule allows. */
  reachableFrom: string;
  verdict: 'ok' | 'warning' | 'critical';
  detail: string;
}

export interface ExposureReport {
  at: string;
  ports: ExposedPort[];
  firewall: { policy: boolean; ipv4: boolean; ipv6: boolean; notes: string[] };
  verdict: 'ok' | 'warning' | 'critical';
}

export async function checkExposure(
  stateDir: string,
  o: { project?: string; signal?: AbortSignal; dockerSocket?: string } = {},
): Promise<ExposureReport> {
  const fw = await firewallStatus(stateDir);
  const v4 = fw.families.find((f) => f.family === 'ipv4');
  const v6 = fw.families.find((f) => f.family === 'ipv6');
  const published = await new DockerApi(o.dockerSocket).publishedPorts(o.project ?? 'join', o.signal);
  const sockets = listeningSockets();
  const ports = judge(published, sockets, fw.policy, { ipv4: !!v4?.protected, ipv6: !!v6?.protected });
  return {
    at: new Date().toISOString(),
    ports,
    firewall: {
      policy: fw.policy !== null,
      ipv4: !!v4?.protected,
      ipv6: !!v6?.protected,
      notes: fw.families.flatMap((f) => (f.note ? [`${f.family}: ${f.note}`] : [])),
    },
    verdict: ports.some((p) => p.verdict === 'critical')
      ? 'critical'
      : ports.some((p) => p.verdict === 'warning')
        ? 'warning'
        : 'ok',
  };
}

/** The judgement itself, pure: published ports and host sockets against the live policy. */
export function judge(
  published: PublishedPort[],
  sockets: { address: string; port: number; family: 'ipv4' | 'ipv6' }[],
  policy: FirewallPolicy | null,
  live: { ipv4: boolean; ipv6: boolean },
): ExposedPort[] {
  const out: ExposedPort[] = [];
  const seen = new Set<string>();
  const rule = (port: number, protocol: string) =>
    policy?.rules.find((r) => r.port === port && r.protocol === protocol);
  const add = (
    port: number,
    protocol: 'tcp' | 'udp',
    service: string,
    address: string,
    known: Known | undefined,
  ) => {
    const key = `${address}/${port}/${protocol}`;
    if (seen.has(key)) return;
    seen.add(key);
    const v6 = address.includes(':');
    const loopback = address === '127.0.0.1' || address === '::1' || address.startsWith('127.');
    const r = rule(port, protocol);
    const filtered = r && (v6 ? live.ipv6 : live.ipv4);
    const reachableFrom = loopback
      ? 'this host only'
      : filtered
        ? r.allowFrom.length
          ? `only ${r.allowFrom.join(', ')}`
          : 'nobody from outside (rule)'
        : 'anyone who can reach this address';
    const base = {
      port,
      protocol,
      service,
      address,
      what: known?.what ?? `port ${port} of ${service}`,
      exposure: known?.exposure ?? ('unknown' as const),
      audience: known?.audience ?? 'not a Gonka port',
      reachableFrom,
    };
    if (loopback || known?.exposure === 'public')
      return out.push({
        ...base,
        verdict: 'ok',
        detail: loopback ? 'bound to loopback' : 'public by design',
      });
    if (filtered) return out.push({ ...base, verdict: 'ok', detail: `protected: ${r.purpose}` });
    if (!known)
      return out.push({
        ...base,
        verdict: 'warning',
        detail: `published on ${address} and not a port the Gonka stack publishes: check why`,
      });
    out.push({
      ...base,
      verdict: 'critical',
      detail:
        r && !filtered
          ? `a rule exists but is not live for ${v6 ? 'IPv6' : 'IPv4'}: apply the firewall again (gnm hosts firewall apply)`
          : `${known.what} is reachable by anyone who can reach ${address}; it should be reachable by ${known.audience}: bind it to 127.0.0.1, or attach the ML node so the product adds the rule`,
    });
  };
  for (const p of published)
    add(p.hostPort, p.protocol, p.service, p.hostIp, PUBLISHED[`${p.service}/${p.containerPort}`]);
  const publishedPorts = new Set(published.map((p) => p.hostPort));
  for (const s of sockets) {
    // docker-proxy holds the sockets of published ports: those are judged by their service above.
    if (publishedPorts.has(s.port)) continue;
    const known = HOST_PORTS[s.port];
    if (known) add(s.port, 'tcp', 'host', s.address, known);
  }
  // Not localeCompare: ICU collation data costs the idle agent ~3 MB.
  return out.sort((a, b) => a.port - b.port || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}
