/**
 * One timed submission: a command buffer holding one compute pass with the op's dispatches
 * repeated N times. With `timestamp-query` the pass's begin/end timestamps give device time;
 * host time around `onSubmittedWorkDone` is taken either way (it is the only clock without the
 * feature, and includes submission and completion-callback latency).
 */
import type { GPUBufferLike, GPUDeviceLike } from './dawn';

declare const GPUBufferUsage: Record<string, number>;
declare const GPUMapMode: Record<string, number>;

export type TimerKindDetail = 'timestamp-query' | 'host-onSubmittedWorkDone';

export interface Timed {
  /** Nanoseconds of the whole pass (device when timestamps are used, else host). */
  readonly ns: number;
  readonly hostNs: number;
  readonly clock: TimerKindDetail;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type PassLike = any;

/** Dispatches per compute pass and passes per submission: bounded encoding work and query sets. */
const DISPATCHES_PER_PASS = 4096;
const PASSES_PER_SUBMIT = 16;

/**
 * Times `iterations` repeats of an op of `dispatches` dispatches per call. Usually one submission
 * holding one pass; very long samples are split into passes of ≤ 4096 dispatches (each with its
 * own timestamps) and submissions of ≤ 16 passes, and the spans are summed.
 */
export async function timeSubmission(
  device: GPUDeviceLike,
  timestamps: boolean,
  iterations: number,
  dispatches: number,
  flush: GPUBufferLike | undefined,
  encodeBody: (pass: PassLike, times: number) => void,
  guard: <T>(p: Promise<T>) => Promise<T>,
): Promise<Timed> {
  if (flush) {
    // Cold sample: evict the GPU caches with a large clear, finished before the clock starts.
    const e = device.createCommandEncoder();
    e.clearBuffer(flush);
    device.queue.submit([e.finish()]);
    await guard(device.queue.onSubmittedWorkDone());
  }
  const perPass = Math.max(1, Math.floor(DISPATCHES_PER_PASS / Math.max(1, dispatches)));
  let left = iterations;
  let ns = 0;
  let hostNs = 0;
  let deviceClock = timestamps;
  while (left > 0) {
    const chunks: number[] = [];
    while (left > 0 && chunks.length < PASSES_PER_SUBMIT) {
      const k = Math.min(perPass, left);
      chunks.push(k);
      left -= k;
    }
    const t = await submitChunks(device, timestamps, chunks, encodeBody, guard);
    hostNs += t.hostNs;
    ns += t.ns;
    if (t.clock !== 'timestamp-query') deviceClock = false;
  }
  // A sample is device time only if every span in it was.
  return deviceClock ? { ns, hostNs, clock: 'timestamp-query' } : { ns: hostNs, hostNs, clock: 'host-onSubmittedWorkDone' };
}

async function submitChunks(
  device: GPUDeviceLike,
  timestamps: boolean,
  chunks: readonly number[],
  encodeBody: (pass: PassLike, times: number) => void,
  guard: <T>(p: Promise<T>) => Promise<T>,
): Promise<Timed> {
  const enc = device.createCommandEncoder();
  const count = 2 * chunks.length;
  let query: { set: GPUBufferLike; resolve: GPUBufferLike; read: GPUBufferLike } | undefined;
  if (timestamps) {
    query = {
      set: device.createQuerySet({ type: 'timestamp', count }),
      resolve: device.createBuffer({ size: 8 * count, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }),
      read: device.createBuffer({ size: 8 * count, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }),
    };
  }
  chunks.forEach((k, c) => {
    const pass = enc.beginComputePass(
      query ? { timestampWrites: { querySet: query.set, beginningOfPassWriteIndex: 2 * c, endOfPassWriteIndex: 2 * c + 1 } } : {},
    );
    encodeBody(pass, k);
    pass.end();
  });
  if (query) {
    enc.resolveQuerySet(query.set, 0, count, query.resolve, 0);
    enc.copyBufferToBuffer(query.resolve, 0, query.read, 0, 8 * count);
  }
  const commands = enc.finish();
  const t0 = process.hrtime.bigint();
  device.queue.submit([commands]);
  await guard(device.queue.onSubmittedWorkDone());
  const hostNs = Number(process.hrtime.bigint() - t0);
  if (!query) return { ns: hostNs, hostNs, clock: 'host-onSubmittedWorkDone' };
  try {
    await guard(query.read.mapAsync(GPUMapMode.READ));
    const stamps = new BigUint64Array(query.read.getMappedRange().slice(0));
    query.read.unmap();
    let ns = 0;
    for (let c = 0; c < chunks.length; c++) ns += Number(stamps[2 * c + 1] - stamps[2 * c]);
    // A zero, negative or implausible span means the driver did not write the timestamps: use host time.
    if (!(ns > 0) || ns > hostNs * 2 + 1e6) return { ns: hostNs, hostNs, clock: 'host-onSubmittedWorkDone' };
    return { ns, hostNs, clock: 'timestamp-query' };
  } finally {
    query.set.destroy();
    query.resolve.destroy();
    query.read.destroy();
  }
}
