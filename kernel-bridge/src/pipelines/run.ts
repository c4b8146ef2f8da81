/** One pipeline on one backend, start to finish: resolve, check support, load weights, run, free. */
import type { ComputeBackend, ComputeDType, Support } from '../backend/types';
import { AbwError } from '../errors';
import type { Params } from '../ops/types';
import { PipelineExec, type ExecTally } from './exec';
import { getPipeline } from './registry';
import { numel, shapeStr } from '../tensor';
import type { PipelineInput, PipelineOutput, PipelineSpec, RunOptions } from './types';
import { checkWeights, seededWeights, type WeightSet } from './weights';

/** Ok when the backend runs every op the pipeline issues (integer ops as int8), else the first reason. */
export function pipelineSupport(backend: ComputeBackend, spec: PipelineSpec<any>, config: unknown, dtype: ComputeDType): Support {
  for (const { op, integer } of spec.ops(config)) {
    const s = backend.supports(op, integer ? 'int8' : dtype);
    if (!s.ok) return { ok: false, reason: `${spec.name} needs ${op}${integer ? ' (int8)' : ''}: ${s.reason}` };
  }
  return { ok: true };
}

/** A given input must have the pipeline's layout; only its length (the last dim) may differ. */
function checkInput(spec: PipelineSpec<any>, config: unknown, input: PipelineInput): void {
  const want = spec.inputShape(config);
  const ok = input.shape.length === want.length && input.shape.slice(0, -1).every((d, i) => d === want[i]) && input.data.length === numel(input.shape);
  if (!ok) {
    throw new AbwError('ABW_ESHAPE', `[${spec.name}] input: shape ${shapeStr(input.shape)} (${input.data.length} values) does not fit ${shapeStr([...want.slice(0, -1), 'length' as unknown as number])}`, 'input');
  }
}

export interface RunPipelineOptions {
  readonly params?: Params;
  /** Seed of the weights and the synthetic input (default 1). */
  readonly seed?: number;
  /** Weights from a checkpoint (checked against the declarations); default seeded. */
  readonly weights?: WeightSet;
  /** Input instead of the synthetic one (e.g. a WAV file's samples). */
  readonly input?: PipelineInput;
  readonly run?: RunOptions;
}

export interface PipelineRun {
  readonly output: PipelineOutput;
  readonly input: PipelineInput;
  readonly tally: ExecTally;
  readonly config: unknown;
  readonly params: Params;
}

export async function runPipeline(backend: ComputeBackend, dtype: ComputeDType, name: string, options: RunPipelineOptions = {}): Promise<PipelineRun> {
  const spec = getPipeline(name);
  const { params, config } = spec.resolve(options.params ?? {});
  const support = pipelineSupport(backend, spec, config, dtype);
  if (!support.ok) throw new AbwError('ABW_EUNSUPPORTED', `${backend.id}: ${support.reason}`);
  const seed = options.seed ?? 1;
  const decls = spec.weights(config);
  const weights = options.weights ?? seededWeights(decls, seed);
  if (options.weights) checkWeights(decls, weights, 'weights');
  const input = options.input ?? spec.input(config, seed);
  if (options.input) checkInput(spec, config, options.input);
  const ex = new PipelineExec(backend, dtype);
  try {
    const prepared = await spec.prepare(ex, weights, config);
    try {
      const output = await prepared.run(input, options.run);
      return { output, input, tally: ex.tally, config, params };
    } finally {
      prepared.dispose();
    }
  } finally {
    ex.freeAll();
  }
}
