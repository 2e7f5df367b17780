import type { z } from 'zod';
import { OPERATIONS, type OperationName, type OpRequest, type OpResult } from '@gnm/protocol';
import { scrubber, type Scrub } from './output-scrubber.js';
import { COLD_KEY_REFUSED, coldKeyRefusal } from './cold-key-check.js';

/**
 * The closed operation registry (DESIGN invariant 2): one place mapping each operation name to its
 * parameter schema (the protocol's, shared with the control plane), its handler and its result schema.
 * Anything else — an unknown name, invalid parameters, a handler this build lacks — is an error
 * result, never an attempt.
 */
export interface OperationContext {
  emit(e: { progress?: { phase: string; done?: number; total?: number; unit?: string }; log?: string }): void;
  signal: AbortSignal;
  deadline: Date;
  /** The operation id (names its scratch folders; unique per task). */
  opId: string;
}

export interface OperationDef<P = unknown, R = unknown> {
  result: z.ZodType<R>;
  run(params: P, ctx: OperationContext): Promise<R>;
}

/** A failure with a code the control plane and the operator can act on. */
export class OperationFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Handlers = { [K in OperationName]?: OperationDef<z.infer<(typeof OPERATIONS)[K]>> };

export class Registry {
  private readonly scrub: Scrub;

  /**
   * `scrub` knows the host's secrets (the agent passes its secret store's values); without it, key
   * material is still found by shape. Every error message and event log line passes through it here,
   * the one place an operation's words become something kept (the result, the journal, task events).
   */
  constructor(
    private readonly handlers: Handlers,
    o: { scrub?: Scrub } = {},
  ) {
    this.scrub = o.scrub ?? scrubber();
  }

  names(): OperationName[] {
    return (Object.keys(this.handlers) as OperationName[]).filter((k) => this.handlers[k]);
  }

  async execute(req: OpRequest, ctx: OperationContext): Promise<OpResult> {
    const fail = (code: string, message: string): OpResult => ({
      type: 'op.result',
      opId: req.opId,
      ok: false,
      error: { code, message: this.scrub(message).slice(0, 4000) },
    });
    if (!Object.hasOwn(OPERATIONS, req.op))
      return fail(
        'unknown-operation',
        `this agent does not run "${req.op}": it runs only ${this.names().join(', ')}`,
      );
    const name = req.op as OperationName;
    const def = this.handlers[name] as OperationDef | undefined;
    if (!def)
      return fail(
        'unsupported-operation',
        `this agent version does not implement ${name} yet: upgrade the agent (re-run the install command)`,
      );
    const params = OPERATIONS[name].safeParse(req.params ?? {});
    if (!params.success)
      return fail(
        'invalid-params',
        params.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; '),
      );
    const cold = coldKeyRefusal(params.data, { path: 'params' });
    if (cold) return fail(COLD_KEY_REFUSED, cold);
    const scrubbed: OperationContext = {
      ...ctx,
      emit: (e) => ctx.emit(e.log === undefined ? e : { ...e, log: this.scrub(e.log) }),
    };
    try {
      const result = await def.run(params.data, scrubbed);
      const checked = def.result.safeParse(result);
      if (!checked.success) return fail('internal', `${name} produced a result outside its schema`);
      return { type: 'op.result', opId: req.opId, ok: true, result: checked.data };
    } catch (e) {
      if (e instanceof OperationFailure) return fail(e.code, e.message);
      if (ctx.signal.aborted) return fail('deadline-exceeded', `${name} did not finish before its deadline`);
      return fail('internal', `${name} failed: ${(e as Error).message}`);
    }
  }
}
