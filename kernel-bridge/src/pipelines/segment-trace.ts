/**
 * Recording a pipeline stage as a chain of ops instead of running it (PipelineExec.segment), so
 * that a backend that compiles chains (ort: one ONNX graph; webgpu: one submission) runs the
 * stage as one call. While a
 * trace is open, ops return stand-in tensors that carry only a shape and a dtype; real tensors
 * the stage reads (its input, weights) become the chain's inputs.
 */
import type { ComputeBackend, ComputeDType, DeviceTensor, SegmentRef, SegmentStep, SegmentTrace } from '../backend/types';
import { planForBackend } from '../backend/plan-for-backend';
import type { Params } from '../ops/types';

/** Thrown inside a traced stage that needs the host (a download, a host stage): run it op by op. */
export class NotTraceable extends Error {}

const REF = Symbol('segment ref');

interface StandIn extends DeviceTensor {
  readonly [REF]: SegmentRef;
}

export function isStandIn(t: DeviceTensor | null | undefined): t is StandIn {
  return !!t && REF in t;
}

export class SegmentRecorder {
  private readonly inputs: DeviceTensor[] = [];
  private readonly inputIndex = new Map<DeviceTensor, number>();
  private readonly steps: SegmentStep[] = [];
  /** Real tensors the stage freed: still graph inputs, so freed after the compiled run. */
  readonly deferredFrees: DeviceTensor[] = [];
  /** Real tensors the stage uploaded while traced (freed again if the stage falls back). */
  readonly uploads: DeviceTensor[] = [];

  constructor(
    readonly name: string,
    private readonly backend: ComputeBackend,
  ) {}

  /** Plans one op on its (stand-in or real) inputs and returns stand-ins for its outputs. */
  record(op: string, inputs: readonly (DeviceTensor | null)[], params: Params, dtype: ComputeDType): DeviceTensor[] {
    // Planning checks support, shapes and dtypes exactly as a real call would.
    const { outputs } = planForBackend(this.backend, op, inputs, params, dtype);
    const step = this.steps.length;
    this.steps.push({ op, inputs: inputs.map((t) => (t ? this.ref(t) : null)), params, dtype });
    return outputs.map((o, output): StandIn => ({ backend: this.backend.id, dtype: o.dtype, shape: o.shape, [REF]: { step, output } }));
  }

  /** The recorded ops' names, in order. */
  get ops(): readonly string[] {
    return this.steps.map((s) => s.op);
  }

  /** The chain that ends in `outputs` (stand-ins of this trace, or real tensors passed through). */
  finish(outputs: readonly DeviceTensor[]): SegmentTrace {
    return { name: this.name, inputs: [...this.inputs], steps: [...this.steps], outputs: outputs.map((t) => this.ref(t)) };
  }

  private ref(t: DeviceTensor): SegmentRef {
    if (isStandIn(t)) return t[REF];
    let i = this.inputIndex.get(t);
    if (i === undefined) {
      i = this.inputs.length;
      this.inputs.push(t);
      this.inputIndex.set(t, i);
    }
    return { input: i };
  }
}
