import { HostProbe, probeHost } from '../probes/host-probe.js';
import type { Handlers } from './registry.js';

/**
 * The operations this build implements. The rest of the protocol's registry (stack.apply, …) answers
 * "unsupported-operation" until its handler lands (issue #6's next slices).
 */
export function builtinOperations(o: { stacksRoot: string; docker?: string; nvidiaSmi?: string }): Handlers {
  return {
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
