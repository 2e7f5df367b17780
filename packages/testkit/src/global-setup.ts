import type { TestProject } from 'vitest/node';
import { HostPool } from './pool.js';
import type { PoolDescriptor } from './descriptor.js';

declare module 'vitest' {
  export interface ProvidedContext {
    harness: PoolDescriptor;
  }
}

/**
 * Vitest global setup of the integration project: one host pool for the whole run, so dockerds start
 * once. Hosts: GNM_TESTKIT_HOSTS (comma-separated names, default a,b,c,agent:nonode; `:nonode` hides
 * Node inside the host, for the single-executable agent). Teardown fails the run if
 * anything is left behind.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const names = (process.env.GNM_TESTKIT_HOSTS ?? 'a,b,c,agent:nonode').split(',').filter(Boolean);
  const started = Date.now();
  const pool = await HostPool.create({
    hosts: names.map((n) => {
      const [name = '', flag] = n.split(':');
      return { name, hideNode: flag === 'nonode' };
    }),
  });
  console.log(
    `[testkit] harness run ${pool.runId}: ${names.length} hosts + registry on ${pool.descriptor.subnet} in ${Date.now() - started} ms`,
  );
  project.provide('harness', pool.descriptor);
  return async () => {
    const left = await pool.teardown();
    if (left.length)
      throw new Error(`harness run ${pool.runId} left resources behind:\n  ${left.join('\n  ')}`);
  };
}
