export * from './record';
export { validateRunFile, schemaDir, RUN_SCHEMA_FILE } from './validate';
export { writeRunFileAtomic, writeFileAtomicSync, fsyncDir } from './write-run';
export { readRunFile, readLimitedText, DEFAULT_MAX_RUN_BYTES, type ReadRunOptions } from './read-run';
export { parseUntrustedJson } from './safe-json';
export { Journal, readJournal, JOURNAL_FORMAT, JOURNAL_VERSION, type JournalContents } from './journal';
export { runFilePath, journalPath, runDir, newRunId, checkPathName } from './paths';
