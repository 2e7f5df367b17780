import { StackLayout } from '@gnm/bundle';
import { OperationFailure, type OperationContext } from '../operations/registry.js';
import { keptRelease } from './release-record.js';
import { composeFor, stepLogger, type StackDeps } from './stack-context.js';
import type { StackResult } from './result.js';

/**
 * stack.rollback: back to the kept previous release, offline (it was verified when it was applied):
 * the links switch with one rename each, then `compose up` recreates what differs.
 */
export async function rollbackStack(ctx: OperationContext, d: StackDeps): Promise<StackResult> {
  const layout = new StackLayout(d.stacksRoot);
  const current = layout.current() ?? null;
  const previous = layout.previous();
  if (!previous)
    throw new OperationFailure(
      'no-previous-release',
      'no previous release is kept on this host: there is nothing to roll back to (a rollback needs an earlier successful apply)',
    );
  const kept = keptRelease(d.stacksRoot, previous);
  if (!kept)
    throw new OperationFailure(
      'previous-release-missing',
      `the previous release ${previous} is no longer complete on this host: apply the wanted version instead`,
    );
  ctx.emit({ progress: { phase: 'start' }, log: `rolling back from ${current ?? 'nothing'} to ${previous}` });
  layout.rollback();
  await composeFor(d, ctx).onRelease(
    kept.release.composeArgs,
    ['up', '--detach', '--remove-orphans', '--no-build'],
    {
      onLine: stepLogger(ctx),
    },
  );
  return {
    release: previous,
    previous: current,
    role: kept.record.role,
    containers: await composeFor(d, ctx).ps(),
  };
}

/** stack.stop: stops the stack's containers; they, their volumes and the host state stay. */
export async function stopStack(ctx: OperationContext, d: StackDeps): Promise<{ stopped: string[] }> {
  const compose = composeFor(d, ctx);
  const running = (await compose.ps()).filter((c) => c.state === 'running').map((c) => c.service);
  ctx.emit({ progress: { phase: 'stop', done: 0, total: running.length, unit: 'services' } });
  await compose.stop((line) => stepLogger(ctx)(line));
  return { stopped: running };
}
