/**
 * Chunked inference with the chunk cutting and the weighted overlap-add done by catalogue ops on
 * the device: the same plan, windows and sums as the host reference in chunking.ts, so a run's
 * audio crosses the bus once each way. The overlap-add keeps a rolling accumulator one chunk
 * long: each chunk's weighted output is added in, the first `step` samples (now complete) are
 * emitted, and the rest moves down by `step`; the work is linear in the audio's length.
 */
import type { DeviceTensor } from '../backend/types';
import { AbwError } from '../errors';
import { chunkWindow, summedWeights, type ChunkPlan } from './chunking';
import type { PipelineExec } from './exec';

export interface DeviceChunking {
  readonly chunk: number;
  readonly overlaps: number;
  readonly batch: number;
  /** Channels of the model's output per chunk (instruments × audio channels for a separator). */
  readonly outChannels: number;
}

/**
 * What a plan needs on the device besides the audio: the chunk windows (first, inner, last and
 * a single chunk's) and 1 / the summed weights over the unpadded signal. Depends only on the
 * length, so a prepared pipeline keeps one per length; `free` when done.
 */
export class ChunkWeights {
  private readonly windows = new Map<string, DeviceTensor>();
  readonly inverseCounter: DeviceTensor;

  constructor(
    private readonly ex: PipelineExec,
    readonly plan: ChunkPlan,
    readonly length: number,
  ) {
    const counter = summedWeights(plan);
    const off = plan.padded ? plan.border : 0;
    // 0 where no window reaches (the host reference turns its 0/0 into 0 too).
    const inv = Float64Array.from({ length }, (_, i) => (counter[off + i]! > 0 ? 1 / counter[off + i]! : 0));
    this.inverseCounter = ex.upload(inv, [1, length]);
  }

  /** Chunk k's window as a [1, chunk] row (one upload per distinct window). */
  window(k: number): DeviceTensor {
    const first = k === 0;
    const last = this.plan.starts[k]! + this.plan.chunk >= this.plan.paddedLength;
    const key = `${first ? 'f' : ''}${last ? 'l' : ''}`;
    let t = this.windows.get(key);
    if (!t) {
      t = this.ex.upload(chunkWindow(this.plan, k), [1, this.plan.chunk]);
      this.windows.set(key, t);
    }
    return t;
  }

  free(): void {
    this.ex.free(this.inverseCounter, ...this.windows.values());
    this.windows.clear();
  }
}

/** Chunk k of the (padded) signal [channels, paddedLength] as [1, channels, chunk], cut as cutChunk does. */
async function cutDeviceChunk(ex: PipelineExec, padded: DeviceTensor, plan: ChunkPlan, k: number): Promise<DeviceTensor> {
  const channels = padded.shape[0]!;
  const start = plan.starts[k]!;
  const avail = Math.min(plan.chunk, plan.paddedLength - start);
  let piece = await ex.op('slice', [padded], { dim: 1, start, end: start + avail });
  if (avail < plan.chunk) {
    // A short last chunk: reflect-padded when it holds more than half a chunk, else zeros.
    const reflectTail = avail > Math.floor(plan.chunk / 2) + 1;
    const full = await ex.op('pad', [piece], { pad: [0, plan.chunk - avail], mode: reflectTail ? 'reflect' : 'constant' });
    ex.free(piece);
    piece = full;
  }
  const row = await ex.op('reshape', [piece], { shape: [1, channels, plan.chunk] });
  ex.free(piece);
  return row;
}

/**
 * Runs `model` over the chunks of `signal` ([channels, length] on the device; kept), `batch`
 * chunks per call ([b, channels, chunk] in, b · outChannels · chunk values out, any shape), and
 * returns the overlap-added result [outChannels, length].
 */
export async function deviceOverlapAdd(
  ex: PipelineExec,
  signal: DeviceTensor,
  weights: ChunkWeights,
  opts: DeviceChunking,
  model: (chunks: DeviceTensor) => Promise<DeviceTensor>,
): Promise<DeviceTensor> {
  const { plan, length } = weights;
  if (signal.shape.length !== 2 || signal.shape[1] !== length) {
    throw new AbwError('ABW_EINTERNAL', `deviceOverlapAdd: signal [${signal.shape.join(', ')}], weights planned for [channels, ${length}]`);
  }
  const { chunk, step } = plan;
  const oc = opts.outChannels;
  const padded = plan.padded ? await ex.op('pad', [signal], { pad: [plan.border, plan.border], mode: 'reflect' }) : signal;
  const segments: DeviceTensor[] = [];
  let acc: DeviceTensor | undefined;
  try {
    for (let k0 = 0; k0 < plan.starts.length; k0 += opts.batch) {
      const b = Math.min(opts.batch, plan.starts.length - k0);
      const rows: DeviceTensor[] = [];
      for (let j = 0; j < b; j++) rows.push(await cutDeviceChunk(ex, padded, plan, k0 + j));
      const x = b === 1 ? rows[0]! : await ex.op('concat', rows, { dim: 0 });
      if (b > 1) ex.free(...rows);
      const raw = await model(x);
      ex.free(x);
      const y = await ex.op('reshape', [raw], { shape: [b, oc, chunk] });
      ex.free(raw);
      for (let j = 0; j < b; j++) {
        const k = k0 + j;
        const yj = await ex.op('slice', [y], { dim: 0, start: j, end: j + 1 });
        const flat = await ex.op('reshape', [yj], { shape: [oc, chunk] });
        ex.free(yj);
        const weighted = await ex.op('mul', [flat, weights.window(k)]);
        ex.free(flat);
        const sum: DeviceTensor = acc ? await ex.op('add', [acc, weighted]) : weighted;
        if (acc) ex.free(acc, weighted);
        acc = undefined;
        // acc now covers [start, start + chunk): emit what no later chunk reaches.
        const start = plan.starts[k]!;
        const isLast = k === plan.starts.length - 1;
        const done = isLast ? plan.paddedLength - start : step;
        segments.push(await ex.op('slice', [sum], { dim: 1, start: 0, end: done }));
        if (!isLast) {
          const rest = await ex.op('slice', [sum], { dim: 1, start: step, end: chunk });
          acc = await ex.op('pad', [rest], { pad: [0, step] });
          ex.free(rest);
        }
        ex.free(sum);
      }
      ex.free(y);
    }
    const whole = segments.length === 1 ? segments[0]! : await ex.op('concat', segments, { dim: 1 });
    if (segments.length > 1) ex.free(...segments);
    segments.length = 0;
    const cropped = plan.padded ? await ex.op('slice', [whole], { dim: 1, start: plan.border, end: plan.border + length }) : whole;
    if (cropped !== whole) ex.free(whole);
    const out = await ex.op('mul', [cropped, weights.inverseCounter]);
    ex.free(cropped);
    return out;
  } finally {
    ex.free(acc, ...segments);
    if (padded !== signal) ex.free(padded);
  }
}
