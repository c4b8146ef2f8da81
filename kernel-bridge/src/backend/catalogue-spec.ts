/**
 * The first check of every backend's `supports`: the op is in the catalogue, and it is a real op
 * (test-only fault ops run on the fault backend alone).
 */
import { getOp } from '../ops/catalogue';
import type { OpSpec } from '../ops/types';

export type SpecLookup = { readonly spec: OpSpec; readonly reason?: undefined } | { readonly spec?: undefined; readonly reason: string };

export function specForBackend(op: string, fault = false): SpecLookup {
  let spec: OpSpec;
  try {
    spec = getOp(op);
  } catch (e) {
    return { reason: (e as Error).message };
  }
  if (fault !== (spec.testOnly === true)) {
    return { reason: fault ? `the fault backend runs only the test-only fault ops, not ${op}` : `${op} is a test-only fault op; only the fault backend runs it` };
  }
  return { spec };
}
