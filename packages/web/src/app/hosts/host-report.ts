import { z } from 'zod';

/**
 * The agent's status report and its operation results, as far as the console shows them. The API
 * types these as free-form objects (`lastReport`, task `result`), so they are parsed here: a field the
 * console does not understand is left out rather than shown wrong. Mirrors packages/agent's
 * HostProbe and container list.
 */
export const Finding = z.object({
  check: z.string(),
  severity: z.enum(['ok', 'info', 'warning', 'critical']),
  message: z.string(),
  fix: z.string().optional(),
});
export type Finding = z.infer<typeof Finding>;

export const Gpu = z.object({
  index: z.number(),
  name: z.string(),
  memoryMiB: z.number(),
  driverVersion: z.string(),
  pciBusId: z.string().optional(),
  computeCapability: z.string().optional(),
});
export type Gpu = z.infer<typeof Gpu>;

export const HostProbe = z.object({
  os: z.object({ prettyName: z.string(), kernel: z.string(), arch: z.string() }).optional(),
  cpu: z.object({ model: z.string(), cores: z.number() }).optional(),
  memory: z.object({ totalMiB: z.number() }).optional(),
  disk: z.object({ path: z.string(), freeGiB: z.number(), totalGiB: z.number() }).nullable().optional(),
  docker: z
    .object({ server: z.string().nullable(), compose: z.string().nullable(), nvidiaRuntime: z.boolean() })
    .optional(),
  gpus: z.array(Gpu).default([]),
  findings: z.array(Finding).default([]),
});
export type HostProbe = z.infer<typeof HostProbe>;

export const Container = z.object({
  service: z.string(),
  name: z.string().optional(),
  state: z.string(),
  health: z.string().nullable().optional(),
  status: z.string().optional(),
  image: z.string().optional(),
  restartCount: z.number().optional(),
});
export type Container = z.infer<typeof Container>;

export const HostReport = z.object({
  agentVersion: z.string().optional(),
  probe: HostProbe.optional(),
  containers: z.array(Container).nullable().optional(),
});
export type HostReport = z.infer<typeof HostReport>;

/** `stack.status`: the stack's releases and each container with its restarts. */
export const StackStatus = z.object({
  currentRelease: z.string().nullable(),
  previousRelease: z.string().nullable(),
  containers: z.array(Container),
});
export type StackStatus = z.infer<typeof StackStatus>;

/** `stack.logs`. */
export const StackLogs = z.object({ service: z.string(), lines: z.array(z.string()) });

/** A host's last report, or null when it has not reported (or reports something else). */
export function parseReport(lastReport: Record<string, unknown> | null): HostReport | null {
  if (!lastReport) return null;
  const r = HostReport.safeParse(lastReport);
  return r.success ? r.data : null;
}

/** "8× NVIDIA H200 (141 GiB)" — GPUs grouped by model. */
export function gpuSummary(gpus: readonly Gpu[]): string {
  if (!gpus.length) return 'no GPU';
  const byName = new Map<string, { n: number; mib: number }>();
  for (const g of gpus) {
    const e = byName.get(g.name) ?? { n: 0, mib: g.memoryMiB };
    e.n++;
    byName.set(g.name, e);
  }
  return [...byName].map(([name, { n, mib }]) => `${n}× ${name} (${Math.round(mib / 1024)} GiB)`).join(', ');
}
