/**
 * A lock file per run (`<runDir>/<runId>.lock`, created exclusively, holding the owner's pid),
 * so that a run and a `--resume` of it, or two resumes, never write the same journal at once.
 * A lock whose process is gone (kill -9, power loss) is stale and taken over.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { AbwError } from '../errors';

function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie (killed, not yet reaped by its parent) answers signal 0 but is gone.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/s.test(stat);
  } catch {
    return true;
  }
}

export class RunLock {
  private released = false;
  private constructor(readonly path: string) {}

  /** Takes the lock at `file` or throws ABW_EIO naming the process that holds it. */
  static acquire(file: string, what: string): RunLock {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
    } catch (e) {
      throw new AbwError('ABW_EIO', `cannot create ${path.dirname(file)}: ${(e as Error).message}`, file);
    }
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        const fd = fs.openSync(file, 'wx', 0o644);
        try {
          fs.writeSync(fd, JSON.stringify({ pid: process.pid, since: new Date().toISOString() }));
        } finally {
          fs.closeSync(fd);
        }
        return new RunLock(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new AbwError('ABW_EIO', `cannot create lock ${file}: ${(e as Error).message}`, file);
        }
      }
      let pid = NaN;
      try {
        const text = fs.readFileSync(file, 'utf8').slice(0, 256);
        const v = JSON.parse(text) as { pid?: unknown };
        pid = typeof v.pid === 'number' ? v.pid : NaN;
      } catch {
        // Being written this very moment (look again shortly), or garbage left by a crash.
        let age = Infinity;
        try {
          age = Date.now() - fs.statSync(file).mtimeMs;
        } catch {
          continue;
        }
        if (age < 1000) {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
          continue;
        }
      }
      if (pidAlive(pid)) {
        throw new AbwError(
          'ABW_EIO',
          `${what} is in use by process ${pid} (lock ${file}); wait for it, or delete the lock if that process is not abw`,
          file,
        );
      }
      // Stale (its process is gone): take it over.
      fs.rmSync(file, { force: true });
    }
    throw new AbwError('ABW_EIO', `cannot take the lock ${file}`, file);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    fs.rmSync(this.path, { force: true });
  }
}
