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

export interface ReadRunOptions {
  /** Refuse larger files, default 256 MiB. */
  readonly maxBytes?: number;
}

function mib(bytes: number): string {
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${bytes} bytes`;
}

/** Reads `file` as text, refusing files over maxBytes (checked on the open descriptor). */
export function readLimitedText(file: string, maxBytes: number): string {
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
        `${file}: the file is ${mib(size)}, over the limit of ${mib(maxBytes)} (maxBytes)`,
        'maxBytes',
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

export function readRunFile(file: string, options: ReadRunOptions = {}): RunFile {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_RUN_BYTES;
  if (!(Number.isFinite(maxBytes) && maxBytes > 0)) {
    throw new AbwError('ABW_EINVAL', `maxBytes: must be a positive number, got ${maxBytes}`, 'maxBytes');
  }
  const text = readLimitedText(file, maxBytes);
  return validateRunFile(parseUntrustedJson(text, file), file);
}
