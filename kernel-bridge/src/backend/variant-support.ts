/**
 * Variant params (ParamDecl.variant) and variant inputs (InputDecl.variant): an op's optional
 * layout or fused epilogue that only some backends implement, such as conv2d's channels_last,
 * instance_norm's activation or matmul's residual. A backend lists the ones it implements in
 * `variants`; for every other backend a non-default value, or the input given, is refused with a
 * reason, so no backend silently computes the default variant instead.
 * Every backend's supports() asks here, and planForBackend asks again, which covers a backend
 * whose supports() predates a variant.
 */
import type { OpSpec, ParamValue, Params } from '../ops/types';
import type { Shape } from '../tensor';
import type { ComputeBackend } from './types';

function describe(op: string, name: string, value: ParamValue): string {
  if (value === true) return `${name} ${op}`;
  return `${op} with ${name} = ${typeof value === 'string' ? `'${value}'` : JSON.stringify(value)}`;
}

/**
 * Why `backend` cannot run `spec` with `params` (user-facing or canonical; absent keys take the
 * default), or undefined when every variant param asked for is one it implements.
 */
export function variantRefusal(backend: Pick<ComputeBackend, 'id' | 'variants'>, spec: OpSpec, params: Params | undefined): string | undefined {
  if (!params) return undefined;
  for (const [name, decl] of Object.entries(spec.params)) {
    if (!decl.variant || implementsVariant(backend, spec.name, name)) continue;
    const v = params[name];
    if (v === undefined || v === decl.default) continue;
    return `${describe(spec.name, name, v)} is not implemented on ${backend.id}`;
  }
  return undefined;
}

/**
 * Why `backend` cannot take the variant inputs given in `shapes` (one per input, null or absent
 * for an omitted one), or undefined. Asked by planForBackend and by the matrix before a case runs.
 */
export function inputVariantRefusal(
  backend: Pick<ComputeBackend, 'id' | 'variants'>,
  spec: OpSpec,
  params: Params,
  shapes: readonly (Shape | null | undefined)[],
): string | undefined {
  const decls = spec.inputs(params);
  for (let i = 0; i < decls.length && i < shapes.length; i++) {
    const d = decls[i]!;
    if (d.variant && shapes[i] && !implementsVariant(backend, spec.name, d.name)) return `${spec.name} with input ${d.name} is not implemented on ${backend.id}`;
  }
  return undefined;
}

/** Whether `backend` implements the variant param or input `name` of `op`. */
export function implementsVariant(backend: Pick<ComputeBackend, 'variants'>, op: string, name: string): boolean {
  return backend.variants?.[op]?.includes(name) ?? false;
}
