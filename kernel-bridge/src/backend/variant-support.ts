/**
 * Variant params (ParamDecl.variant): an op's optional layout or fused epilogue that only some
 * backends implement, such as conv2d's channels_last or instance_norm's activation. A backend
 * lists the ones it implements in `variants`; for every other backend a non-default value is
 * refused with a reason, so no backend silently computes the default variant instead.
 * Every backend's supports() asks here, and planForBackend asks again, which covers a backend
 * whose supports() predates a variant.
 */
import type { OpSpec, ParamValue, Params } from '../ops/types';
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
  const implemented = backend.variants?.[spec.name] ?? [];
  for (const [name, decl] of Object.entries(spec.params)) {
    if (!decl.variant || implemented.includes(name)) continue;
    const v = params[name];
    if (v === undefined || v === decl.default) continue;
    return `${describe(spec.name, name, v)} is not implemented on ${backend.id}`;
  }
  return undefined;
}
