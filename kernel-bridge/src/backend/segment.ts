/** What every backend that compiles traced chains of ops (`prepareSegment`) needs alike. */
import { AbwError } from '../errors';
import type { DeviceTensor, SegmentRef, SegmentTrace } from './types';

/** The tensor a reference stands for: a segment input, or an earlier step's output. */
export function segmentTensor<T extends DeviceTensor>(trace: SegmentTrace, produced: readonly (readonly T[])[], r: SegmentRef): T {
  const t = 'input' in r ? trace.inputs[r.input] : produced[r.step]?.[r.output];
  if (!t) throw new AbwError('ABW_EINVAL', `segment ${trace.name}: reference ${JSON.stringify(r)} names no earlier tensor`);
  return t as T;
}

/**
 * Runs step `si`'s planning; in a chain of more than one step, an AbwError it throws also says
 * which step (a lone op keeps its own message).
 */
export function planStep<R>(trace: SegmentTrace, si: number, plan: () => R): R {
  try {
    return plan();
  } catch (e) {
    if (trace.steps.length === 1 || !(e instanceof AbwError)) throw e;
    throw new AbwError(e.code, `segment ${trace.name}, step ${si}: ${e.message}`, e.field);
  }
}
