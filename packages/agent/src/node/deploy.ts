/* eslint-disable @typescript-eslint/no-unused-vars -- placeholder until the operation is built */
import type { z } from 'zod';
import type { OPERATIONS } from '@gnm/protocol';
import { OperationFailure, type OperationContext } from '../operations/registry.js';
import type { StackDeps } from '../stack/stack-context.js';
import type { DeployResult } from './results.js';

export type DeployParams = z.infer<(typeof OPERATIONS)['node.deploy']>;

export function deployNode(_p: DeployParams, _ctx: OperationContext, _d: StackDeps): Promise<DeployResult> {
  return Promise.reject(new OperationFailure('unsupported-operation', 'node.deploy is not built yet'));
}
