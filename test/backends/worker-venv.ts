// The Python the worker suites use: .venv-workers (scripts/setup-workers.sh creates it). The
// suites skip, printing this reason, only when it is absent.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type VenvPython = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly reason: string };

export function workerVenvPython(): VenvPython {
  const root = path.resolve(__dirname, '../..');
  const bin = process.platform === 'win32' ? path.join(root, '.venv-workers', 'Scripts', 'python.exe') : path.join(root, '.venv-workers', 'bin', 'python');
  if (!fs.existsSync(bin)) return { ok: false, reason: `${path.relative(root, bin)} is absent (run scripts/setup-workers.sh to create it with mlx[cpu] and numpy)` };
  return { ok: true, path: bin };
}
