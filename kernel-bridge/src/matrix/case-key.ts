/**
 * Stable case keys: `backend|kind|op|dtype|shapes|params`, e.g.
 * `cpu|op|conv1d|f32|[[1,64,44100],[64,64,7],[64]]|{"padding":3}`.
 * Baselines are joined on this key, so it must not depend on key order in a JSON file, on
 * labels, or on anything machine-specific.
 */
import type { Params, ParamValue } from '../ops/types';
import type { Shape } from '../tensor';

/** JSON with object keys sorted at every level; numbers as JSON writes them. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    // JSON cannot hold NaN/Infinity; keep them distinguishable rather than collapsing to null.
    if (typeof value === 'number' && !Number.isFinite(value)) return JSON.stringify(String(value));
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(obj[k])}`).join(',')}}`;
}

export interface CaseKeyParts {
  readonly backend: string;
  readonly kind?: 'op' | 'pipeline';
  readonly op: string;
  readonly dtype: string;
  readonly shapes: readonly (Shape | null)[];
  readonly params: Params | Readonly<Record<string, ParamValue>>;
}

export function caseKey(p: CaseKeyParts): string {
  return [p.backend, p.kind ?? 'op', p.op, p.dtype, stableJson(p.shapes), stableJson(p.params)].join('|');
}

/** The part of the key that fixes the inputs: same for every backend and dtype. */
export function inputKey(p: Omit<CaseKeyParts, 'backend' | 'dtype'>): string {
  return [p.kind ?? 'op', p.op, stableJson(p.shapes), stableJson(p.params)].join('|');
}

/** 32-bit FNV-1a of a string: seeds derived from keys. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The input seed of a case: the run seed mixed with the input key. */
export function caseSeed(runSeed: number, key: string): number {
  return (hash32(`${runSeed >>> 0}:${key}`) & 0x7fffffff) >>> 0;
}
