/**
 * `@abw/kernel-bridge`: everything a notebook (or a script) imports, grouped by what it is for.
 * Internals (native bindings, executors, journals, schema validators) stay behind their folders.
 * These declarations are also type-checked by tslab's bundled TypeScript 5.0
 * (test/notebook/declarations.test.ts): keep to syntax TypeScript 5.0 understands.
 */
export const version = '0.1.0';

// ── errors ──────────────────────────────────────────────────────────────────────────────────
export { AbwError, isUserError, type AbwErrorCode } from './errors';

// ── tensors and dtypes ──────────────────────────────────────────────────────────────────────
export { CASE_DTYPES, DTYPES, numel, type CaseDType, type DType, type HostTensor, type Shape, type TypedData } from './tensor';

// ── backends: which exist here, and the seam they implement ─────────────────────────────────
export { listBackends, getBackend, disposeBackends, type BackendListing } from './backend/registry';
export { machineInfo } from './backend/machine';
export type { ComputeBackend, ComputeDType, BackendInfo, Support, DeviceTensor, PreparedCall, MemoryStats, TimerKind } from './backend/types';

// ── ops: the catalogue, and running an op ───────────────────────────────────────────────────
export { listOps, getOp, hasOp, opNames } from './ops/catalogue';
export { generateInputs, generatedDType, type GeneratedInput } from './ops/generate';
export type { OpSpec, Params, ParamValue, ParamDecl, InputDecl, OutputDecl, ToleranceFamily } from './ops/types';
export { runOp } from './backend/run-op';
export { runCase, CASE_MEASURE, type CaseRequest } from './notebook/run-case';

// ── pipelines: end-to-end audio networks written once against ComputeBackend ────────────────
export {
  PIPELINES,
  pipelineNames,
  getPipeline,
  runPipeline,
  pipelineSupport,
  measurePipeline,
  PipelineExec,
  audioInput,
  syntheticAudio,
  readWav,
  parseWav,
  encodeWav16,
  audioSeconds,
  planChunks,
  chunkWindow,
  overlapAdd,
  loadSafetensors,
  parseSafetensors,
  serializeSafetensors,
  seededWeights,
  checkWeights,
  type PipelineSpec,
  type PipelineInput,
  type PipelineOutput,
  type PipelineRun,
  type RunPipelineOptions,
  type PipelineMeasurement,
  type Audio,
  type WeightSet,
} from './pipelines';
export type { PipelineRecordInfo } from './results/record';

// ── the WebGPU backend (Dawn) ───────────────────────────────────────────────────────────────
export { WebGpuBackend, type WebGpuOptions } from './backends/webgpu';

// ── peer backends in a Python worker (torch, mlx) ──────────────────────────────────────────
export { PythonWorkerBackend, probeFramework, workerProblem } from './backends/python-worker';

// ── matrix: specs, runs (with live progress in a notebook), resume ──────────────────────────
export { loadMatrix, listMatrixNames, repoResultsDir } from './matrix/load-matrix';
export { parseMatrixSpec, type MatrixSpec, type MatrixCaseSpec, type MeasureSettings } from './matrix/spec';
export { expandMatrix, type Case } from './matrix/expand';
export { runMatrix, resumeRun, type RunMatrixOptions, type RunMatrixResult } from './matrix/runner';
export type { ProgressEvent } from './matrix/progress';
export { runMatrixLive, requireBackends, candidateBackends, NOTEBOOK_BACKENDS_ENV, type LiveRunOptions } from './notebook/run-matrix-live';

// ── results: load, store, baselines, compare, ceilings ──────────────────────────────────────
export type {
  RunFile,
  RunInfo,
  ResultRecord,
  CaseStatus,
  PrecisionVerdict,
  PrecisionResult,
  ErrorMetrics,
  Statistics,
  Timing,
  Derived,
  MemoryUsage,
  MachineInfo,
} from './results/record';
export { readRunFile, type ReadRunOptions } from './results/read-run';
export { loadRuns, recordsTable, RECORD_COLUMNS, type RecordsTable, type RecordRow, type LoadRunsOptions, type LoadRunsResult, type LoadedRun } from './results/load-runs';
export { listMachines, listRuns, latestPerMachine, resolveRun, type StoredRun } from './results/store';
export { readBaseline, setBaseline, baselinePath, summarizeRun, type RunSummary } from './results/baseline';
export {
  compareRuns,
  gateFailures,
  DEFAULT_THRESHOLD,
  type Comparison,
  type ComparisonRow,
  type CompareOptions,
  type ThresholdRules,
  type TimeVerdict,
  type FailOn,
} from './results/compare';
export { readCeilings, applyCeilings, type MachineFile, type BackendCeilings } from './results/ceilings';

// ── plots: pure figure builders (plotly JSON) ───────────────────────────────────────────────
export type { Figure, Trace, Layout } from './plots/units';
export { latencyVsBaseline } from './plots/latency-vs-baseline';
export { ratioForest } from './plots/ratio-forest';
export { precisionHeatmap } from './plots/precision-heatmap';
export { sizeScaling, type SizeScalingOptions } from './plots/size-scaling';
export { streamScaling, type StreamScalingOptions } from './plots/stream-scaling';
export { roofline } from './plots/roofline';
export { rtfBars } from './plots/rtf-bars';
export { crossMachine, type CrossMachineOptions } from './plots/cross-machine';

// ── report: the self-contained HTML report ──────────────────────────────────────────────────
export { gatherReport, writeReport, type GatherOptions } from './report/build-report';

// ── notebook display (tslab): one MIME type per output ──────────────────────────────────────
export {
  show,
  showFigure,
  showResults,
  showComparison,
  showComparisonTable,
  showTable,
  showSummary,
  note,
  type Showable,
  type TableLike,
  type NoteLevel,
} from './notebook/show';
export { summaryRows, comparisonRows, runHeadline, comparisonHeadline } from './notebook/summary-rows';
export type { Row, Cell, TableOptions } from './notebook/html-table';
export { bindDisplay, useTslab, type DisplayTarget, type DisplayOutput } from './notebook/display-target';
export { LiveProgress, type ProgressState, type LiveProgressOptions } from './notebook/live-progress';
export { probePipelines, type PipelinesProbe } from './notebook/pipelines-probe';
export { MIME_PLOTLY, MIME_FIGURE, MIME_RESULTS, MIME_COMPARISON, type FigurePayload, type ResultsPayload, type ComparisonPayload } from './notebook/mime';
