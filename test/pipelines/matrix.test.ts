// Pipelines as matrix cases: parsing (errors name the JSON path), expansion (keys, input
// shapes), and a small run end to end: every record valid against the run schema, with RTF,
// latency, memory, precision vs FP64 and FP32, codec code matches, BitNet bit-exactness,
// effective streams, and unsupported backends with the missing op named; the RTF and
// stream-scaling plots draw from the records.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { disposeBackends, getBackend } from '../../kernel-bridge/src/backend/registry';
import { expandMatrix } from '../../kernel-bridge/src/matrix/expand';
import { defaultCaseTimeoutMs, MIN_CASE_TIMEOUT_MS } from '../../kernel-bridge/src/matrix/isolated-executor';
import { loadMatrix } from '../../kernel-bridge/src/matrix/load-matrix';
import { runMatrix } from '../../kernel-bridge/src/matrix/runner';
import { minSnrDb } from '../../kernel-bridge/src/matrix/pipeline-executor';
import { parseMatrixSpec } from '../../kernel-bridge/src/matrix/spec';
import { getPipeline } from '../../kernel-bridge/src/pipelines';
import { rtfBars } from '../../kernel-bridge/src/plots/rtf-bars';
import { streamScaling } from '../../kernel-bridge/src/plots/stream-scaling';
import { readRunFile } from '../../kernel-bridge/src/results/read-run';

afterAll(() => disposeBackends());

const FAST = { target: 0.5, budgetMs: 30, warmupMs: 0, minSamples: 2, maxSamples: 3 };

function spec(cases: unknown[]) {
  return { name: 'pipes', description: 't', version: 1, defaults: { dtypes: ['f32', 'bf16'], measure: FAST }, cases };
}

function parseError(cases: unknown[]): string {
  try {
    parseMatrixSpec(spec(cases), 'p.json');
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('pipeline cases in a matrix', () => {
  it('parse errors name the JSON path and what is allowed', () => {
    expect(parseError([{ label: 'a', kind: 'pipeline', pipeline: 'demucs' }])).toMatch(/^cases\[0\]\.pipeline must name a pipeline \(mdx23c, fftconv, encodec, bitnet\), got "demucs"/);
    expect(parseError([{ label: 'a', kind: 'pipeline', pipeline: 'fftconv', params: { streams: 3 } }])).toMatch(/^cases\[0\]\.params\.streams \(case "a"\): \[fftconv\] params\.streams: must be 1, 2, 4, 8 or 16, got 3/);
    expect(parseError([{ label: 'a', kind: 'pipeline', pipeline: 'bitnet', params: { width: 3 } }])).toMatch(/^cases\[0\]\.params.*unknown parameter 'width'/);
    expect(parseError([{ label: 'a', kind: 'pipeline', pipeline: 'bitnet', dtypes: ['int8'] }])).toMatch(/cases\[0\]\.dtypes\[0\] int8 is not a pipeline dtype; pipelines run in f32, tf32, f16, bf16/);
    expect(parseError([{ label: 'a', kind: 'pipeline', pipeline: 'bitnet', shapes: [[1]] }])).toMatch(/cases\[0\]\.shapes is not a known key; allowed: label, kind, pipeline/);
    expect(parseError([{ label: 'a', kind: 'graph', op: 'relu', shapes: [[1]] }])).toMatch(/cases\[0\]\.kind must be "op" or "pipeline", got "graph"/);
  });

  it('expands to keyed cases with the input shape and resolved params; op cases are unchanged', () => {
    const m = parseMatrixSpec(spec([{ label: 'b', kind: 'pipeline', pipeline: 'bitnet', params: { tokens: 4 } }, { label: 'r', op: 'relu', shapes: [[2, 2]] }]), 'p.json');
    const cases = expandMatrix(m, { backends: ['cpu'] });
    expect(cases.map((c) => `${c.kind}:${c.op}:${c.dtype}`)).toEqual(['pipeline:bitnet:f32', 'pipeline:bitnet:bf16', 'op:relu:f32', 'op:relu:bf16']);
    expect(cases[0]!.key).toBe('cpu|pipeline|bitnet|f32|[[4,32]]|{"config":"tiny","frame_rate":75,"layers":null,"tokens":4}');
    expect(cases[0]!.inputKey).toBe(cases[1]!.inputKey);
    expect(defaultCaseTimeoutMs(cases[0]!)).toBeGreaterThan(MIN_CASE_TIMEOUT_MS);
  });

  it('precision floors: lower where a rounding quantiser sits in the float path', () => {
    expect(minSnrDb(getPipeline('mdx23c'), 'f32')).toBe(60);
    expect(minSnrDb(getPipeline('fftconv'), 'bf16')).toBe(10);
    expect(minSnrDb(getPipeline('bitnet'), 'f32')).toBe(20);
    expect(minSnrDb(getPipeline('encodec'), 'f16')).toBe(15);
  });

  it('the shared pipelines matrix parses', () => {
    const m = loadMatrix('pipelines');
    expect(m.cases.every((c) => c.kind === 'pipeline')).toBe(true);
    expect(expandMatrix(m, { backends: ['cpu'] }).filter((c) => c.op === 'fftconv').map((c) => c.params.streams)).toEqual([1, 2, 4, 8, 16]);
  });

  it('runs end to end: records fit the schema and carry RTF, precision and the pipeline checks', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'abw-pipes-'));
    const matrix = parseMatrixSpec(
      spec([
        { label: 'bitnet tiny', kind: 'pipeline', pipeline: 'bitnet', params: { tokens: 8 } },
        { label: 'encodec tiny', kind: 'pipeline', pipeline: 'encodec', params: { seconds: 0.05, bandwidth: 3 } },
        { label: 'mdx23c tiny', kind: 'pipeline', pipeline: 'mdx23c', params: { seconds: 0.03, batch_size: 8 }, dtypes: ['f32'] },
        ...[1, 2, 4].map((s) => ({ label: `fftconv x${s}`, kind: 'pipeline', pipeline: 'fftconv', params: { channels: 4, length: 2000, kernel: 101, streams: s }, dtypes: ['f32'] })),
      ]),
      'pipes.json',
    );
    const { path: file } = await runMatrix({ matrix, backends: ['cpu', 'ort:cpu'], outDir: out, seed: 3, backend: getBackend });
    const run = readRunFile(file); // validates against results/schema/run.v1.schema.json
    const rec = (label: string, backend: string, dtype = 'f32') => run.records.find((r) => r.label === label && r.backend === backend && r.dtype === dtype)!;

    for (const r of run.records.filter((x) => x.backend === 'cpu')) {
      expect(r.status, `${r.label} ${r.dtype}: ${r.error?.message}`).toBe('ok');
      expect(r.kind).toBe('pipeline');
      expect(r.rtf).toBeGreaterThan(0);
      expect(r.audioSeconds).toBeGreaterThan(0);
      expect(r.rtf).toBeCloseTo(r.timing!.stats.median / 1e9 / r.audioSeconds!, 9);
      expect(r.pipeline!.xRealTime).toBeCloseTo(1 / r.rtf!, 9);
      expect(r.pipeline!.latencyMs.median).toBeCloseTo(r.timing!.stats.median / 1e6, 9);
      expect(r.memory!.nativePeakBytes).toBeGreaterThan(0);
      expect(r.pipeline!.deviceOps).toBeGreaterThan(0);
      expect(r.precision!.verdict, r.precision!.reason).toBe('pass');
      if (r.dtype === 'f32') expect(r.pipeline!.snrVsFp64Db).toBeGreaterThan(100);
      else {
        expect(r.pipeline!.snrVsFp32Db).toBeDefined();
        expect(r.precision!.fp32VsFp64).toHaveLength(1);
        expect(r.pipeline!.snrVsFp64Db).toBeLessThan(80);
      }
    }
    expect(rec('encodec tiny', 'cpu').pipeline!.codeMatch).toEqual([1, 1, 1, 1]);
    // The quantiser runs on the device (argmax, index_select): no host stage left.
    expect(rec('encodec tiny', 'cpu').pipeline!.hostStages).toEqual([]);
    expect(rec('bitnet tiny', 'cpu').pipeline!.bitExact).toEqual({ taps: 4, mismatches: 0, exact: true });
    expect(rec('bitnet tiny', 'cpu', 'bf16').pipeline!.bitExact!.exact).toBe(true);
    expect(rec('fftconv x4', 'cpu').pipeline).toMatchObject({ streams: 4, streamsEffective: 1, roundTrips: 1 });
    expect(rec('mdx23c tiny', 'cpu').pipeline!.roundTrips).toBeGreaterThan(0);
    // ort:cpu: no bf16 and no inverse FFTs; each says so.
    expect(rec('fftconv x1', 'ort:cpu')).toMatchObject({ status: 'unsupported', reason: expect.stringContaining('fftconv needs irfft') });
    expect(rec('mdx23c tiny', 'ort:cpu').reason).toMatch(/mdx23c needs istft/);
    expect(rec('bitnet tiny', 'ort:cpu', 'bf16').status).toBe('unsupported');
    expect(rec('bitnet tiny', 'ort:cpu').status).toBe('ok');
    // ort:cpu runs the codec's encoder and decoder as one ONNX graph each, and the record says so.
    expect(rec('encodec tiny', 'ort:cpu').status).toBe('ok');
    expect(rec('encodec tiny', 'ort:cpu').pipeline!.segments).toEqual([
      { name: 'encoder', mode: 'one-call', ops: expect.any(Number) },
      { name: 'decoder', mode: 'one-call', ops: expect.any(Number) },
    ]);
    expect(rec('encodec tiny', 'cpu').pipeline!.segments).toBeUndefined();

    const bars = rtfBars(run.records);
    expect(bars.data.length).toBeGreaterThanOrEqual(2);
    expect((bars.data[0] as { x: string[] }).x).toContain('bitnet tiny');
    const streams = streamScaling(run.records);
    expect(streams.data.some((t) => (t as { x?: number[] }).x?.join(',') === '1,2,4')).toBe(true);
  });

  it('runs in the isolated worker process too (the default for abw run)', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'abw-pipes-iso-'));
    const matrix = parseMatrixSpec(spec([{ label: 'bitnet tiny', kind: 'pipeline', pipeline: 'bitnet', params: { tokens: 4 }, dtypes: ['f32'] }]), 'iso.json');
    const { run } = await runMatrix({ matrix, backends: ['cpu'], outDir: out, isolate: true });
    expect(run.records).toHaveLength(1);
    expect(run.records[0]).toMatchObject({ kind: 'pipeline', status: 'ok', pipeline: { bitExact: { exact: true } } });
  });
});
