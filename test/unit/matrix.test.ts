import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { describe, expect, it } from 'vitest';

import { caseKey, caseSeed, stableJson } from '../../kernel-bridge/src/matrix/case-key';
import { expandMatrix, onlyMatcher } from '../../kernel-bridge/src/matrix/expand';
import { loadMatrix, MAX_MATRIX_BYTES } from '../../kernel-bridge/src/matrix/load-matrix';
import { parseMatrixSpec } from '../../kernel-bridge/src/matrix/spec';

function spec(cases: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 't', description: 'test', version: 1, defaults: { dtypes: ['f32', 'tf32', 'f16', 'bf16', 'int8'], measure: { budgetMs: 100 } }, cases, ...extra };
}

const relu = { label: 'relu small', op: 'relu', shapes: [[4, 8]] };
const matmul = { label: 'mm', op: 'matmul', shapes: [[2, 3], [3, 4]] };

function parseError(obj: unknown): string {
  try {
    parseMatrixSpec(obj, 'test.json');
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a parse error');
}

describe('parseMatrixSpec', () => {
  it('accepts a valid spec and fills defaults', () => {
    const m = parseMatrixSpec(spec([relu, { ...matmul, params: { transpose_b: false }, dtypes: ['f32'] }]), 'x.json');
    expect(m.cases).toHaveLength(2);
    expect(m.cases[1]?.dtypes).toEqual(['f32']);
    expect(m.hash).toMatch(/^[0-9a-f]{8}$/);
    const again = parseMatrixSpec(spec([relu, { ...matmul, params: { transpose_b: false }, dtypes: ['f32'] }]), 'y.json');
    expect(again.hash).toBe(m.hash);
  });

  it('names the JSON path of a bad dim: NaN, strings, null, negatives, zero, fractions', () => {
    const bad = (d: unknown) => parseError(spec([relu, relu, relu, { label: 'c', op: 'conv1d', shapes: [[1, d, 10], [4, 4, 3]] }].map((c, i) => ({ ...c, label: `c${i}` }))));
    expect(bad(NaN)).toContain('cases[3].shapes[0][1] must be a positive integer, got NaN');
    expect(bad('64')).toContain('cases[3].shapes[0][1] must be a positive integer, got "64"');
    expect(bad(null)).toContain('cases[3].shapes[0][1] must be a positive integer, got null');
    expect(bad(-3)).toContain('cases[3].shapes[0][1] must be a positive integer, got -3');
    expect(bad(0)).toContain('cases[3].shapes[0][1] must be a positive integer, got 0');
    expect(bad(1.5)).toContain('cases[3].shapes[0][1] must be a positive integer, got 1.5');
    expect(bad(Infinity)).toContain('cases[3].shapes[0][1] must be a positive integer, got Infinity');
  });

  it('rejects unknown ops, listing the known ones', () => {
    const msg = parseError(spec([relu, { label: 'x', op: 'conv3d', shapes: [[1]] }]));
    expect(msg).toContain('cases[1].op');
    expect(msg).toContain('conv3d');
    expect(msg).toMatch(/known ops: .*conv1d/);
  });

  it('rejects unknown dtypes in defaults and cases, and dtypes the op does not define', () => {
    expect(parseError(spec([relu], { defaults: { dtypes: ['f32', 'fp8'] } }))).toContain('defaults.dtypes[1] must be one of f32, tf32, f16, bf16, int8, got "fp8"');
    expect(parseError(spec([{ ...relu, dtypes: ['f33'] }]))).toContain('cases[0].dtypes[0] must be one of');
    expect(parseError(spec([{ ...relu, dtypes: ['int8'] }]))).toContain('cases[0].dtypes[0] int8 is not defined for relu');
  });

  it('rejects duplicate labels, naming both cases', () => {
    expect(parseError(spec([relu, matmul, { ...relu }]))).toContain('cases[2].label "relu small" repeats the label of cases[0]');
  });

  it('rejects unknown keys, bad versions, bad params and bad measure settings', () => {
    expect(parseError(spec([{ ...relu, shape: [[1]] }]))).toContain('cases[0].shape is not a known key');
    expect(parseError({ ...spec([relu]), version: 2 })).toContain('version must be 1, got 2');
    expect(parseError(spec([{ ...matmul, params: { transpose_c: true } }]))).toContain('cases[0].params.transpose_c is not a parameter of matmul');
    expect(parseError(spec([{ ...matmul, params: { transpose_a: 'yes' } }]))).toContain('cases[0].params.transpose_a');
    expect(parseError(spec([{ ...relu, measure: { budgetMs: -5 } }]))).toContain('cases[0].measure.budgetMs must be a number in');
    expect(parseError(spec([]))).toContain('cases must be a non-empty array');
    expect(parseError('nope')).toContain('must be a JSON object');
  });

  it('plans every case so that shape errors name the case and input', () => {
    const msg = parseError(spec([{ label: 'bad conv', op: 'conv1d', shapes: [[1, 4, 100], [8, 5, 3]] }]));
    expect(msg).toMatch(/^cases\[0\]\.shapes\[1\] \(case "bad conv"\): \[conv1d\]/);
  });
});

describe('expandMatrix', () => {
  const m = parseMatrixSpec(spec([relu, matmul]), 'x.json');

  it('makes one case per matrix case × backend × dtype the op defines', () => {
    // relu: f32, f16, bf16; matmul: f32, tf32, f16, bf16 — times two backends.
    expect(expandMatrix(m, { backends: ['cpu', 'ref'] })).toHaveLength((3 + 4) * 2);
    expect(expandMatrix(m, { backends: ['cpu'], dtypes: ['f32'] })).toHaveLength(2);
    expect(expandMatrix(m, { backends: ['cpu'], dtypes: ['int8'] })).toHaveLength(0);
    expect(expandMatrix(m, { backends: ['cpu'], only: 'relu' })).toHaveLength(3);
    expect(expandMatrix(m, { backends: ['cpu'], only: 'mat*' })).toHaveLength(4);
    expect(expandMatrix(m, { backends: ['cpu'], only: 'RELU,mm' })).toHaveLength(7);
  });

  it('respects per-case dtypes, lets --dtype replace them, and orders f32 first', () => {
    const m2 = parseMatrixSpec(spec([{ ...matmul, dtypes: ['bf16', 'f32'] }, relu]), 'x.json');
    const cases = expandMatrix(m2, { backends: ['cpu'] });
    expect(cases.map((c) => c.dtype)).toEqual(['f32', 'bf16', 'f32', 'f16', 'bf16']);
    const tf32 = expandMatrix(m2, { backends: ['cpu'], dtypes: ['tf32'] });
    expect(tf32.map((c) => `${c.op}:${c.dtype}`)).toEqual(['matmul:tf32']);
    expect(cases[0]?.measure).toEqual({ budgetMs: 100 });
  });

  it('rejects an empty or repeated backend list', () => {
    expect(() => expandMatrix(m, { backends: [] })).toThrow(/at least one backend/);
    expect(() => expandMatrix(m, { backends: ['cpu', 'cpu'] })).toThrow(/listed twice/);
  });

  it('matches --only patterns on label or op', () => {
    const match = onlyMatcher('conv*,stft');
    expect(match('conv1d 64ch 1s', 'conv1d')).toBe(true);
    expect(match('STFT 2048', 'stft')).toBe(true);
    expect(match('relu', 'relu')).toBe(false);
    expect(onlyMatcher(undefined)('x', 'y')).toBe(true);
  });
});

describe('case keys', () => {
  it('are stable: sorted params, resolved defaults, no labels', () => {
    const m = parseMatrixSpec(spec([matmul]), 'x.json');
    const [c] = expandMatrix(m, { backends: ['cpu'], dtypes: ['f32'] });
    expect(c?.key).toBe('cpu|op|matmul|f32|[[2,3],[3,4]]|{"transpose_a":false,"transpose_b":false}');
    const m2 = parseMatrixSpec(spec([{ ...matmul, label: 'other label', params: { transpose_b: false, transpose_a: false } }]), 'y.json');
    const [c2] = expandMatrix(m2, { backends: ['cpu'], dtypes: ['f32'] });
    expect(c2?.key).toBe(c?.key);
  });

  it('sort keys at every level and keep non-finite numbers distinct', () => {
    expect(stableJson({ b: 1, a: { d: [1, 2], c: null } })).toBe('{"a":{"c":null,"d":[1,2]},"b":1}');
    expect(stableJson(NaN)).toBe('"NaN"');
    expect(caseKey({ backend: 'cpu', op: 'relu', dtype: 'f16', shapes: [[3]], params: {} })).toBe('cpu|op|relu|f16|[[3]]|{}');
  });

  it('seed inputs the same for every backend and dtype of a matrix case', () => {
    const m = parseMatrixSpec(spec([relu]), 'x.json');
    const cases = expandMatrix(m, { backends: ['cpu', 'ref'] });
    expect(new Set(cases.map((c) => c.inputKey)).size).toBe(1);
    expect(new Set(cases.map((c) => c.key)).size).toBe(cases.length);
    const k = cases[0]!.inputKey;
    expect(caseSeed(1, k)).toBe(caseSeed(1, k));
    expect(caseSeed(1, k)).not.toBe(caseSeed(2, k));
  });
});

describe('loadMatrix', () => {
  it('loads the shared matrices by name', () => {
    for (const name of ['quick', 'default']) {
      const m = loadMatrix(name);
      expect(m.name).toBe(name);
      expect(m.cases.length).toBeGreaterThan(0);
    }
  });

  it('refuses missing, oversized and non-JSON files with the path in the message', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abw-matrix-'));
    expect(() => loadMatrix('no-such-matrix')).toThrow(/does not exist; shared matrices: .*quick/);
    const big = path.join(dir, 'big.json');
    fs.writeFileSync(big, ' '.repeat(MAX_MATRIX_BYTES + 1));
    expect(() => loadMatrix(big)).toThrow(/at most/);
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"name": ');
    expect(() => loadMatrix(bad)).toThrow(/not valid JSON/);
    const wrong = path.join(dir, 'wrong.json');
    fs.writeFileSync(wrong, JSON.stringify(spec([{ ...relu, shapes: [[4, -1]] }])));
    expect(() => loadMatrix(wrong)).toThrow(/wrong\.json: cases\[0\]\.shapes\[0\]\[1\] must be a positive integer, got -1/);
  });

  it('covers every op of the catalogue in both shared matrices', async () => {
    const { listOps } = await import('../../kernel-bridge/src/ops/catalogue');
    const ops = listOps().map((o: { name: string } | string) => (typeof o === 'string' ? o : o.name));
    for (const name of ['quick', 'default']) {
      const covered = new Set(loadMatrix(name).cases.map((c) => c.op));
      expect(ops.filter((o: string) => !covered.has(o)), name).toEqual([]);
    }
  });
});
