/**
 * Timing a pipeline with the workbench's measurement loop (measure/measureCall): a prepared
 * pipeline is wrapped as a PreparedCall whose samples are whole runs on the host clock, so
 * warm-up, adaptive stopping and the statistics are the ones every op case gets. RTF is the
 * median run time over the audio duration; ×real-time is its inverse.
 */
import type { PreparedCall } from '../backend/types';
import { measureCall, type MeasureCallOptions } from '../measure/measure-call';
import type { Timing } from '../results/record';
import type { PipelineInput, PreparedPipeline } from './types';

/** A PreparedCall over a prepared pipeline; `runs` counts the whole runs it made. */
export function pipelineAsCall(prepared: PreparedPipeline, input: PipelineInput): PreparedCall & { readonly runs: number } {
  let runs = 0;
  const once = async () => {
    // The timed loop drops each output: its host buffer goes back for the next run.
    (await prepared.run(input)).release?.();
    runs++;
  };
  return {
    get runs() {
      return runs;
    },
    outputs: [],
    run: once,
    measure: async ({ iterations, samples }) => {
      const out: number[] = [];
      for (let s = 0; s < samples; s++) {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < iterations; i++) await once();
        out.push(Number(process.hrtime.bigint() - t0) / iterations);
      }
      return out;
    },
    dispose: () => undefined,
  };
}

export interface PipelineMeasurement {
  readonly timing: Timing;
  readonly rtf: number;
  readonly xRealTime: number;
  readonly audioSeconds: number;
  /** Whole runs made while measuring (warm-up included). */
  readonly runs: number;
}

export async function measurePipeline(prepared: PreparedPipeline, input: PipelineInput, options: Omit<MeasureCallOptions, 'timer' | 'cold'>): Promise<PipelineMeasurement> {
  // Pipelines are timed end to end on the host (uploads, host stages and downloads included).
  const call = pipelineAsCall(prepared, input);
  const timing = await measureCall(call, { ...options, timer: 'host' });
  const rtf = timing.stats.median / 1e9 / input.audioSeconds;
  return { timing, rtf, xRealTime: 1 / rtf, audioSeconds: input.audioSeconds, runs: call.runs };
}
