/* eslint-disable @typescript-eslint/no-unused-vars -- placeholder until the operation is built */
import { OperationFailure, type OperationContext } from '../operations/registry.js';
import type { StackDeps } from '../stack/stack-context.js';
import type { RegisterResult } from './results.js';

export function registerNode(_ctx: OperationContext, _d: StackDeps): Promise<RegisterResult> {
  return Promise.reject(new OperationFailure('unsupported-operation', 'node.register is not built yet'));
}
