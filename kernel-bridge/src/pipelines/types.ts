/**
 * A pipeline: an end-to-end audio network written once against ComputeBackend (through
 * PipelineExec), with its parameters, weights and input declared as data so the matrix, the
 * notebook and the bench can all drive it the same way.
 */
import type { Params, ParamDecl } from '../ops/types';
import type { Shape } from '../tensor';
import type { PipelineExec } from './exec';
import type { WeightDecl, WeightSet } from './weights';

export interface PipelineInput {
  /**
   * Channel-major audio samples, or activations for non-audio pipelines (bitnet). Never changed
   * once made: a run keeps its input in the run's float storage from one run to the next.
   */
  readonly data: Float64Array;
  readonly shape: Shape;
  /** Seconds of audio this input stands for (RTF = processing time / audioSeconds). */
  readonly audioSeconds: number;
}

/** What one run produces: the main float output and, per pipeline, the extra checks. */
export interface PipelineOutput {
  /** May be a getter that widens the downloaded values on first read (PipelineExec.outputFloats). */
  readonly output: Float64Array;
  readonly shape: Shape;
  /** encodec: code indices per codebook ([codebooks][frames]). */
  readonly codes?: readonly Int32Array[];
  /** bitnet: the integer matmul's inputs and outputs per layer, for the bit-exact check. */
  readonly integerTaps?: readonly IntegerTap[];
  /**
   * Hands the output's host buffer back for the next run to reuse (a timed loop that drops its
   * outputs calls it, as an application reuses its output buffer). `output` read after it throws,
   * unless it was read before.
   */
  release?(): void;
}

export interface IntegerTap {
  readonly name: string;
  readonly xq: Int8Array;
  readonly xShape: Shape;
  readonly wq: Int8Array;
  readonly wShape: Shape;
  readonly out: Int32Array;
}

export interface RunOptions {
  /** Collect integer taps (bitnet): extra downloads, so only for the verification run. */
  readonly taps?: boolean;
}

/** A pipeline bound to a backend with its weights uploaded. */
export interface PreparedPipeline {
  run(input: PipelineInput, options?: RunOptions): Promise<PipelineOutput>;
  dispose(): void;
}

export interface PipelineSpec<Config = unknown> {
  readonly name: string;
  readonly summary: string;
  readonly params: Readonly<Record<string, ParamDecl>>;
  /** Validates params (defaults filled) into a configuration; errors name the parameter. */
  resolve(params: Params): { readonly params: Params; readonly config: Config };
  /** Catalogue ops the pipeline issues (a backend must support all of them in the float dtype). */
  ops(config: Config): readonly { readonly op: string; readonly integer?: boolean }[];
  /** Steps done on the host between backend calls, with why (recorded with each run). */
  hostStages(config: Config): readonly string[];
  weights(config: Config): readonly WeightDecl[];
  /** Shape of the input `input` makes (known without making it: the matrix keys cases by it). */
  inputShape(config: Config): Shape;
  /** The seeded input of a case (synthetic audio at the pipeline's rate, or activations). */
  input(config: Config, seed: number): PipelineInput;
  /** Floating-point operations of one run (for the derived GFLOP/s; an estimate from the config). */
  flops(config: Config, input: PipelineInput): number;
  prepare(ex: PipelineExec, weights: WeightSet, config: Config): Promise<PreparedPipeline>;
  /**
   * The float path feeds a rounding quantiser (int8 activations, nearest codeword): a value
   * near a rounding boundary may legitimately land on the other side in f32 than in f64, and
   * one such flip moves the output far more than rounding noise (precision floors are lower).
   */
  readonly quantizes?: boolean;
  /** Stream count the pipeline asks for (fftconv); absent = 1. */
  streams?(config: Config): number;
}
