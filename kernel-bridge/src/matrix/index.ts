export { parseMatrixSpec, MATRIX_VERSION, type MatrixSpec, type MatrixCaseSpec, type MeasureSettings, type ParseOptions } from './spec';
export { loadMatrix, listMatrixNames, matricesDir, repoResultsDir, resolveMatrixPath, MAX_MATRIX_BYTES } from './load-matrix';
export { expandMatrix, onlyMatcher, type Case, type ExpandOptions } from './expand';
export { caseKey, caseSeed, inputKey, stableJson, hash32, type CaseKeyParts } from './case-key';
export { executeCase, measureOptions, OracleCache, ORACLE_BACKEND, type ExecContext } from './executor';
export {
  runMatrix,
  resumeRun,
  findJournal,
  DEFAULT_SEED,
  type ExecutionOptions,
  type RunMatrixOptions,
  type ResumeRunOptions,
  type RunMatrixResult,
} from './runner';
export {
  IsolatedExecutor,
  classifyExit,
  caseTimeoutMs,
  defaultCaseTimeoutMs,
  MIN_CASE_TIMEOUT_MS,
  type IsolationOptions,
  type ExitInfo,
} from './isolated-executor';
export { ProgressRenderer, EtaEstimator, finishedLine, formatDuration, type ProgressEvent, type ProgressStream } from './progress';
export { executePipelineCase, minSnrDb, PIPELINE_MIN_SNR_DB, QUANTIZED_MIN_SNR_DB } from './pipeline-executor';
export { PIPELINE_DTYPES, resolvePipelineCase } from './pipeline-case';
