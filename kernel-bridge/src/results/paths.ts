/**
 * Where run files live: <resultsDir>/runs/<machineKey>/<runId>.json, the journal beside it.
 * Keys and ids become path components, so they are checked: letters, digits, `.`, `_`, `-`,
 * starting with a letter or digit (no `..`, no separators), at most 128 characters.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { invalid } from '../errors';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function checkPathName(field: string, value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 64)) : String(value);
    throw invalid(field, `must be 1–128 characters of [A-Za-z0-9._-] starting with a letter or digit, got ${shown}`);
  }
  return value;
}

export function runDir(resultsDir: string, machineKey: string): string {
  return path.join(resultsDir, 'runs', checkPathName('machineKey', machineKey));
}

export function runFilePath(resultsDir: string, machineKey: string, runId: string): string {
  return path.join(runDir(resultsDir, machineKey), `${checkPathName('runId', runId)}.json`);
}

/** The run's append-only journal (one JSON line per record) while it is in progress. */
export function journalPath(resultsDir: string, machineKey: string, runId: string): string {
  return path.join(runDir(resultsDir, machineKey), `${checkPathName('runId', runId)}.journal.jsonl`);
}

/** `2026-11-21T23-40-12Z-3fa9`: UTC time to the second (sorts by time) and 4 random hex digits. */
export function newRunId(date: Date = new Date()): string {
  if (Number.isNaN(date.getTime())) throw invalid('date', 'is not a valid date');
  const stamp = date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/** The lock of a run in progress (see run-lock.ts). */
export function lockPath(resultsDir: string, machineKey: string, runId: string): string {
  return path.join(runDir(resultsDir, machineKey), `${checkPathName('runId', runId)}.lock`);
}
