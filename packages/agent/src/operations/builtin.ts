import { z } from 'zod';
import { HostProbe, probeHost } from '../probes/host-probe.js';
import { ComposeDriver, Container } from '../compose/compose-driver.js';
import type { Handlers } from './registry.js';
import type { StackDeps } from '../stack/stack-context.js';
import { StackResult } from '../stack/result.js';

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
  docker?: string;
  nvidiaSmi?: string;
  /** The compose project (always `join` on hosts; tests use their own). */
  project?: string;
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
      }
    : {};
  return {
    ...stackOps,
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
          containers: await new ComposeDriver({ docker: o.docker, project, signal: ctx.signal }).ps(),
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
