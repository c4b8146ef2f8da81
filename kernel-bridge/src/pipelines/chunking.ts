/**
 * Chunked inference over long audio with weighted overlap-add, as MDX23C's reference inference
 * does: reflect-pad both ends by `border = chunk − step` (when the audio is long enough), cut
 * chunks every `step = chunk / overlaps` samples (a short last chunk is reflect- or
 * zero-padded), weight each chunk's output with a window that fades in and out linearly over
 * `chunk / 10` samples (no fade at the outer edges of the first and last chunks), sum, and
 * divide by the summed weights. Done on the host: it is bookkeeping around one upload and one
 * download per batch, and no catalogue op does a strided overlap-add with weights.
 */
import { AbwError } from '../errors';

export interface ChunkPlan {
  readonly chunk: number;
  readonly step: number;
  readonly border: number;
  readonly fade: number;
  /** Whether both ends were reflect-padded by `border`. */
  readonly padded: boolean;
  /** Length of the (padded) signal the chunks are cut from. */
  readonly paddedLength: number;
  /** Chunk start positions in the padded signal. */
  readonly starts: readonly number[];
}

export function planChunks(length: number, chunk: number, overlaps: number): ChunkPlan {
  if (!Number.isInteger(chunk) || chunk < 2) throw new AbwError('ABW_EINVAL', `chunk: must be an integer ≥ 2, got ${chunk}`, 'chunk');
  if (!Number.isInteger(overlaps) || overlaps < 1 || overlaps > chunk) {
    throw new AbwError('ABW_EINVAL', `overlaps: must be an integer in [1, chunk], got ${overlaps}`, 'overlaps');
  }
  if (!Number.isInteger(length) || length < 1) throw new AbwError('ABW_EINVAL', `length: must be a positive integer, got ${length}`, 'length');
  const step = Math.floor(chunk / overlaps);
  const border = chunk - step;
  const fade = Math.floor(chunk / 10);
  const padded = length > 2 * border && border > 0;
  const paddedLength = padded ? length + 2 * border : length;
  const starts: number[] = [];
  for (let i = 0; i < paddedLength; i += step) starts.push(i);
  return { chunk, step, border, fade, padded, paddedLength, starts };
}

/** The weight of chunk `k` of a plan: linear fades, none at the signal's outer edges. */
export function chunkWindow(plan: ChunkPlan, k: number): Float64Array {
  const w = new Float64Array(plan.chunk).fill(1);
  const f = plan.fade;
  const first = k === 0;
  const last = plan.starts[k]! + plan.chunk >= plan.paddedLength;
  // torch.linspace(0, 1, f) and (1, 0, f): both ends included.
  for (let i = 0; i < f; i++) {
    const up = f === 1 ? 1 : i / (f - 1);
    if (!first) w[i] *= up;
    if (!last) w[plan.chunk - f + i] *= 1 - up;
  }
  return w;
}

/** The summed chunk weights at every position of the padded signal (what overlap-add divides by). */
export function summedWeights(plan: ChunkPlan): Float64Array {
  const counter = new Float64Array(plan.paddedLength);
  for (let k = 0; k < plan.starts.length; k++) {
    const start = plan.starts[k]!;
    const l = Math.min(plan.chunk, plan.paddedLength - start);
    const w = chunkWindow(plan, k);
    for (let i = 0; i < l; i++) counter[start + i] += w[i]!;
  }
  return counter;
}

/** Reflect index into [0, n) as torch's reflect padding (no edge repeat). */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - j;
  return j;
}

/** Chunk `k` of a channel-major signal [channels, length], padded as the plan says. */
export function cutChunk(data: Float64Array, channels: number, length: number, plan: ChunkPlan, k: number, out: Float64Array, outOffset = 0): void {
  const start = plan.starts[k]!;
  const off = plan.padded ? plan.border : 0;
  const avail = Math.min(plan.chunk, plan.paddedLength - start);
  // A short last chunk: reflect-padded when it holds more than half a chunk, else zeros (as the reference).
  const reflectTail = avail > Math.floor(plan.chunk / 2) + 1;
  for (let c = 0; c < channels; c++) {
    const src = c * length;
    const dst = outOffset + c * plan.chunk;
    for (let i = 0; i < plan.chunk; i++) {
      let p = i;
      if (i >= avail) {
        if (!reflectTail) {
          out[dst + i] = 0;
          continue;
        }
        p = reflect(i, avail);
      }
      // Position in the padded signal → position in the original (reflect-padded ends).
      out[dst + i] = data[src + reflect(start + p - off, length)]!;
    }
  }
}

/**
 * Runs `model` over the chunks of `data` ([channels, length]), `batch` chunks per call, and
 * overlap-adds its outputs ([batch, outChannels, chunk] each) into [outChannels, length].
 */
export async function overlapAdd(
  data: Float64Array,
  channels: number,
  length: number,
  opts: { chunk: number; overlaps: number; batch: number; outChannels: number },
  model: (chunks: Float64Array, batch: number) => Promise<Float64Array>,
): Promise<Float64Array> {
  const plan = planChunks(length, opts.chunk, opts.overlaps);
  const { chunk } = plan;
  const oc = opts.outChannels;
  const result = new Float64Array(oc * plan.paddedLength);
  const counter = summedWeights(plan);
  for (let k0 = 0; k0 < plan.starts.length; k0 += opts.batch) {
    const b = Math.min(opts.batch, plan.starts.length - k0);
    const input = new Float64Array(b * channels * chunk);
    for (let j = 0; j < b; j++) cutChunk(data, channels, length, plan, k0 + j, input, j * channels * chunk);
    const out = await model(input, b);
    if (out.length !== b * oc * chunk) throw new AbwError('ABW_EINTERNAL', `overlapAdd: the model returned ${out.length} values, expected ${b * oc * chunk}`);
    for (let j = 0; j < b; j++) {
      const k = k0 + j;
      const start = plan.starts[k]!;
      const l = Math.min(chunk, plan.paddedLength - start);
      const w = chunkWindow(plan, k);
      for (let c = 0; c < oc; c++) {
        const src = (j * oc + c) * chunk;
        const dst = c * plan.paddedLength + start;
        for (let i = 0; i < l; i++) result[dst + i] += out[src + i]! * w[i]!;
      }
    }
  }
  const off = plan.padded ? plan.border : 0;
  const final = new Float64Array(oc * length);
  for (let c = 0; c < oc; c++) {
    for (let i = 0; i < length; i++) {
      const n = counter[off + i]!;
      const v = result[c * plan.paddedLength + off + i]! / n;
      final[c * length + i] = Number.isFinite(v) ? v : 0;
    }
  }
  return final;
}
