import { z } from 'zod';
import { StackLayout } from '@gnm/bundle';
import { HostProbe, probeHost } from '../probes/host-probe.js';
import { ComposeDriver, Container } from '../compose/compose-driver.js';
import type { Handlers } from './registry.js';

const StackStatus = z.object({
  project: z.string(),
  currentRelease: z.string().nullable(),
  previousRelease: z.string().nullable(),
  containers: z.array(Container),
});

/**
 * The operations this build implements. The rest of the protocol's registry (stack.apply, …) answers
 * "unsupported-operation" until its handler lands (issue #6's next slices).
 */
export function builtinOperations(o: {
  stacksRoot: string;
  docker?: string;
  nvidiaSmi?: string;
  /** The compose project (always `join` on hosts; tests use their own). */
  project?: string;
}): Handlers {
  const project = o.project ?? 'join';
  return {
    'stack.status': {
      result: StackStatus,
      run: async (_params, ctx) => {
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
