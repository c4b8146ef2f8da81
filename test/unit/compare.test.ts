/**
 * Baseline comparison (results/compare.ts): bootstrap CI coverage on synthetic samples with a
 * known ratio, the verdict rule of DESIGN.md, constructed cases (clear regression, noise only,
 * new, missing, precision flip, broken), thresholds per op / case, the gate, the store and the
 * CLI commands (baseline, compare) with their exit codes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Io } from '../../kernel-bridge/src/cli/io';
import { main } from '../../kernel-bridge/src/cli/main';
import { parseThresholds } from '../../kernel-bridge/src/cli/results-args';
import { bootstrapRatioCI } from '../../kernel-bridge/src/measure/bootstrap';
import { readBaseline, setBaseline } from '../../kernel-bridge/src/results/baseline';
import { applyCeilings, mergeCeilings, readCeilings, writeCeilings } from '../../kernel-bridge/src/results/ceilings';
import { compareRuns, gateFailures, precisionChange, thresholdFor, timeVerdict, type ComparisonRow } from '../../kernel-bridge/src/results/compare';
import { loadRuns, RECORD_COLUMNS } from '../../kernel-bridge/src/results/load-runs';
import { runFilePath } from '../../kernel-bridge/src/results/paths';
import { latestPerMachine, listMachines, listRuns, resolveRun } from '../../kernel-bridge/src/results/store';
import { writeRunFileAtomic } from '../../kernel-bridge/src/results/write-run';
import { lognormalSamples, synthCeilings, synthRun, type SynthCase } from '../helpers/synthetic-runs';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abw-compare-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function row(rows: readonly ComparisonRow[], label: string): ComparisonRow {
  const r = rows.find((x) => x.label === label);
  if (!r) throw new Error(`no row ${label}`);
  return r;
}

describe('bootstrap CI of the ratio of medians', () => {
  it('covers the true ratio in about 95% of synthetic experiments', () => {
    for (const trueRatio of [1, 1.25]) {
      let covered = 0;
      const trials = 200;
      for (let t = 0; t < trials; t++) {
        const base = lognormalSamples(1000, 40, 0.05, 1 + 2 * t);
        const cur = lognormalSamples(1000 * trueRatio, 40, 0.05, 2 + 2 * t);
        const ci = bootstrapRatioCI(cur, base, { resamples: 1000, seed: t + 7 });
        if (ci.low <= trueRatio && trueRatio <= ci.high) covered++;
      }
      // Binomial(200, 0.95) lies in [0.90, 0.99] with probability > 0.999; the percentile
      // bootstrap of a median runs slightly under or over nominal, never far.
      expect(covered / trials).toBeGreaterThanOrEqual(0.88);
      expect(covered / trials).toBeLessThanOrEqual(0.995);
    }
  });
});

describe('the verdict rule', () => {
  it('needs both the CI beyond the threshold and p < alpha', () => {
    expect(timeVerdict({ low: 1.2, high: 1.4 }, 1e-6, 0.05)).toMatchObject({ verdict: 'regression', ciBeyond: true, significant: true });
    expect(timeVerdict({ low: 0.6, high: 0.8 }, 1e-6, 0.05)).toMatchObject({ verdict: 'improvement' });
    // CI beyond, not significant; significant, CI inside the band: ambiguous either way.
    expect(timeVerdict({ low: 1.2, high: 1.4 }, 0.2, 0.05)).toMatchObject({ verdict: 'ambiguous', ciBeyond: true, significant: false });
    expect(timeVerdict({ low: 1.01, high: 1.03 }, 1e-9, 0.05)).toMatchObject({ verdict: 'ambiguous', ciBeyond: false, significant: true });
    expect(timeVerdict({ low: 0.97, high: 1.04 }, 0.5, 0.05)).toMatchObject({ verdict: 'same' });
    // "by more than the threshold": a CI that ends inside 1 + t is not beyond it.
    expect(timeVerdict({ low: 1.04, high: 1.3 }, 1e-6, 0.05).verdict).toBe('ambiguous');
    expect(timeVerdict({ low: 1.2, high: 1.4 }, 0.005, 0.05, 0.001).verdict).toBe('ambiguous');
  });

  it('tracks precision verdict changes', () => {
    expect(precisionChange('pass', 'fail')).toBe('newly-failing');
    expect(precisionChange('fail', 'pass')).toBe('fixed');
    expect(precisionChange('fail', 'fail')).toBe('still-failing');
    expect(precisionChange('pass', 'pass')).toBe('unchanged');
    expect(precisionChange('n/a', 'fail')).toBe('n/a');
    expect(precisionChange(undefined, 'pass')).toBe('n/a');
  });
});

const BASE_CASES: SynthCase[] = [
  { op: 'matmul', label: 'clear regression', medianNs: 10_000, seed: 1 },
  { op: 'matmul', label: 'clear improvement', medianNs: 10_000, seed: 2, shapes: [[32, 32]] },
  { op: 'relu', label: 'noise only', medianNs: 5_000, noise: 0.05, seed: 3 },
  { op: 'add', label: 'small real change', medianNs: 5_000, noise: 0.002, n: 200, seed: 4 },
  { op: 'softmax', label: 'precision flip', medianNs: 8_000, seed: 5 },
  { op: 'gelu', label: 'broken', medianNs: 8_000, seed: 6 },
  { op: 'conv1d', label: 'gone', medianNs: 8_000, seed: 7 },
  { op: 'tanh', label: 'fixed precision', medianNs: 8_000, seed: 8, precision: 'fail' },
];

function currentCases(): SynthCase[] {
  return [
    { op: 'matmul', label: 'clear regression', medianNs: 13_000, seed: 11 },
    { op: 'matmul', label: 'clear improvement', medianNs: 7_000, seed: 12, shapes: [[32, 32]] },
    { op: 'relu', label: 'noise only', medianNs: 5_000, noise: 0.05, seed: 13 },
    { op: 'add', label: 'small real change', medianNs: 5_100, noise: 0.002, n: 200, seed: 14 },
    { op: 'softmax', label: 'precision flip', medianNs: 8_000, seed: 15, precision: 'fail' },
    { op: 'gelu', label: 'broken', medianNs: 8_000, seed: 16, status: 'crash' },
    { op: 'tanh', label: 'fixed precision', medianNs: 8_000, seed: 18 },
    { op: 'silu', label: 'brand new', medianNs: 8_000, seed: 19 },
  ];
}

const base = synthRun(BASE_CASES, { id: '2026-11-20T10-00-00Z-aaaa' });
const current = synthRun(currentCases(), { id: '2026-11-21T10-00-00Z-bbbb' });

describe('compareRuns on constructed cases', () => {
  const c = compareRuns(base, current);

  it('joins by case key and gives each case its verdict', () => {
    expect(row(c.rows, 'clear regression')).toMatchObject({ verdict: 'regression', direction: 'slower', regressed: true, ciBeyond: true, significant: true });
    expect(row(c.rows, 'clear regression').ratio).toBeCloseTo(1.3, 1);
    expect(row(c.rows, 'clear improvement')).toMatchObject({ verdict: 'improvement', direction: 'faster', regressed: false });
    expect(row(c.rows, 'noise only')).toMatchObject({ verdict: 'same', regressed: false });
    expect(row(c.rows, 'small real change')).toMatchObject({ verdict: 'ambiguous', ciBeyond: false, significant: true, regressed: false });
    expect(row(c.rows, 'brand new')).toMatchObject({ verdict: 'new', regressed: false });
    expect(row(c.rows, 'brand new').base).toBeUndefined();
    expect(row(c.rows, 'gone')).toMatchObject({ verdict: 'missing', regressed: false });
    expect(c.rows).toHaveLength(9);
  });

  it('always flags a case that passed and now fails, whatever the timings say', () => {
    const r = row(c.rows, 'precision flip');
    expect(r.verdict).toBe('same');
    expect(r.precisionChange).toBe('newly-failing');
    expect(r.flags).toContain('precision-fail');
    expect(r.regressed).toBe(true);
    expect(row(c.rows, 'fixed precision')).toMatchObject({ precisionChange: 'fixed', regressed: false });
    expect(c.precisionFlips).toBe(1);
  });

  it('flags a case that ran and now crashes as broken', () => {
    const r = row(c.rows, 'broken');
    expect(r).toMatchObject({ verdict: 'unmeasured', statusChange: 'ok→crash', regressed: true });
    expect(r.flags).toContain('broken');
    expect(c.broken).toBe(1);
  });

  it('counts verdicts and is deterministic', () => {
    expect(c.counts).toEqual({ regression: 1, improvement: 1, ambiguous: 1, same: 3, new: 1, missing: 1, unmeasured: 1 });
    expect(c.regressed).toBe(3);
    expect(compareRuns(base, current)).toEqual(c);
  });

  it('gates on what --fail-on names', () => {
    const labels = (rows: ComparisonRow[]) => rows.map((r) => r.label).sort();
    expect(labels(gateFailures(c, ['regression']))).toEqual(['broken', 'clear regression', 'precision flip']);
    expect(labels(gateFailures(c, ['precision']))).toEqual(['precision flip']);
    expect(labels(gateFailures(c, ['ambiguous']))).toEqual(['small real change']);
    expect(labels(gateFailures(c, ['missing']))).toEqual(['broken', 'gone']);
    expect(gateFailures(c, [])).toEqual([]);
    const same = compareRuns(base, base);
    expect(gateFailures(same, ['regression', 'ambiguous', 'missing', 'precision'])).toEqual([]);
    expect(same.counts.same).toBe(BASE_CASES.length);
  });

  it('takes thresholds per op, label and case key (most specific wins)', () => {
    const loose = compareRuns(base, current, { threshold: { default: 0.05, byOp: { matmul: 0.5 } } });
    expect(row(loose.rows, 'clear regression')).toMatchObject({ verdict: 'ambiguous', threshold: 0.5, regressed: false });
    const key = row(c.rows, 'clear regression').key;
    const byKey = compareRuns(base, current, { threshold: { byOp: { matmul: 0.5 }, byKey: { [key]: 0.01 } } });
    expect(row(byKey.rows, 'clear regression')).toMatchObject({ verdict: 'regression', threshold: 0.01 });
    expect(thresholdFor({ default: 0.05, byLabel: { 'x y': 0.2 }, byOp: { relu: 0.1 } }, { key: 'k', label: 'x y', op: 'relu' })).toBe(0.2);
    // A strict threshold turns the small real change into a regression.
    expect(row(compareRuns(base, current, { threshold: 0.001 }).rows, 'small real change').verdict).toBe('regression');
    expect(() => compareRuns(base, current, { threshold: 1.5 })).toThrow(/threshold/);
    expect(() => compareRuns(base, current, { threshold: { byOp: { matmul: -1 } } })).toThrow(/byOp/);
  });

  it('warns when machines or matrices differ and when the new run was interrupted', () => {
    const other = synthRun(currentCases(), { machine: 'linux-arm64-other-4c-8g', matrix: 'default' });
    const interrupted = { ...other, run: { ...other.run, options: { interrupted: true } } };
    const w = compareRuns(base, interrupted).warnings.join('\n');
    expect(w).toMatch(/different machines/);
    expect(w).toMatch(/matrices differ/);
    expect(w).toMatch(/interrupted/);
  });

  it('parses CLI threshold specs', () => {
    expect(parseThresholds('compare', ['5%', 'op:conv1d=10%', 'label:relu 16=0.2', 'matmul=1%', 'key:cpu|op|x|{"a":1}=2%'])).toEqual({
      default: 0.05,
      byOp: { conv1d: 0.1, matmul: 0.01 },
      byLabel: { 'relu 16': 0.2 },
      byKey: { 'cpu|op|x|{"a":1}': 0.02 },
    });
    expect(() => parseThresholds('compare', ['5'])).toThrow(/5% or a fraction/);
    expect(() => parseThresholds('compare', ['-1%'])).toThrow();
    expect(() => parseThresholds('compare', ['=5%'])).toThrow(/names no/);
  });
});

describe('the store', () => {
  it('lists runs per machine, resolves run ids, latest and paths, and loads many runs into one table', async () => {
    const results = path.join(dir, 'store');
    const a1 = synthRun(BASE_CASES, { id: '2026-11-20T10-00-00Z-aaaa', machine: 'mach-a' });
    const a2 = synthRun(currentCases(), { id: '2026-11-21T10-00-00Z-bbbb', machine: 'mach-a', createdAt: '2026-11-21T10:00:00.000Z' });
    const b1 = synthRun(BASE_CASES, { id: '2026-11-19T10-00-00Z-cccc', machine: 'mach-b' });
    for (const r of [a1, a2, b1]) await writeRunFileAtomic(runFilePath(results, r.run.machine.key, r.run.id), r);
    fs.writeFileSync(path.join(results, 'runs', 'mach-a', 'x.journal.jsonl'), '');
    expect(listMachines(results)).toEqual(['mach-a', 'mach-b']);
    expect(listRuns(results, 'mach-a').map((r) => r.runId)).toEqual([a1.run.id, a2.run.id]);
    expect(latestPerMachine(results).map((r) => `${r.machine}/${r.runId}`).sort()).toEqual([`mach-a/${a2.run.id}`, `mach-b/${b1.run.id}`]);
    expect(resolveRun('latest', { resultsDir: results, machine: 'mach-a' })).toBe(runFilePath(results, 'mach-a', a2.run.id));
    expect(resolveRun(b1.run.id, { resultsDir: results })).toBe(runFilePath(results, 'mach-b', b1.run.id));
    expect(() => resolveRun('latest', { resultsDir: results, machine: 'mach-z' })).toThrow(/no runs of machine mach-z.*machines with runs: mach-a, mach-b/);
    expect(() => resolveRun('2026-01-01T00-00-00Z-zzzz', { resultsDir: results })).toThrow(/no run 2026-01-01/);
    expect(() => resolveRun('../etc', { resultsDir: results })).toThrow();

    const files = listRuns(results).map((r) => r.file);
    const t0 = performance.now();
    const loaded = loadRuns(files);
    const ms = performance.now() - t0;
    expect(loaded.runs).toHaveLength(3);
    expect(loaded.table.numRows()).toBe(a1.records.length + a2.records.length + b1.records.length);
    expect(loaded.table.columnNames()).toEqual([...RECORD_COLUMNS]);
    const perMachine = loaded.table.groupby('machine').count().objects() as { machine: string; count: number }[];
    expect(perMachine.find((x) => x.machine === 'mach-b')?.count).toBe(b1.records.length);
    expect(ms).toBeLessThan(5000);
  });

  it('rejects a file that fails the schema, naming the file and the field (or lists it with skipInvalid)', async () => {
    const good = path.join(dir, 'good.json');
    await writeRunFileAtomic(good, synthRun(BASE_CASES));
    const badRun = JSON.parse(JSON.stringify(synthRun(BASE_CASES))) as { records: { timing: { stats: { median: unknown } } }[] };
    badRun.records[2]!.timing.stats.median = 'fast';
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify(badRun));
    expect(() => loadRuns([good, bad])).toThrow(/bad\.json: \/records\/2\/timing\/stats\/median must be number/);
    const res = loadRuns([good, bad], { skipInvalid: true });
    expect(res.runs.map((r) => r.file)).toEqual([good]);
    expect(res.rejected).toEqual([{ file: bad, message: expect.stringMatching(/median must be number/), field: '/records/2/timing/stats/median' }]);
  });

  it('pins baselines and stores ceilings that fill % of peak in memory', async () => {
    const results = path.join(dir, 'pin');
    const file = path.join(dir, 'to-pin.json');
    await writeRunFileAtomic(file, base);
    const res = await setBaseline(results, file);
    expect(res.path).toBe(path.join(results, 'baselines', `${base.run.machine.key}.json`));
    expect(res.previous).toBeUndefined();
    expect(readBaseline(results, base.run.machine.key)).toEqual(base);
    expect((await setBaseline(results, file)).previous).toBe(base.run.id);
    expect(() => readBaseline(results, 'no-such-machine')).toThrow(/no baseline for machine no-such-machine.*abw baseline set/);

    const m = synthCeilings(base.run.machine);
    writeCeilings(results, mergeCeilings(undefined, base.run.machine, 'cpu', m.ceilings.cpu!));
    const back = readCeilings(results, base.run.machine.key)!;
    expect(back.ceilings.cpu!.matmul.f32!.gflops).toBe(100);
    const filled = applyCeilings(base, back);
    const d = filled.records[0]!.derived!;
    expect(d.pctPeakFlops).toBeCloseTo(d.gflops! / 100, 12);
    expect(d.pctPeakBandwidth).toBeCloseTo(d.gbps! / 20, 12);
    expect(base.records[0]!.derived!.pctPeakFlops).toBeUndefined();
    // Another machine's ceilings are never applied.
    expect(applyCeilings(synthRun(BASE_CASES, { machine: 'elsewhere' }), back).records[0]!.derived!.pctPeakFlops).toBeUndefined();
  });
});

async function abw(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => void (out += s), err: (s) => void (err += s), progress: { write: () => true, isTTY: false } };
  const code = await main(argv, io);
  return { code, out, err };
}

describe('abw baseline / compare', () => {
  it('pins a baseline, compares, and exits 3 on regressions only when asked', async () => {
    const results = path.join(dir, 'cli');
    const baseFile = runFilePath(results, base.run.machine.key, base.run.id);
    const curFile = runFilePath(results, current.run.machine.key, current.run.id);
    await writeRunFileAtomic(baseFile, base);
    await writeRunFileAtomic(curFile, current);

    const set = await abw('baseline', 'set', base.run.id, '--out', results);
    expect(set.code).toBe(0);
    expect(set.out).toMatch(/baseline of linux-x64-test-cpu-8c-32g: run 2026-11-20T10-00-00Z-aaaa/);
    const show = await abw('baseline', 'show', '--machine', base.run.machine.key, '--out', results, '--json');
    expect(JSON.parse(show.out)).toMatchObject({ runId: base.run.id, records: BASE_CASES.length });

    const plain = await abw('compare', current.run.id, '--out', results);
    expect(plain.code).toBe(0);
    expect(plain.out).toMatch(/clear regression\s.*REGRESSION/);
    expect(plain.out).toMatch(/precision flip\s.*pass→fail\s+precision-fail/);
    expect(plain.out).toMatch(/9 cases: 1 regression, 1 improvement, 1 ambiguous, 3 same, 1 new, 1 missing, 1 unmeasured; 1 precision pass→fail, 1 broken/);

    const gated = await abw('compare', curFile, '--out', results, '--fail-on', 'regression');
    expect(gated.code).toBe(3);
    expect(gated.out).toMatch(/gate FAILED \(--fail-on regression\): 3 cases/);
    const loose = await abw('compare', curFile, '--out', results, '--fail-on', 'ambiguous', '--threshold', '5%');
    expect(loose.code).toBe(3);
    const self = await abw('compare', baseFile, '--baseline', baseFile, '--fail-on', 'regression,ambiguous,missing,precision', '--out', results);
    expect(self.code).toBe(0);
    expect(self.out).toMatch(/gate passed/);

    const json = await abw('compare', curFile, '--out', results, '--json', '--fail-on', 'precision');
    expect(json.code).toBe(3);
    const parsed = JSON.parse(json.out) as { rows: ComparisonRow[]; gate: { failed: boolean; failures: string[] } };
    expect(parsed.gate.failed).toBe(true);
    expect(parsed.gate.failures).toHaveLength(1);
    expect(parsed.rows).toHaveLength(9);

    expect((await abw('compare', curFile, '--out', results, '--fail-on', 'slower')).code).toBe(2);
    expect((await abw('compare', curFile, '--baseline', baseFile, '--machine', 'x', '--out', results)).code).toBe(2);
    const noBase = await abw('compare', curFile, '--machine', 'nowhere', '--out', results);
    expect(noBase.code).toBe(2);
    expect(noBase.err).toMatch(/no baseline for machine nowhere/);
  });
});
