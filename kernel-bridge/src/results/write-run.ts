/**
 * Atomic run-file writes: a temporary file in the same directory, fsync'd, renamed over the
 * target, then the directory fsync'd. Readers see the old file or the new one, never half.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AbwError } from '../errors';
import type { RunFile } from './record';
import { validateRunFile } from './validate';

/** fsync a directory so a rename in it is durable (not possible on Windows: skipped there). */
export function fsyncDir(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function writeFileAtomicSync(file: string, text: string): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'wx', 0o644);
    try {
      fs.writeFileSync(fd, text, 'utf8');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    fsyncDir(dir);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new AbwError('ABW_EIO', `cannot write ${file}: ${(e as Error).message}`, file);
  }
}

/** Writes `run` as JSON (validated first) to `file` atomically, creating directories as needed. */
export async function writeRunFileAtomic(file: string, run: RunFile): Promise<void> {
  // Validate first: a NaN would silently become null, and the reader would reject the file.
  validateRunFile(run, file);
  writeFileAtomicSync(file, `${JSON.stringify(run)}\n`);
}
