import { z } from 'zod';
import { Container } from '../compose/compose-driver.js';

/** The result of stack.apply and stack.rollback (and of an apply finished after a restart). */
export const StackResult = z.object({
  release: z.string(),
  previous: z.string().nullable(),
  role: z.enum(['network', 'mlnode', 'full']),
  containers: z.array(Container),
  /** True when a restart interrupted the operation and the agent finished it at its next start. */
  recovered: z.boolean().optional(),
});
export type StackResult = z.infer<typeof StackResult>;
