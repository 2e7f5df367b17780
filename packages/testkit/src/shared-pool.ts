import { inject } from 'vitest';
import { HostPool } from './pool.js';

/** The host pool created by global-setup.ts for this test run (integration tests only). */
export function sharedPool(): HostPool {
  const d = inject('harness');
  if (!d)
    throw new Error(
      'no harness pool: run this test in the "integration" vitest project (see vitest.config.ts)',
    );
  return HostPool.attach(d);
}
