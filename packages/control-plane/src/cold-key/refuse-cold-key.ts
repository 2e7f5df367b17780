import {
  describeColdKeyFindings,
  findColdKeyMaterial,
  type ColdKeyGuardOptions,
  type TypedField,
} from '@gnm/gonka';
import { DomainError } from '../errors.js';

/**
 * The control plane's one check for cold-key material (DESIGN invariant 5), used by every way a value
 * comes in: the request-body guard of every route, task creation (whoever queues it: a user, a node
 * flow, an attachment step), node configurations. The whole document is searched at once, its keys
 * included, so a phrase split over two fields is still refused; the refusal names where, never what.
 */
export function refuseColdKey(doc: unknown, o: ColdKeyGuardOptions = {}): void {
  const found = findColdKeyMaterial(doc, o);
  if (found.length)
    throw new DomainError('invalid', 'Cold-key material refused', describeColdKeyFindings(found));
}

/** Typed fields of task parameters (every operation's): public values that pass by their type. */
export const TASK_PARAM_TYPES: Readonly<Record<string, TypedField>> = {
  'values.ACCOUNT_PUBKEY': 'account-pubkey',
};
