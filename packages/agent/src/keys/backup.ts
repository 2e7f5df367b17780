/* eslint-disable @typescript-eslint/no-unused-vars -- placeholder until the operation is built */
import type { z } from 'zod';
import type { OPERATIONS } from '@gnm/protocol';
import { OperationFailure, type OperationContext } from '../operations/registry.js';
import type { StackDeps } from '../stack/stack-context.js';
import type { KeysBackupResult } from '../node/results.js';

export type KeysBackupParams = z.infer<(typeof OPERATIONS)['keys.backup']>;

export function backupKeys(
  _p: KeysBackupParams,
  _ctx: OperationContext,
  _d: StackDeps,
): Promise<KeysBackupResult> {
  return Promise.reject(new OperationFailure('unsupported-operation', 'keys.backup is not built yet'));
}
