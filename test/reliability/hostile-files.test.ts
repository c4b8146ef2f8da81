/**
 * Corrupt, truncated, hostile and oversized result files and matrix specs: clear errors that
 * name the field (and the allowed values), no prototype pollution, no code execution, no
 * stack overflow, and size limits (ABW_MAX_RESULT_BYTES / --max-result-bytes) honoured.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { main } from '../../kernel-bridge/src/cli/main';
import type { Io } from '../../kernel-bridge/src/cli/io';
import { loadMatrix, MAX_MATRIX_BYTES } from '../../kernel-bridge/src/matrix/load-matrix';
import { parseMatrixSpec } from '../../kernel-bridge/src/matrix/spec';
import { readJournal } from '../../kernel-bridge/src/results/journal';
import { maxResultBytes, parseByteSize, readRunFile } from '../../kernel-bridge/src/results/read-run';
import { validateRunFile } from '../../kernel-bridge/src/results/validate';
import { fixtureRun } from '../helpers/run-fixture';
import { tmpdir } from './helpers';

const dir = tmpdir('hostile');
const MATRIX = { name: 'm', version: 1, defaults: { dtypes: ['f32'] }, cases: [{ label: 'relu', op: 'relu', shapes: [[4, 4]] }] };

function write(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

function errorOf(fn: () => unknown): Error & { code?: string; field?: string } {
  try {
    fn();
  } catch (e) {
    return e as Error & { code?: string; field?: string };
  }
  throw new Error('expected an error');
}

function notPolluted(): void {
  const probe: Record<string, unknown> = {};
  expect(probe.polluted).toBeUndefined();
  expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  expect(({} as { toString: unknown }).toString).toBe(Object.prototype.toString);
}

async function abw(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => void (out += s), err: (s) => void (err += s), progress: { write: () => undefined, isTTY: false } };
  return { code: await main(argv, io), out, err };
}

afterEach(() => {
  delete process.env.ABW_MAX_RESULT_BYTES;
  notPolluted();
});

describe('matrix specs', () => {
  const hostile: [string, string, RegExp][] = [
    ['proto-top', '{"__proto__": {"polluted": true}, "name": "m", "version": 1, "cases": [{"label": "a", "op": "relu", "shapes": [[2]]}]}', /forbidden key at \/__proto__/],
    ['proto-params', '{"name": "m", "version": 1, "cases": [{"label": "a", "op": "relu", "shapes": [[2]], "params": {"__proto__": {"polluted": true}}}]}', /forbidden key at \/cases\/0\/params\/__proto__/],
    ['constructor', '{"name": "m", "version": 1, "cases": [{"label": "a", "op": "relu", "shapes": [[2]], "measure": {"constructor": {"prototype": {"polluted": true}}}}]}', /forbidden key at \/cases\/0\/measure\/constructor/],
    ['prototype', '{"name": "m", "version": 1, "defaults": {"prototype": 1}, "cases": []}', /forbidden key at \/defaults\/prototype/],
  ];
  for (const [name, text, re] of hostile) {
    it(`refuses prototype keys: ${name}`, () => {
      const e = errorOf(() => loadMatrix(write(`${name}.json`, text)));
      expect(e.code).toBe('ABW_ESCHEMA');
      expect(e.message).toMatch(re);
      notPolluted();
    });
  }

  it('an object that already has an own __proto__ key (JSON.parse made it) is refused as an unknown key, not merged', () => {
    const obj = JSON.parse('{"name": "m", "version": 1, "__proto__": {"polluted": true}, "cases": [{"label": "a", "op": "relu", "shapes": [[2]]}]}');
    expect(errorOf(() => parseMatrixSpec(obj, 'x')).message).toMatch(/^__proto__ is not a known key; allowed: \$schema, name, description, version, defaults, cases/);
    const params = JSON.parse('{"__proto__": {"polluted": true}}');
    const e = errorOf(() => parseMatrixSpec({ ...MATRIX, cases: [{ label: 'a', op: 'relu', shapes: [[2]], params }] }, 'x'));
    expect(e.message).toMatch(/cases\[0\]\.params\.__proto__ is not a parameter of relu/);
  });

  it('truncated, empty, non-object and deeply nested files', () => {
    const full = JSON.stringify(MATRIX);
    expect(errorOf(() => loadMatrix(write('trunc.json', full.slice(0, 50)))).message).toMatch(/is not valid JSON: .*the file is truncated/);
    expect(errorOf(() => loadMatrix(write('empty.json', ''))).message).toMatch(/is not valid JSON: the file is empty/);
    expect(errorOf(() => loadMatrix(write('array.json', '[1,2]'))).message).toMatch(/must be a JSON object, got an array/);
    const deep = write('deep.json', `{"name":"m","version":1,"cases":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    expect(errorOf(() => loadMatrix(deep)).message).toMatch(/nested deeper than 64/);
  });

  it('oversized matrix files are refused before they are read', () => {
    const big = write('big.json', `{"name":"m","version":1,"description":"${'x'.repeat(MAX_MATRIX_BYTES)}","cases":[]}`);
    expect(errorOf(() => loadMatrix(big)).message).toMatch(/a matrix may have at most 4194304/);
  });

  it('errors name the field and the allowed values', () => {
    const bad = (patch: object) => errorOf(() => parseMatrixSpec({ ...MATRIX, cases: [{ label: 'a', op: 'relu', shapes: [[2]], ...patch }] }, 'x')).message;
    expect(bad({ dtypes: ['f128'] })).toBe('cases[0].dtypes[0] must be one of f32, tf32, f16, bf16, int8, got "f128"');
    expect(bad({ measure: { mode: 'warm' } })).toBe('cases[0].measure.mode must be "hot" or "cold", got "warm"');
    expect(bad({ shapes: [[2, 'x']] })).toBe('cases[0].shapes[0][1] must be a positive integer, got "x"');
    expect(bad({ shapes: [[1e6, 1e6]] })).toMatch(/cases\[0\]\.shapes\[0\] has 1000000000000 elements; at most 2147483647/);
    expect(bad({ timeoutMs: -5 })).toMatch(/cases\[0\]\.timeoutMs must be an integer number of milliseconds in \[1, 86400000\], got -5/);
    expect(bad({ op: "require('child_process').exec('touch /tmp/pwned')" })).toMatch(/cases\[0\]\.op is not a known op: .*known ops: matmul, linear/);
    expect(bad({ params: { alpha: NaN } })).toMatch(/cases\[0\]\.params\.alpha is not a parameter of relu/);
    expect(errorOf(() => parseMatrixSpec({ ...MATRIX, cases: [{ label: 'e', op: 'elu', shapes: [[2]], params: { alpha: NaN } }] }, 'x')).message).toBe(
      'cases[0].params.alpha must be a finite number, got NaN',
    );
    expect(fs.existsSync('/tmp/pwned')).toBe(false);
  });
});

describe('run files', () => {
  const good = JSON.stringify(fixtureRun(3));

  it('prototype pollution in records, options and machine info is refused with the JSON path', () => {
    const cases: [string, string][] = [
      [good.replace('"params":{', '"params":{"__proto__":{"polluted":true},'), '/records/0/params/__proto__'],
      [good.replace('"options":{', '"options":{"constructor":{"prototype":{"polluted":true}},'), '/run/options/constructor'],
      [good.replace('"libraries":{', '"libraries":{"prototype":"x",'), '/run/machine/libraries/prototype'],
    ];
    for (const [text, at] of cases) {
      const f = write('proto-run.json', text);
      const e = errorOf(() => readRunFile(f));
      expect(e.code).toBe('ABW_ESCHEMA');
      expect(e.message).toBe(`${f}: forbidden key at ${at} (prototype keys are not allowed)`);
      notPolluted();
    }
  });

  it('corrupt and truncated files say where and what', () => {
    const f = write('trunc-run.json', good.slice(0, good.length - 100));
    expect(errorOf(() => readRunFile(f)).message).toMatch(/invalid JSON, the text ends early at line 1, column \d+ .*: the file is truncated/);
    const c = write('corrupt-run.json', good.replace('"status":"ok"', '"status":ok'));
    expect(errorOf(() => readRunFile(c)).message).toMatch(/invalid JSON at line 1, column \d+/);
    const s = write('status-run.json', good.replace('"status":"ok"', '"status":"fine"'));
    expect(errorOf(() => readRunFile(s)).message).toBe(`${s}: /records/0/status must be equal to one of the allowed values: ok, unsupported, error, timeout, oom, crash`);
    const t = write('type-run.json', good.replace('"durationMs":612.5', '"durationMs":"612"'));
    expect(errorOf(() => readRunFile(t)).message).toContain('/records/0/durationMs must be number');
    const deep = write('deep-run.json', good.replace('"options":{', `"options":{"x":${'['.repeat(50_000)}${']'.repeat(50_000)},`));
    expect(errorOf(() => readRunFile(deep)).message).toMatch(/nested deeper than 64/);
    const huge = write('stderr-run.json', good.replace('"status":"ok"', `"status":"crash","error":{"code":"ABW_ECRASH","message":"x","stderr":"${'y'.repeat(70_000)}"}`));
    expect(errorOf(() => readRunFile(huge)).message).toContain('/records/0/error/stderr must NOT have more than 65536 characters');
  });

  it('hostile strings stay data', () => {
    const run = fixtureRun(1);
    const html = '<script>alert(1)</script>${process.exit(1)}`rm -rf /`';
    const withHtml = { ...run, records: [{ ...run.records[0]!, label: html }] };
    const back = validateRunFile(JSON.parse(JSON.stringify(withHtml)), 'x');
    expect(back.records[0]!.label).toBe(html);
  });

  it('files over ABW_MAX_RESULT_BYTES / --max-result-bytes are refused with a message saying how to raise the limit', async () => {
    const f = write('sized-run.json', good);
    process.env.ABW_MAX_RESULT_BYTES = '1000';
    const e = errorOf(() => readRunFile(f));
    expect(e.message).toBe(`${f}: the file is ${good.length} bytes, over the limit of 1000 bytes (ABW_MAX_RESULT_BYTES; raise it with ABW_MAX_RESULT_BYTES=SIZE or --max-result-bytes SIZE)`);
    expect(e.field).toBe('ABW_MAX_RESULT_BYTES');
    process.env.ABW_MAX_RESULT_BYTES = '1M';
    expect(readRunFile(f).records).toHaveLength(3);
    process.env.ABW_MAX_RESULT_BYTES = 'lots';
    expect(errorOf(() => readRunFile(f)).message).toBe('ABW_MAX_RESULT_BYTES must be a positive size in bytes, e.g. 268435456, 256M or 1G; got "lots"');
    delete process.env.ABW_MAX_RESULT_BYTES;
    expect(maxResultBytes()).toBe(256 * 2 ** 20);
    expect([parseByteSize('64M'), parseByteSize('1GiB'), parseByteSize('512k'), parseByteSize('10'), parseByteSize('-1'), parseByteSize('1e9')]).toEqual([
      64 * 2 ** 20,
      2 ** 30,
      512 * 1024,
      10,
      NaN,
      NaN,
    ]);
    // Journals too; and the global CLI flag, which is restored after the command.
    const j = write('x.journal.jsonl', `${'{"a":1}\n'.repeat(200)}`);
    process.env.ABW_MAX_RESULT_BYTES = '100';
    expect(errorOf(() => readJournal(j)).message).toMatch(/over the limit of 100 bytes \(ABW_MAX_RESULT_BYTES/);
    delete process.env.ABW_MAX_RESULT_BYTES;
    const r = await abw('run', '--resume', j, '--max-result-bytes', '100');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/over the limit of 100 bytes/);
    expect(process.env.ABW_MAX_RESULT_BYTES).toBeUndefined();
    const bad = await abw('run', '--resume', j, '--max-result-bytes', 'x');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--max-result-bytes must be a positive size such as 268435456, 256M or 1G, got "x"');
  });

  it('journal lines with prototype keys are refused; torn and garbage lines are dropped', () => {
    const rec = JSON.stringify(fixtureRun(1).records[0]);
    const j = write('hostile.journal.jsonl', `${rec}\n{"key":"x","__proto__":{"polluted":true}}\n`);
    expect(errorOf(() => readJournal(j)).message).toMatch(/forbidden key at \/__proto__/);
    const torn = write('torn.journal.jsonl', `${rec}\nnot json\n${rec}\n${rec.slice(0, 30)}`);
    const back = readJournal(torn);
    expect(back.records).toHaveLength(2);
    expect(back.skippedLines).toEqual([2]);
    expect(back.truncatedTail).toBe(true);
  });
});
