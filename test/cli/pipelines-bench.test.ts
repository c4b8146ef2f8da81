// bench/pipelines-vs-torch end to end on the cpu backend at the test sizes, without PyTorch: the
// script the GPU machine runs (a JS error there costs device time) writes a complete record with
// an RTF and an op profile per case.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

describe('bench/pipelines-vs-torch', () => {
  it('runs tiny cases on cpu and writes a complete record with profiles', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'abw-pvt-'));
    const log = execFileSync(
      process.execPath,
      ['bench/pipelines-vs-torch/run.js', '--backend', 'cpu', '--device', 'cpu', '--config', 'tiny', '--seconds', '0.2', '--reps', '1', '--no-torch', '--profile', '--only', 'bitnet,fftconv', '--out', out],
      { cwd: root, encoding: 'utf8', timeout: 110_000 },
    );
    expect(log).toMatch(/profiled run: .* ms wall/);
    const [file] = fs.readdirSync(out);
    const rec = JSON.parse(fs.readFileSync(path.join(out, file!), 'utf8'));
    expect(rec.complete).toBe(true);
    const ids = rec.results.map((r: { case: string }) => r.case);
    expect(ids).toEqual(['fftconv-x1', 'fftconv-x2', 'fftconv-x4', 'fftconv-x8', 'fftconv-x16', 'bitnet']);
    for (const r of rec.results) {
      expect(r.rtf).toBeGreaterThan(0);
      expect(r.opProfile.entries.length).toBeGreaterThan(0);
    }
    expect(rec.verdicts).toEqual({}); // no PyTorch, no verdict
  });

  it('rejects an unknown --torch-io before it runs anything', () => {
    expect(() =>
      execFileSync(process.execPath, ['bench/pipelines-vs-torch/run.js', '--backend', 'cpu', '--device', 'cpu', '--config', 'tiny', '--seconds', '0.2', '--reps', '1', '--only', 'bitnet', '--torch-io', 'gpu', '--out', os.tmpdir()], {
        cwd: root,
        encoding: 'utf8',
        stdio: 'pipe',
        timeout: 60_000,
      }),
    ).toThrow(/--torch-io must be 'host', 'pinned' or 'device'/);
  });
});
