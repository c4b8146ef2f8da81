/**
 * One front door for a call: params resolved, input count and shapes checked, then the spec's
 * own plan. Backends and the runner plan through here, never through `spec.plan` directly.
 */
import { AbwError } from '../errors';
import type { CaseDType, Shape } from '../tensor';
import { inputError } from './op-errors';
import { resolveParams } from './resolve-params';
import type { InputDecl, OpSpec, Params, Plan } from './types';

export interface PlannedCall {
  /** Resolved params (defaults filled), as the user-facing names. */
  readonly params: Params;
  readonly plan: Plan;
  /** One entry per shape: variadic inputs expanded as `name[i]`. */
  readonly inputs: InputDecl[];
}

/**
 * Expands the declared inputs to `count` actual inputs: a variadic last input becomes
 * `name[0]`, `name[1]`, …; trailing optional inputs beyond `count` are kept (as absent).
 */
export function expandInputs(decls: readonly InputDecl[], count: number): InputDecl[] {
  const last = decls[decls.length - 1];
  if (!last || !last.variadic) return [...decls];
  const fixed = decls.slice(0, -1);
  const n = Math.max(1, count - fixed.length);
  const out = [...fixed];
  for (let i = 0; i < n; i++) out.push({ ...last, name: `${last.name}[${i}]`, variadic: false });
  return out;
}

function checkShape(op: string, name: string, shape: unknown): Shape {
  if (!Array.isArray(shape)) throw inputError(op, name, `expected a shape (a list of dims), got ${JSON.stringify(shape)}`);
  shape.forEach((d) => {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 1) {
      throw inputError(op, name, `dims must be positive integers (empty tensors are not planned), got [${shape.join(', ')}]`);
    }
  });
  return shape as Shape;
}

/**
 * Checks the input count (required / optional / variadic; trailing optional inputs may be
 * left out, other omitted ones are `null`), resolves params and plans the call.
 */
export function planCall(spec: OpSpec, shapes: readonly (Shape | null)[], userParams: unknown, field = 'params'): PlannedCall {
  const op = spec.name;
  const params = resolveParams(spec, userParams, field);
  const decls = spec.inputs(params);
  const variadic = decls.length > 0 && decls[decls.length - 1].variadic === true;
  const names = decls.map((d) => (d.variadic ? `${d.name}…` : d.optional ? `${d.name}?` : d.name)).join(', ');
  if (!Array.isArray(shapes)) {
    throw new AbwError('ABW_EINVAL', `[${op}] inputs: expected a list of input shapes (${names})`, 'inputs');
  }
  if (!variadic && shapes.length > decls.length) {
    throw new AbwError(
      'ABW_EINVAL',
      `[${op}] inputs: too many inputs (${shapes.length}); ${op} takes at most ${decls.length}: ${names}`,
      'inputs',
    );
  }
  const inputs = expandInputs(decls, shapes.length);
  const full: (Shape | null)[] = [];
  inputs.forEach((decl, i) => {
    const s = i < shapes.length ? shapes[i] : null;
    if (s === null || s === undefined) {
      if (!decl.optional) {
        throw new AbwError(
          'ABW_EINVAL',
          `[${op}] inputs.${decl.name}: missing required input '${decl.name}'; ${op} takes: ${names}`,
          `inputs.${decl.name}`,
        );
      }
      full.push(null);
    } else {
      full.push(checkShape(op, decl.name, s));
    }
  });
  return { params, plan: spec.plan(full, params), inputs };
}

/** Throws ABW_EDTYPE unless the op is defined for `dtype`. */
export function checkDType(spec: OpSpec, dtype: string, field = 'dtype'): CaseDType {
  if (!(spec.dtypes as readonly string[]).includes(dtype)) {
    throw new AbwError(
      'ABW_EDTYPE',
      `[${spec.name}] ${field}: ${spec.name} is not defined for '${dtype}'; it takes ${spec.dtypes.join(', ')}`,
      field,
    );
  }
  return dtype as CaseDType;
}
