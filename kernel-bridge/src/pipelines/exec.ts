/**
 * A pipeline's view of a backend: ops by catalogue name on device tensors, host values in and
 * out, and a tally of what ran where. Every pipeline is written against this (and so against
 * ComputeBackend) once; nothing here knows a particular backend.
 */
import type { ComputeBackend, ComputeDType, DeviceTensor } from '../backend/types';
import { AbwError } from '../errors';
import type { Params } from '../ops/types';
import { kindStorage } from '../ops/tensor-kind';
import { roundToDType, tensorValues } from '../precision/dtype-values';
import { numel, shapeStr, type HostTensor, type Shape } from '../tensor';

/** Where each stage ran and how often the pipeline crossed between device and host. */
export interface ExecTally {
  /** Catalogue ops issued on the backend, by name. */
  readonly deviceOps: Map<string, number>;
  /** Steps done on the host between backend calls (no catalogue op for them). */
  readonly hostStages: Set<string>;
  /** Downloads whose values the host then used (device → host round trips). */
  roundTrips: number;
}

export class PipelineExec {
  readonly tally: ExecTally = { deviceOps: new Map(), hostStages: new Set(), roundTrips: 0 };
  private readonly live = new Set<DeviceTensor>();

  constructor(
    readonly backend: ComputeBackend,
    /** Compute dtype of the float path: f64 on the oracle, f32/f16/bf16 elsewhere. */
    readonly dtype: ComputeDType,
  ) {}

  /** Float values as a tensor in this run's float storage (rounded once, ties to even). */
  upload(values: Float64Array, shape: Shape): DeviceTensor {
    if (values.length !== numel(shape)) {
      throw new AbwError('ABW_EINTERNAL', `pipeline upload: ${values.length} values for shape ${shapeStr(shape)}`);
    }
    const st = kindStorage('float', this.dtype);
    const t: HostTensor = { dtype: st, shape, data: st === 'f64' ? values : roundToDType(values, st) };
    return this.track(this.backend.upload(t));
  }

  uploadInt8(values: Int8Array, shape: Shape): DeviceTensor {
    return this.track(this.backend.upload({ dtype: 'int8', shape, data: values }));
  }

  /** One op with one output; `opDtype` overrides the float dtype (int8 for ternary_matmul). */
  async op(name: string, inputs: readonly (DeviceTensor | null)[], params: Params = {}, opDtype?: ComputeDType): Promise<DeviceTensor> {
    const outs = await this.ops(name, inputs, params, opDtype);
    for (const t of outs.slice(1)) this.free(t);
    return outs[0]!;
  }

  async ops(name: string, inputs: readonly (DeviceTensor | null)[], params: Params = {}, opDtype?: ComputeDType): Promise<DeviceTensor[]> {
    const outs = await this.backend.run(name, inputs, params, opDtype ?? this.dtype);
    this.tally.deviceOps.set(name, (this.tally.deviceOps.get(name) ?? 0) + 1);
    return outs.map((t) => this.track(t));
  }

  /** Values of a tensor on the host (exact widening to f64; integers keep their type). */
  async values(t: DeviceTensor): Promise<Float64Array | Int8Array | Int32Array> {
    this.tally.roundTrips++;
    return tensorValues(await this.backend.download(t));
  }

  async floats(t: DeviceTensor): Promise<Float64Array> {
    const v = await this.values(t);
    return v instanceof Float64Array ? v : Float64Array.from(v);
  }

  host(stage: string): void {
    this.tally.hostStages.add(stage);
  }

  free(...ts: (DeviceTensor | null | undefined)[]): void {
    for (const t of ts) {
      if (!t || !this.live.has(t)) continue;
      this.live.delete(t);
      this.backend.free(t);
    }
  }

  /** Frees every tensor this exec still holds (end of a run, or after an error). */
  freeAll(): void {
    for (const t of [...this.live]) this.free(t);
  }

  get liveCount(): number {
    return this.live.size;
  }

  private track(t: DeviceTensor): DeviceTensor {
    this.live.add(t);
    return t;
  }
}
