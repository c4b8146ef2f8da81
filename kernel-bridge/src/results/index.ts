export * from './record';
export { validateRunFile, schemaDir, RUN_SCHEMA_FILE } from './validate';
export { writeRunFileAtomic, writeFileAtomicSync, fsyncDir } from './write-run';
export { readRunFile, readLimitedText, DEFAULT_MAX_RUN_BYTES, MAX_RESULT_BYTES_ENV, maxResultBytes, parseByteSize, type ReadRunOptions } from './read-run';
export { RunLock } from './run-lock';
export { parseUntrustedJson } from './safe-json';
export { Journal, readJournal, JOURNAL_FORMAT, JOURNAL_VERSION, type JournalContents } from './journal';
export { runFilePath, journalPath, lockPath, runDir, newRunId, checkPathName } from './paths';
export { loadRuns, recordsTable, recordRow, RECORD_COLUMNS, type RecordsTable, type RecordRow, type LoadRunsOptions, type LoadRunsResult, type LoadedRun, type RejectedFile } from './load-runs';
export { listMachines, listRuns, latestPerMachine, resolveRun, type StoredRun, type ResolveRunOptions } from './store';
export { baselinePath, baselinesDir, setBaseline, readBaseline, summarizeRun, type RunSummary, type SetBaselineResult } from './baseline';
export {
  compareRuns,
  gateFailures,
  timeVerdict,
  precisionChange,
  thresholdFor,
  normalizeThresholds,
  DEFAULT_THRESHOLD,
  DEFAULT_ALPHA,
  TIME_VERDICTS,
  FAIL_ON,
  type Comparison,
  type ComparisonRow,
  type CompareOptions,
  type CompareSide,
  type CompareFlag,
  type ThresholdRules,
  type TimeVerdict,
  type PrecisionChange,
  type FailOn,
  type RunRef,
} from './compare';
export {
  machineFilePath,
  readCeilings,
  writeCeilings,
  mergeCeilings,
  applyCeilings,
  applyCeilingsToRecord,
  peakRate,
  validateMachineFile,
  MACHINE_SCHEMA_ID,
  MACHINE_SCHEMA_VERSION,
  type MachineFile,
  type BackendCeilings,
  type RateCeiling,
  type BandwidthCeiling,
} from './ceilings';
