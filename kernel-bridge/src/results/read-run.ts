/**
 * Reading a run file, treated as untrusted: size-limited before it is read, parsed safely
 * (safe-json.ts), then validated against the schema (validate.ts).
 */
import * as fs from 'node:fs';
import { AbwError } from '../errors';
import type { RunFile } from './record';
import { parseUntrustedJson } from './safe-json';
import { validateRunFile } from './validate';

export const DEFAULT_MAX_RUN_BYTES = 256 * 2 ** 20;
/** Environment variable with the largest results file (run file, journal) abw reads, bytes. */
export const MAX_RESULT_BYTES_ENV = 'ABW_MAX_RESULT_BYTES';

/** `268435456`, `256M`, `256MiB`, `1G`, `512k` → bytes (binary units); NaN when malformed. */
export function parseByteSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:([kKmMgGtT])(?:i?[bB])?|[bB])?\s*$/.exec(text);
  if (!m) return NaN;
  const unit = (m[2] ?? '').toLowerCase();
  const scale = unit === 'k' ? 2 ** 10 : unit === 'm' ? 2 ** 20 : unit === 'g' ? 2 ** 30 : unit === 't' ? 2 ** 40 : 1;
  const n = Math.floor(Number(m[1]) * scale);
  return Number.isSafeInteger(n) && n > 0 ? n : NaN;
}

/** The results-file size limit: ABW_MAX_RESULT_BYTES when set (checked), else `fallback`. */
export function maxResultBytes(fallback = DEFAULT_MAX_RUN_BYTES, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[MAX_RESULT_BYTES_ENV];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = parseByteSize(raw);
  if (!Number.isFinite(n)) {
    throw new AbwError(
      'ABW_EINVAL',
      `${MAX_RESULT_BYTES_ENV} must be a positive size in bytes, e.g. 268435456, 256M or 1G; got ${JSON.stringify(raw.slice(0, 40))}`,
      MAX_RESULT_BYTES_ENV,
    );
  }
  return n;
}

export interface ReadRunOptions {
  /** Refuse larger files; default ABW_MAX_RESULT_BYTES, else 256 MiB. */
  readonly maxBytes?: number;
}

function mib(bytes: number): string {
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${bytes} bytes`;
}

/** Reads `file` as text, refusing files over maxBytes (checked on the open descriptor). */
export function readLimitedText(file: string, maxBytes: number, limitName = 'maxBytes'): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new AbwError('ABW_EIO', `cannot read ${file}: ${(e as Error).message}`, file);
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size > maxBytes) {
      throw new AbwError(
        'ABW_EINVAL',
        `${file}: the file is ${mib(size)}, over the limit of ${mib(maxBytes)} (${limitName})`,
        limitName === 'maxBytes' ? 'maxBytes' : MAX_RESULT_BYTES_ENV,
      );
    }
    const buf = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const n = fs.readSync(fd, buf, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    return buf.toString('utf8', 0, read);
  } finally {
    fs.closeSync(fd);
  }
}

/** How a limit that did not come from the caller is named in the refusal. */
export const RESULT_LIMIT_HINT = `${MAX_RESULT_BYTES_ENV}; raise it with ${MAX_RESULT_BYTES_ENV}=SIZE or --max-result-bytes SIZE`;

export function readRunFile(file: string, options: ReadRunOptions = {}): RunFile {
  const maxBytes = options.maxBytes ?? maxResultBytes();
  if (!(Number.isFinite(maxBytes) && maxBytes > 0)) {
    throw new AbwError('ABW_EINVAL', `maxBytes: must be a positive number, got ${maxBytes}`, 'maxBytes');
  }
  const text = readLimitedText(file, maxBytes, options.maxBytes !== undefined ? 'maxBytes' : RESULT_LIMIT_HINT);
  return validateRunFile(parseUntrustedJson(text, file), file);
}
