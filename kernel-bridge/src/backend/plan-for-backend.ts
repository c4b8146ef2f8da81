/**
 * The checks and planning every backend's `prepare` starts with: the backend supports the op
 * in this dtype and implements any variant params the call asks for, the op spec plans the call
 * (shapes, canonical params), each input has the storage dtype its kind needs, and every output
 * gets its shape and dtype.
 */
import { AbwError } from '../errors';
import { getOp } from '../ops/catalogue';
import { planCall, type PlannedCall } from '../ops/plan-call';
import { kindStorage } from '../ops/tensor-kind';
import type { OpSpec, Params } from '../ops/types';
import type { DType, Shape } from '../tensor';
import type { ComputeBackend, ComputeDType, DeviceTensor } from './types';
import { inputVariantRefusal, variantRefusal } from './variant-support';

export interface BackendPlan {
  readonly spec: OpSpec;
  readonly planned: PlannedCall;
  /** Per output of the spec, in order. */
  readonly outputs: readonly { readonly name: string; readonly shape: Shape; readonly dtype: DType }[];
}

export function planForBackend(
  backend: Pick<ComputeBackend, 'id' | 'supports' | 'variants'>,
  op: string,
  inputs: readonly (DeviceTensor | null)[],
  params: Params,
  dtype: ComputeDType,
): BackendPlan {
  const spec = getOp(op);
  const support = backend.supports(op, dtype, params);
  if (!support.ok) throw new AbwError('ABW_EUNSUPPORTED', support.reason);
  // Again here, not only in supports(): a backend whose supports() does not ask must still
  // refuse a variant it does not implement rather than run the default one.
  const variant = variantRefusal(backend, spec, params);
  if (variant) throw new AbwError('ABW_EUNSUPPORTED', variant);
  const shapes = inputs.map((t) => (t ? t.shape : null));
  const inputVariant = inputVariantRefusal(backend, spec, params, shapes);
  if (inputVariant) throw new AbwError('ABW_EUNSUPPORTED', inputVariant);
  const planned = planCall(spec, shapes, params);
  planned.inputs.forEach((decl, i) => {
    const t = inputs[i];
    if (!t) return;
    const want = kindStorage(decl.kind, dtype);
    if (t.dtype !== want) {
      throw new AbwError('ABW_EDTYPE', `[${op}] input \`${decl.name}\` is ${t.dtype}, expected ${want} for a ${dtype} case`, `inputs[${i}]`);
    }
  });
  const outputs = spec.outputs.map((decl, i) => {
    const shape = planned.plan.outputs[i];
    if (!shape) throw new AbwError('ABW_EINTERNAL', `[${op}] plan has no shape for output ${decl.name}`);
    return { name: decl.name, shape, dtype: kindStorage(decl.kind, dtype) };
  });
  return { spec, planned, outputs };
}
