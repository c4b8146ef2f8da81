/**
 * Typed reads of resolved params inside `plan` functions. resolveParams has already checked
 * types, ranges and enums; these narrow the union and expand int-or-list params.
 */
import type { Params } from './types';
import { paramError } from './op-errors';

export function pInt(p: Params, name: string): number {
  return p[name] as number;
}

export function pFloat(p: Params, name: string): number {
  return p[name] as number;
}

export function pBool(p: Params, name: string): boolean {
  return p[name] as boolean;
}

export function pStr(p: Params, name: string): string {
  return p[name] as string;
}

export function pInts(p: Params, name: string): number[] {
  return [...(p[name] as number[])];
}

export function pIntOrNull(p: Params, name: string): number | null {
  const v = p[name];
  return v === null || v === undefined ? null : (v as number);
}

/**
 * An `int|ints` param expanded to `n` values: an int is repeated, a list must have length 1
 * (repeated) or `n` — as ATen's expand_param_if_needed does.
 */
export function expandInts(op: string, p: Params, name: string, n: number): number[] {
  const v = p[name];
  if (typeof v === 'number') return new Array<number>(n).fill(v);
  const list = v as number[];
  if (list.length === 1) return new Array<number>(n).fill(list[0]);
  if (list.length !== n) {
    throw paramError(op, name, `expected an int or a list of ${n === 1 ? '1 int' : `1 or ${n} ints`}, got [${list.join(', ')}]`);
  }
  return [...list];
}
