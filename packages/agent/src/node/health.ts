/* eslint-disable @typescript-eslint/no-unused-vars -- placeholder until the operation is built */
import type { NodeHealthFacts } from '@gnm/gonka';
import { OperationFailure, type OperationContext } from '../operations/registry.js';
import type { StackDeps } from '../stack/stack-context.js';

export function readNodeHealth(_ctx: OperationContext, _d: StackDeps): Promise<NodeHealthFacts> {
  return Promise.reject(new OperationFailure('unsupported-operation', 'node.health is not built yet'));
}
