/**
 * Pipeline stages as one compiled call (PipelineExec.segment): on ort:cpu the encodec encoder and
 * decoder run as one ONNX graph each, on webgpu as one submission each, and give the same output
 * as op by op; stages that need the host, or an op the backend cannot put in a graph, run op by
 * op and say why; backends without segments just run the body.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getBackend } from '../../kernel-bridge/src/backend/registry';
import type { ComputeBackend } from '../../kernel-bridge/src/backend/types';
import { ortLoadProblem } from '../../kernel-bridge/src/backends/ort/ort-backend';
import { webgpuProblem } from '../../kernel-bridge/src/backends/webgpu/dawn';
import { WebGpuBackend } from '../../kernel-bridge/src/backends/webgpu/webgpu-backend';
import { PipelineExec } from '../../kernel-bridge/src/pipelines/exec';
import { runPipeline } from '../../kernel-bridge/src/pipelines/run';

const problem = ortLoadProblem();
const ENCODEC = { seconds: 0.05, bandwidth: 3 };
const BITNET = { config: 'tiny', tokens: 12 };

/** The same backend, minus its segment compiler: every stage runs op by op. */
function opByOp(b: ComputeBackend): ComputeBackend {
  const plain = Object.create(b) as ComputeBackend & { prepareSegment?: unknown };
  plain.prepareSegment = undefined;
  return plain;
}

describe.skipIf(problem !== undefined)('pipeline segments on ort:cpu', () => {
  it('runs the encodec encoder and decoder as one graph each, with the op-by-op output and op count', async () => {
    const ort = getBackend('ort:cpu');
    const graph = await runPipeline(ort, 'f32', 'encodec', { params: ENCODEC });
    const plain = await runPipeline(opByOp(ort), 'f32', 'encodec', { params: ENCODEC });
    expect([...graph.tally.segments.keys()]).toEqual(['encoder', 'decoder']);
    for (const o of graph.tally.segments.values()) {
      expect(o.mode).toBe('one-call');
      expect(o.mode === 'one-call' && o.ops).toBeGreaterThan(10);
    }
    expect(plain.tally.segments.size).toBe(0);
    const total = (t: typeof graph.tally) => [...t.deviceOps.values()].reduce((a, b) => a + b, 0);
    expect(total(graph.tally)).toBe(total(plain.tally));
    // The same ONNX kernels in one session: the same numbers.
    expect(Array.from(graph.output.output)).toEqual(Array.from(plain.output.output));
    expect(graph.output.codes!.map((c) => Array.from(c))).toEqual(plain.output.codes!.map((c) => Array.from(c)));
  });

  it('runs each bitnet layer as one graph (int8 quantiser, integer matmul, rescale), as op by op; a tapped run goes op by op', async () => {
    const ort = getBackend('ort:cpu');
    const graph = await runPipeline(ort, 'f32', 'bitnet', { params: BITNET, seed: 7 });
    const plain = await runPipeline(opByOp(ort), 'f32', 'bitnet', { params: BITNET, seed: 7 });
    expect([...graph.tally.segments]).toEqual([
      ['layers.0', { mode: 'one-call', ops: 10 }],
      ['layers.1', { mode: 'one-call', ops: 10 }],
    ]);
    expect([...graph.tally.hostStages]).toEqual([]);
    expect(Array.from(graph.output.output)).toEqual(Array.from(plain.output.output));
    const tapped = await runPipeline(ort, 'f32', 'bitnet', { params: BITNET, seed: 7, run: { taps: true } });
    expect(tapped.tally.segments.size).toBe(0);
    expect(tapped.output.integerTaps).toHaveLength(4);
    expect(Array.from(tapped.output.output)).toEqual(Array.from(plain.output.output));
  });

  it('writes each graph it builds to ABW_ORT_DUMP_DIR', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abw-onnx-'));
    process.env.ABW_ORT_DUMP_DIR = dir;
    try {
      // A fresh backend: graphs cached by another test are not built (nor written) again.
      const { OrtBackend } = await import('../../kernel-bridge/src/backends/ort/ort-backend');
      const ort = new OrtBackend('cpu');
      await runPipeline(ort, 'f32', 'encodec', { params: ENCODEC });
      ort.dispose();
    } finally {
      delete process.env.ABW_ORT_DUMP_DIR;
    }
    const files = fs.readdirSync(dir);
    expect(files.filter((f) => /^encoder-[0-9a-f]{8}\.onnx$/.test(f))).toHaveLength(1);
    expect(files.filter((f) => /^decoder-[0-9a-f]{8}\.onnx$/.test(f))).toHaveLength(1);
    expect(fs.statSync(path.join(dir, files.find((f) => f.startsWith('encoder'))!)).size).toBeGreaterThan(1000);
  });

  it('runs a stage that reads values on the host op by op, and says so', async () => {
    const ex = new PipelineExec(getBackend('ort:cpu'), 'f32');
    try {
      const x = ex.upload(Float64Array.from([1, -2, 3, -4]), [4]);
      const y = await ex.segment('peek', async () => {
        const r = await ex.op('relu', [x]);
        await ex.floats(r); // a host round trip inside the stage
        return ex.op('add', [r, x]);
      });
      expect(Array.from(await ex.floats(y))).toEqual([2, -2, 6, -4]);
      expect(ex.tally.segments.get('peek')).toEqual({ mode: 'op-by-op', reason: 'the stage reads a tensor on the host' });
    } finally {
      ex.freeAll();
    }
  });

  it('falls back when a step has no ONNX graph, and the op-by-op run then names the op', async () => {
    const ex = new PipelineExec(getBackend('ort:cpu'), 'f32');
    try {
      const x = ex.upload(Float64Array.from({ length: 16 }, (_, i) => Math.sin(i)), [16]);
      await expect(
        ex.segment('inverse', async () => {
          const s = await ex.op('rfft', [x], { dim: -1 });
          return ex.op('irfft', [s], { n: 16, dim: -1 });
        }),
      ).rejects.toThrow(/irfft/);
      expect(ex.tally.segments.get('inverse')).toMatchObject({ mode: 'op-by-op', reason: expect.stringMatching(/irfft/) });
    } finally {
      ex.freeAll();
    }
  });

  it('records stages that run side by side each on their own (their ops do not mix)', async () => {
    const ex = new PipelineExec(getBackend('ort:cpu'), 'f32');
    try {
      const x = ex.upload(Float64Array.from([1, 2, 3]), [3]);
      const [a, b] = await Promise.all([
        ex.segment('square', async () => ex.op('mul', [x, x])),
        ex.segment('double', async () => {
          const t = await ex.op('add', [x, x]);
          return ex.op('add', [t, x]);
        }),
      ]);
      expect(ex.tally.segments.get('square')).toEqual({ mode: 'one-call', ops: 1 });
      expect(ex.tally.segments.get('double')).toEqual({ mode: 'one-call', ops: 2 });
      expect(Array.from(await ex.floats(a))).toEqual([1, 4, 9]);
      expect(Array.from(await ex.floats(b))).toEqual([3, 6, 9]);
    } finally {
      ex.freeAll();
    }
  });

  it('frees what a stage frees only after the graph has read it, and leaks nothing', async () => {
    const ort = getBackend('ort:cpu');
    const before = ort.memory().currentBytes;
    const ex = new PipelineExec(ort, 'f32');
    const x = ex.upload(Float64Array.from([1, 2, 3]), [3]);
    const y = await ex.segment('chain', async () => {
      const a = await ex.op('mul', [x, x]);
      ex.free(x); // x is still the graph's input: freed after the run
      const b = await ex.op('add', [a, a]);
      ex.free(a); // a stand-in: nothing to free
      return b;
    });
    expect(ex.tally.segments.get('chain')).toEqual({ mode: 'one-call', ops: 2 });
    expect(Array.from(await ex.floats(y))).toEqual([2, 8, 18]);
    expect(ex.liveCount).toBe(1); // y; x went after the run
    ex.freeAll();
    expect(ort.memory().currentBytes).toBe(before);
  });
});

const gpuProblem = webgpuProblem();

describe.skipIf(gpuProblem !== undefined)('pipeline segments on webgpu', () => {
  it('runs the encodec encoder and decoder as one submission each, bit-identical to op by op, and frees the intermediates', async () => {
    const gpu = new WebGpuBackend();
    try {
      const graph = await runPipeline(gpu, 'f32', 'encodec', { params: ENCODEC });
      const plain = await runPipeline(opByOp(gpu), 'f32', 'encodec', { params: ENCODEC });
      expect([...graph.tally.segments]).toEqual([
        ['encoder', { mode: 'one-call', ops: expect.any(Number) }],
        ['decoder', { mode: 'one-call', ops: expect.any(Number) }],
      ]);
      expect(Array.from(graph.output.output)).toEqual(Array.from(plain.output.output));
      expect(gpu.memory().currentBytes).toBe(0);
      // fftconv's bands, one submission each.
      const bands = await runPipeline(gpu, 'f32', 'fftconv', { params: { channels: 4, length: 2000, kernel: 101, streams: 2 } });
      const bandsPlain = await runPipeline(opByOp(gpu), 'f32', 'fftconv', { params: { channels: 4, length: 2000, kernel: 101, streams: 2 } });
      expect([...bands.tally.segments.keys()]).toEqual(['band 0', 'band 1']);
      expect([...bands.tally.segments.values()].every((o) => o.mode === 'one-call')).toBe(true);
      expect(Array.from(bands.output.output)).toEqual(Array.from(bandsPlain.output.output));
      // bitnet's layers (int8 packing, i32 matmul, rescale), one submission each.
      const bit = await runPipeline(gpu, 'f32', 'bitnet', { params: BITNET, seed: 7 });
      const bitPlain = await runPipeline(opByOp(gpu), 'f32', 'bitnet', { params: BITNET, seed: 7 });
      expect([...bit.tally.segments.keys()]).toEqual(['layers.0', 'layers.1']);
      expect([...bit.tally.segments.values()].every((o) => o.mode === 'one-call')).toBe(true);
      expect(Array.from(bit.output.output)).toEqual(Array.from(bitPlain.output.output));
      expect(gpu.memory().currentBytes).toBe(0);
    } finally {
      gpu.dispose();
    }
  }, 300_000);
});

describe('pipeline segments on a backend without a segment compiler', () => {
  it('runs the body as it is and records nothing', async () => {
    const r = await runPipeline(getBackend('cpu'), 'f32', 'encodec', { params: ENCODEC });
    expect(r.tally.segments.size).toBe(0);
    expect(r.output.output.length).toBeGreaterThan(0);
  });
});

describe.skipIf(problem === undefined)('pipeline segments (onnxruntime-node missing)', () => {
  it.skip(`SKIPPED: ${problem}`, () => undefined);
});

describe.skipIf(gpuProblem === undefined)('pipeline segments on webgpu (no adapter)', () => {
  it.skip(`SKIPPED: ${gpuProblem}`, () => undefined);
});
