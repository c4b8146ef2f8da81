/**
 * ABW_FFTW_PLANNER and ABW_FFTW_WISDOM: the cpu backend's FFTW plans may be timed (`measure`,
 * `patient`) instead of estimated, and what was learnt kept in a wisdom file. A timing planner
 * overwrites the arrays it plans on, so it must plan on scratch: the outputs have to match the
 * default planner's (and the caller's input must survive). Each setting runs in its own process,
 * since the planner is read once per process.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');

// rfft, irfft and stft on the cpu backend; prints the outputs, the input after the calls and the
// backend's reported planner, or the first error's code and message.
const SCRIPT = `
const { getBackend } = require('./kernel-bridge/dist/backend/registry');
(async () => {
  const cpu = getBackend('cpu');
  const x = Float32Array.from({ length: 3 * 3000 }, (_, i) => Math.sin(i * 0.37) + 0.25 * Math.cos(i * 1.91));
  const t = cpu.upload({ dtype: 'f32', shape: [3, 3000], data: x });
  const out = {};
  try {
    const [X] = await cpu.run('rfft', [t], { n: 4096, dim: -1 }, 'f32');
    out.rfft = Array.from((await cpu.download(X)).data);
    const [y] = await cpu.run('irfft', [X], { n: 4096, dim: -1 }, 'f32');
    out.irfft = Array.from((await cpu.download(y)).data);
    const [S] = await cpu.run('stft', [t], { n_fft: 512, hop_length: 128, window: 'hann' }, 'f32');
    out.stft = Array.from((await cpu.download(S)).data);
    out.input = Array.from((await cpu.download(t)).data);
  } catch (e) {
    out.error = { code: e.code, message: e.message };
  }
  out.planner = cpu.info().libraries.fftPlanner;
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`;

interface ChildOut {
  rfft?: number[];
  irfft?: number[];
  stft?: number[];
  input?: number[];
  error?: { code: string; message: string };
  planner?: string;
}

function runWith(env: Record<string, string | undefined>): ChildOut {
  const r = spawnSync(process.execPath, ['-e', SCRIPT], { cwd: ROOT, env: { ...process.env, ABW_FFTW_PLANNER: undefined, ABW_FFTW_WISDOM: undefined, ...env }, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildOut;
}

function maxRelDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  }
  return diff / scale;
}

const fftw = (() => {
  const r = spawnSync(process.execPath, ['-e', "console.log(require('./native').buildInfo().fft)"], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 && /fftw/.test(r.stdout);
})();

describe.skipIf(!fftw)('cpu FFTW planner and wisdom (ABW_FFTW_PLANNER, ABW_FFTW_WISDOM)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abw-fftw-'));
  const wisdom = path.join(dir, 'fftw3f.wisdom');
  const estimate = runWith({});

  it('reports the default planner and transforms with it', () => {
    expect(estimate.error).toBeUndefined();
    expect(estimate.planner).toBe('estimate');
    expect(estimate.rfft!.length).toBe(3 * 2049 * 2);
  });

  it('measure: the same transforms as estimate, the input untouched, the wisdom written', () => {
    const measured = runWith({ ABW_FFTW_PLANNER: 'measure', ABW_FFTW_WISDOM: wisdom });
    expect(measured.error).toBeUndefined();
    expect(measured.planner).toBe('measure');
    // Another algorithm, so not bit-equal; planning on the caller's arrays would leave garbage.
    for (const k of ['rfft', 'irfft', 'stft'] as const) expect(maxRelDiff(measured[k]!, estimate[k]!)).toBeLessThan(1e-5);
    expect(measured.input).toEqual(estimate.input);
    const text = fs.readFileSync(wisdom, 'utf8');
    expect(text).toMatch(/fftwf?_wisdom/);
    expect(fs.readdirSync(dir)).toEqual(['fftw3f.wisdom']); // no temporary file left behind
    // A second process starts from that wisdom and gives the same bytes as the first.
    const again = runWith({ ABW_FFTW_PLANNER: 'measure', ABW_FFTW_WISDOM: wisdom });
    expect(again.rfft).toEqual(measured.rfft);
  }, 120_000);

  it('an unknown planner is an error naming the variable and the allowed values, not a crash', () => {
    const bad = runWith({ ABW_FFTW_PLANNER: 'fastest' });
    expect(bad.planner).toBe('invalid');
    expect(bad.error?.code).toBe('ABW_EINVAL');
    expect(bad.error?.message).toContain("ABW_FFTW_PLANNER must be estimate, measure or patient, got 'fastest'");
  });

  it('a wisdom file that is not FFTW wisdom is an error naming the variable and the file', () => {
    const junk = path.join(dir, 'junk.wisdom');
    fs.writeFileSync(junk, 'not wisdom at all\n');
    const bad = runWith({ ABW_FFTW_PLANNER: 'measure', ABW_FFTW_WISDOM: junk });
    expect(bad.error?.code).toBe('ABW_EINVAL');
    expect(bad.error?.message).toContain(`ABW_FFTW_WISDOM: ${junk} is not FFTW single-precision wisdom`);
  });
});
