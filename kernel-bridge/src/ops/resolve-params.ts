/**
 * User params → resolved params: unknown keys rejected, types / ranges / enums checked,
 * NaN and ±Infinity refused, defaults filled. The result has every declared key.
 */
import type { OpSpec, ParamDecl, ParamValue, Params } from './types';
import { AbwError } from '../errors';
import { paramError } from './op-errors';

function describe(decl: ParamDecl): string {
  const range =
    decl.min !== undefined && decl.max !== undefined
      ? ` in [${decl.min}, ${decl.max}]`
      : decl.min !== undefined
        ? ` ≥ ${decl.min}`
        : decl.max !== undefined
          ? ` ≤ ${decl.max}`
          : '';
  const strs = decl.enum ? decl.enum.map((s) => `'${s}'`).join(' | ') : 'a string';
  let what: string;
  switch (decl.type) {
    case 'int':
      what = `an integer${range}`;
      break;
    case 'float':
      what = `a finite number${range}`;
      break;
    case 'bool':
      what = 'true or false';
      break;
    case 'string':
      what = strs;
      break;
    case 'ints':
      what = `a list of integers${range ? ` (each${range})` : ''}`;
      break;
    case 'int|ints':
      what = `an integer or a list of integers${range ? ` (each${range})` : ''}`;
      break;
    case 'int|ints|string':
      what = `an integer or a list of integers${range ? ` (each${range})` : ''}, or ${strs}`;
      break;
  }
  return decl.nullable ? `${what}, or null` : what;
}

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

function inRange(v: number, decl: ParamDecl): boolean {
  return (decl.min === undefined || v >= decl.min) && (decl.max === undefined || v <= decl.max);
}

function checkValue(op: string, name: string, decl: ParamDecl, v: unknown, prefix: string): ParamValue {
  const bad = () => paramError(op, name, `expected ${describe(decl)}, got ${show(v)}`, prefix);
  if (v === null) {
    if (decl.nullable) return null;
    throw bad();
  }
  if (typeof v === 'number' && !Number.isFinite(v)) {
    throw paramError(op, name, `${v} is not allowed; expected ${describe(decl)}`, prefix);
  }
  const intList = (list: unknown): number[] => {
    if (!Array.isArray(list)) throw bad();
    return list.map((x, i) => {
      if (typeof x === 'number' && !Number.isFinite(x)) {
        throw paramError(op, `${name}[${i}]`, `${x} is not allowed; expected ${describe(decl)}`, prefix);
      }
      if (!isInt(x) || !inRange(x, decl)) {
        throw paramError(op, `${name}[${i}]`, `expected ${describe(decl)}, got ${show(x)}`, prefix);
      }
      return x;
    });
  };
  switch (decl.type) {
    case 'int':
      if (!isInt(v) || !inRange(v, decl)) throw bad();
      return v;
    case 'float':
      if (typeof v !== 'number' || !inRange(v, decl)) throw bad();
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw bad();
      return v;
    case 'string':
      if (typeof v !== 'string' || (decl.enum && !decl.enum.includes(v))) throw bad();
      return v;
    case 'ints':
      return intList(v);
    case 'int|ints':
      if (typeof v === 'number') {
        if (!isInt(v) || !inRange(v, decl)) throw bad();
        return v;
      }
      return intList(v);
    case 'int|ints|string':
      if (typeof v === 'number') {
        if (!isInt(v) || !inRange(v, decl)) throw bad();
        return v;
      }
      if (typeof v === 'string') {
        if (decl.enum && !decl.enum.includes(v)) throw bad();
        return v;
      }
      return intList(v);
  }
}

function cloneDefault(v: ParamValue): ParamValue {
  return Array.isArray(v) ? [...v] : v;
}

/**
 * Resolves `userParams` against the spec's declarations. `field` prefixes error fields
 * (e.g. `cases[3].params` gives `cases[3].params.stride`).
 */
export function resolveParams(spec: OpSpec, userParams: unknown, field = 'params'): Params {
  const op = spec.name;
  const decls = spec.params;
  const allowed = Object.keys(decls);
  const allowedText = allowed.length ? `${op} takes: ${allowed.join(', ')}` : `${op} takes no parameters`;
  if (userParams === undefined || userParams === null) userParams = {};
  if (typeof userParams !== 'object' || Array.isArray(userParams)) {
    throw new AbwError('ABW_EINVAL', `[${op}] ${field}: expected an object of parameters, got ${show(userParams)}; ${allowedText}`, field);
  }
  const given = userParams as Record<string, unknown>;
  const unknown = Object.keys(given).filter((k) => !Object.prototype.hasOwnProperty.call(decls, k));
  if (unknown.length > 0) {
    throw paramError(
      op,
      unknown[0],
      `unknown parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}; ${allowedText}`,
      field,
    );
  }
  const out: Params = {};
  for (const name of allowed) {
    const decl = decls[name];
    const v = given[name];
    if (v === undefined) {
      if (decl.default === undefined) {
        throw paramError(op, name, `is required: ${describe(decl)} (${decl.doc})`, field);
      }
      out[name] = cloneDefault(decl.default);
    } else {
      out[name] = checkValue(op, name, decl, v, field);
    }
  }
  return out;
}
