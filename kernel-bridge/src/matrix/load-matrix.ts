/**
 * Finding and reading matrix files: a bare name (`default`, `quick`) means
 * results/matrices/<name>.json of this checkout; anything with a slash or a `.json` ending is
 * a path. Files are untrusted: size-limited, parsed, validated.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { AbwError } from '../errors';
import { readLimitedText } from '../results/read-run';
import { parseUntrustedJson } from '../results/safe-json';
import { parseMatrixSpec, type MatrixSpec, type ParseOptions } from './spec';

/** A matrix larger than this is a mistake (a results file passed by accident, …). */
export const MAX_MATRIX_BYTES = 4 * 1024 * 1024;

/** results/ of this checkout (ABW_RESULTS_DIR overrides). */
export function repoResultsDir(): string {
  if (process.env.ABW_RESULTS_DIR) return path.resolve(process.env.ABW_RESULTS_DIR);
  // src/matrix or dist/matrix → kernel-bridge → repository root.
  return path.resolve(__dirname, '..', '..', '..', 'results');
}

export function matricesDir(): string {
  return path.join(repoResultsDir(), 'matrices');
}

function isPath(nameOrPath: string): boolean {
  return nameOrPath.includes('/') || nameOrPath.includes(path.sep) || nameOrPath.endsWith('.json');
}

/** The file a matrix name or path refers to. */
export function resolveMatrixPath(nameOrPath: string): string {
  if (isPath(nameOrPath)) return path.resolve(nameOrPath);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(nameOrPath)) {
    throw new AbwError('ABW_EINVAL', `matrix: "${nameOrPath}" is neither a matrix name (letters, digits, . _ -) nor a path to a .json file`, 'matrix');
  }
  return path.join(matricesDir(), `${nameOrPath}.json`);
}

/** Names of the shared matrices in results/matrices. */
export function listMatrixNames(): string[] {
  try {
    return fs
      .readdirSync(matricesDir())
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort();
  } catch {
    return [];
  }
}

export function loadMatrix(nameOrPath: string, options: ParseOptions = {}): MatrixSpec {
  const file = resolveMatrixPath(nameOrPath);
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    const names = listMatrixNames();
    const hint = isPath(nameOrPath) ? '' : `; shared matrices: ${names.length ? names.join(', ') : '(none found)'}`;
    throw new AbwError('ABW_EIO', `matrix: ${file} does not exist${hint}`, 'matrix');
  }
  if (!st.isFile()) throw new AbwError('ABW_EIO', `matrix: ${file} is not a file`, 'matrix');
  if (st.size > MAX_MATRIX_BYTES) {
    throw new AbwError('ABW_EIO', `matrix: ${file} is ${st.size} bytes; a matrix may have at most ${MAX_MATRIX_BYTES}`, 'matrix');
  }
  // Read through the descriptor the size was checked on (the file may grow in between).
  const text = readLimitedText(file, MAX_MATRIX_BYTES);
  let json: unknown;
  try {
    // Untrusted: prototype keys (__proto__, constructor, prototype) and absurd nesting refused.
    json = parseUntrustedJson(text, file);
  } catch (e) {
    const err = e as AbwError;
    const detail = err.message.startsWith(`${file}: `) ? err.message.slice(file.length + 2) : err.message;
    if (/forbidden key|nested deeper/.test(detail)) throw new AbwError('ABW_ESCHEMA', `matrix: ${file}: ${detail}`, err.field ?? 'matrix');
    throw new AbwError('ABW_ESCHEMA', `matrix: ${file} is not valid JSON: ${detail}`, 'matrix');
  }
  try {
    return parseMatrixSpec(json, file, options);
  } catch (e) {
    if (e instanceof AbwError) throw new AbwError(e.code, `${path.basename(file)}: ${e.message}`, e.field);
    throw e;
  }
}
