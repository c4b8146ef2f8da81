export { parseMatrixSpec, MATRIX_VERSION, type MatrixSpec, type MatrixCaseSpec, type MeasureSettings, type ParseOptions } from './spec';
export { loadMatrix, listMatrixNames, matricesDir, repoResultsDir, resolveMatrixPath, MAX_MATRIX_BYTES } from './load-matrix';
export { expandMatrix, onlyMatcher, type Case, type ExpandOptions } from './expand';
export { caseKey, caseSeed, inputKey, stableJson, hash32, type CaseKeyParts } from './case-key';
export { executeCase, measureOptions, OracleCache, ORACLE_BACKEND, type ExecContext } from './executor';
export { runMatrix, DEFAULT_SEED, type RunMatrixOptions, type RunMatrixResult } from './runner';
export { ProgressRenderer, EtaEstimator, finishedLine, formatDuration, type ProgressEvent, type ProgressStream } from './progress';
