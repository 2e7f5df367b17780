/* eslint-disable @typescript-eslint/no-unused-vars -- placeholder until the operation is built */
import type { z } from 'zod';
import type { OPERATIONS } from '@gnm/protocol';
import { OperationFailure, type OperationContext } from '../operations/registry.js';
import type { StackDeps } from '../stack/stack-context.js';
import type { ModelDownloadResult } from './results.js';

export type ModelDownloadParams = z.infer<(typeof OPERATIONS)['node.model.download']>;

export function downloadModel(
  _p: ModelDownloadParams,
  _ctx: OperationContext,
  _d: StackDeps,
): Promise<ModelDownloadResult> {
  return Promise.reject(
    new OperationFailure('unsupported-operation', 'node.model.download is not built yet'),
  );
}
