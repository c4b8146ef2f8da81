/**
 * Builders of the workbench MIME payloads (mime.ts). Result payloads keep at most
 * KEPT_SAMPLES raw samples per record by default (the first ones measured; the statistics were
 * computed from all of them): a run holds tens of thousands of samples, which would make every
 * saved notebook megabytes larger while the renderers draw from the statistics. The run schema
 * wants at least one sample, so a record is trimmed, never emptied.
 */
import type { Figure } from '../plots/units';
import type { Comparison } from '../results/compare';
import type { ResultRecord, RunFile } from '../results/record';
import { MIME_PAYLOAD_VERSION, type ComparisonPayload, type FigurePayload, type ResultsPayload } from './mime';

export interface ResultsPayloadOptions {
  readonly baseline?: RunFile;
  /** Keep each record's raw timing samples (default false). */
  readonly keepSamples?: boolean;
}

export const KEPT_SAMPLES = 32;

function trimRecord(r: ResultRecord): ResultRecord {
  if (!r.timing || r.timing.samplesNs.length <= KEPT_SAMPLES) return r;
  return { ...r, timing: { ...r.timing, samplesNs: r.timing.samplesNs.slice(0, KEPT_SAMPLES) } };
}

function trimRun(run: RunFile): RunFile {
  return { ...run, records: run.records.map(trimRecord) };
}

export function resultsPayload(runs: readonly RunFile[], options: ResultsPayloadOptions = {}): ResultsPayload {
  const keep = options.keepSamples === true;
  return {
    version: MIME_PAYLOAD_VERSION,
    runs: keep ? runs : runs.map(trimRun),
    ...(options.baseline ? { baseline: keep ? options.baseline : trimRun(options.baseline) } : {}),
    ...(keep ? {} : { samplesTrimmed: true }),
  };
}

export function comparisonPayload(comparison: Comparison): ComparisonPayload {
  return { version: MIME_PAYLOAD_VERSION, comparison };
}

export function figurePayload(figure: Figure, caption?: string): FigurePayload {
  return { version: MIME_PAYLOAD_VERSION, figure, ...(caption !== undefined ? { caption } : {}) };
}
