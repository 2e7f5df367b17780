import { z } from 'zod';
import { HostProbe, probeHost } from '../probes/host-probe.js';
import { ComposeDriver, Container } from '../compose/compose-driver.js';
import { DockerApi } from '../compose/docker-api.js';
import type { Handlers } from './registry.js';
import type { StackDeps } from '../stack/stack-context.js';
import { StackResult } from '../stack/result.js';
import { NodeHealthFacts } from '@gnm/gonka/health-facts';
import {
  DeployResult,
  ExposureReport,
  FirewallResult,
  KeysBackupResult,
  MlNodeResult,
  ModelDownloadResult,
  NetCheckResult,
  RegisterResult,
} from '../node/results.js';

const StackStatus = z.object({
  project: z.string(),
  currentRelease: z.string().nullable(),
  previousRelease: z.string().nullable(),
  containers: z.array(Container),
});

/**
 * The operations this build implements. The stack-changing ones (apply, rollback, stop) need the
 * agent's enrollment (the control plane's repository and pins): without `stack` they answer
 * "unsupported-operation". Their modules load on first use, so an idle agent never parses them.
 */
export function builtinOperations(o: {
  stacksRoot: string;
  /** The agent's state folder (the kept firewall policy); firewall operations need it. */
  stateDir?: string;
  docker?: string;
  nvidiaSmi?: string;
  /** The compose project (always `join` on hosts; tests use their own). */
  project?: string;
  /** The engine's unix socket (default: DOCKER_HOST or /var/run/docker.sock). */
  dockerSocket?: string;
  stack?: StackDeps;
}): Handlers {
  const project = o.project ?? 'join';
  const stack = o.stack;
  const stackOps: Handlers = stack
    ? {
        'stack.apply': {
          result: StackResult,
          run: async (p, ctx) => (await import('../stack/apply.js')).applyStack(p, ctx, stack, ctx.opId),
        },
        'stack.rollback': {
          result: StackResult,
          run: async (_p, ctx) => (await import('../stack/rollback.js')).rollbackStack(ctx, stack),
        },
        'stack.stop': {
          result: z.object({ stopped: z.array(z.string()) }),
          run: async (_p, ctx) => (await import('../stack/rollback.js')).stopStack(ctx, stack),
        },
        'node.deploy': {
          result: DeployResult,
          run: async (p, ctx) => (await import('../node/deploy.js')).deployNode(p, ctx, stack),
        },
        'node.register': {
          result: RegisterResult,
          run: async (_p, ctx) => (await import('../node/register.js')).registerNode(ctx, stack),
        },
        'node.model.download': {
          result: ModelDownloadResult,
          run: async (p, ctx) => (await import('../node/model-download.js')).downloadModel(p, ctx, stack),
        },
        'node.health': {
          result: NodeHealthFacts,
          run: async (_p, ctx) => (await import('../node/health.js')).readNodeHealth(ctx, stack),
        },
        'keys.backup': {
          result: KeysBackupResult,
          run: async (p, ctx) => (await import('../keys/backup.js')).backupKeys(p, ctx, stack),
        },
      }
    : {};
  const stateDir = o.stateDir ?? stack?.stateDir;
  const firewallOps: Handlers = stateDir
    ? {
        'firewall.apply': {
          result: FirewallResult,
          run: async (p, ctx) =>
            (await import('../firewall/firewall.js')).applyFirewall(p, stateDir, (log) => ctx.emit({ log })),
        },
        'firewall.status': {
          result: FirewallResult,
          run: async () => (await import('../firewall/firewall.js')).firewallStatus(stateDir),
        },
        'firewall.remove': {
          result: FirewallResult,
          run: async (p, ctx) =>
            (await import('../firewall/firewall.js')).removeFirewall(p, stateDir, (log) => ctx.emit({ log })),
        },
        'exposure.check': {
          result: ExposureReport,
          run: async (_p, ctx) =>
            (await import('../firewall/exposure.js')).checkExposure(stateDir, {
              project,
              signal: ctx.signal,
              dockerSocket: o.dockerSocket,
            }),
        },
      }
    : {};
  return {
    ...stackOps,
    ...firewallOps,
    'mlnode.register': {
      result: MlNodeResult,
      run: async (p, ctx) => (await import('../node/mlnodes.js')).registerMlNode(p, ctx),
    },
    'mlnode.disable': {
      result: MlNodeResult,
      run: async (p, ctx) => (await import('../node/mlnodes.js')).disableMlNode(p, ctx),
    },
    'mlnode.remove': {
      result: MlNodeResult,
      run: async (p, ctx) => (await import('../node/mlnodes.js')).removeMlNode(p, ctx),
    },
    'net.check': {
      result: NetCheckResult,
      run: async (p, ctx) => (await import('../net/connectivity.js')).runChecks(p, ctx),
    },
    'stack.status': {
      result: StackStatus,
      run: async (_params, ctx) => {
        // Loaded on use: @gnm/bundle brings the TUF client and a YAML parser an idle agent never needs.
        const { StackLayout } = await import('@gnm/bundle');
        const layout = new StackLayout(o.stacksRoot);
        return {
          project,
          currentRelease: layout.current() ?? null,
          previousRelease: layout.previous() ?? null,
          containers: await new DockerApi(o.dockerSocket).inspectProject(project, ctx.signal),
        };
      },
    },
    'stack.logs': {
      result: z.object({ service: z.string(), lines: z.array(z.string()) }),
      run: async (p, ctx) => ({
        service: p.service,
        lines: await new ComposeDriver({ docker: o.docker, project, signal: ctx.signal }).logs(
          p.service,
          p.tail,
        ),
      }),
    },
    'host.preflight': {
      result: HostProbe.extend({ role: z.enum(['network', 'mlnode', 'full']), ready: z.boolean() }),
      run: async (p, ctx) => {
        ctx.emit({ progress: { phase: 'probing' } });
        const probe = await probeHost({
          stacksRoot: o.stacksRoot,
          docker: o.docker,
          nvidiaSmi: o.nvidiaSmi,
          signal: ctx.signal,
        });
        const findings = forRole(probe.findings, p.role);
        return { ...probe, findings, role: p.role, ready: !findings.some((f) => f.severity === 'critical') };
      },
    },
    'host.probe': {
      result: HostProbe,
      run: async (_params, ctx) => {
        ctx.emit({ progress: { phase: 'probing' } });
        return probeHost({
          stacksRoot: o.stacksRoot,
          docker: o.docker,
          nvidiaSmi: o.nvidiaSmi,
          signal: ctx.signal,
        });
      },
    },
  };
}

const GPU_CHECKS = new Set(['gpus', 'nvidia-runtime', 'fabric-manager']);

/**
 * The probe's findings as they matter for a role: a network node needs no GPU, so GPU findings are
 * only information there; an ML node without any NVIDIA driver cannot run at all.
 */
export function forRole(
  findings: HostProbe['findings'],
  role: 'network' | 'mlnode' | 'full',
): HostProbe['findings'] {
  return findings.map((f) => {
    if (!GPU_CHECKS.has(f.check)) return f;
    if (role === 'network')
      return f.severity === 'ok'
        ? f
        : { ...f, severity: 'info', message: `${f.message} (not needed for a network node)` };
    if (f.check === 'gpus' && f.severity === 'info')
      return { ...f, severity: 'critical', message: `${f.message}; an ML node needs NVIDIA GPUs` };
    return f;
  });
}
