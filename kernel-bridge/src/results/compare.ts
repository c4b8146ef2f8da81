/**
 * Baseline comparison (DESIGN.md "Baseline comparison"; docs/comparison.md). Pure: two runs in,
 * one row per case key out.
 *
 * Per case measured on both sides: ratio = median(new) / median(base) of the per-call times,
 * a seeded percentile-bootstrap 95% CI of that ratio, and a two-sided Mann–Whitney U test on the
 * raw samples. A change is a regression (slower) or an improvement (faster) only when BOTH
 *   - the CI lies beyond the threshold: low > 1 + t (slower) or high < 1 − t (faster), and
 *   - p < alpha (default 0.01);
 * `ambiguous` when exactly one holds, `same` when neither does. Cases only in the new run are
 * `new`, only in the baseline `missing`, and cases without timings on one side `unmeasured`.
 *
 * Correctness is judged apart from speed and always flagged: a case whose precision passed in
 * the baseline and fails now (`precision-fail`), and a case that ran and now errors, times out,
 * runs out of memory or crashes (`broken`), are regressions whatever the timings say.
 */
import { hash32 } from '../matrix/case-key';
import { bootstrapRatioCI } from '../measure/bootstrap';
import { mannWhitneyU } from '../measure/mann-whitney';
import type { CaseStatus, PrecisionVerdict, ResultRecord, RunFile } from './record';

export const DEFAULT_THRESHOLD = 0.05;
export const DEFAULT_ALPHA = 0.01;
export const DEFAULT_LEVEL = 0.95;
export const DEFAULT_RESAMPLES = 2000;

export type TimeVerdict = 'regression' | 'improvement' | 'ambiguous' | 'same' | 'new' | 'missing' | 'unmeasured';
export const TIME_VERDICTS: readonly TimeVerdict[] = ['regression', 'improvement', 'ambiguous', 'same', 'new', 'missing', 'unmeasured'];

export type PrecisionChange = 'newly-failing' | 'fixed' | 'still-failing' | 'unchanged' | 'n/a';

export type CompareFlag =
  /** precision passed in the baseline and fails now */
  | 'precision-fail'
  /** measured in the baseline; error / timeout / oom / crash now */
  | 'broken'
  /** ran in the baseline; the backend reports it unsupported now */
  | 'now-unsupported'
  /** hot / cold / graph differ: the times are not like for like */
  | 'mode-changed'
  /** a side did not meet its noise target: read its CI */
  | 'not-converged';

/** Relative thresholds (0.05 = 5%): the most specific match wins (key, then label, then op). */
export interface ThresholdRules {
  readonly default?: number;
  readonly byOp?: Readonly<Record<string, number>>;
  readonly byLabel?: Readonly<Record<string, number>>;
  readonly byKey?: Readonly<Record<string, number>>;
}

export interface CompareOptions {
  readonly threshold?: number | ThresholdRules;
  /** Significance level of the U test, default 0.01. */
  readonly alpha?: number;
  /** Confidence level of the ratio CI, default 0.95. */
  readonly level?: number;
  readonly resamples?: number;
  /** Bootstrap seed; each case mixes in its key so rows are independent and reproducible. */
  readonly seed?: number;
}

/** One side of a row: what the record said, without the raw samples. */
export interface CompareSide {
  readonly status: CaseStatus;
  readonly medianNs?: number;
  readonly ciLowNs?: number;
  readonly ciHighNs?: number;
  readonly samples?: number;
  readonly converged?: boolean;
  readonly mode?: string;
  readonly precision?: PrecisionVerdict;
  /** Worst error over tolerance against FP64 (≤ 1 passes). */
  readonly worstRatio?: number;
}

export interface ComparisonRow {
  readonly key: string;
  readonly kind: ResultRecord['kind'];
  readonly op: string;
  readonly backend: string;
  readonly dtype: ResultRecord['dtype'];
  readonly label: string;
  readonly params: ResultRecord['params'];
  readonly shapes: ResultRecord['shapes'];
  readonly verdict: TimeVerdict;
  /** Which way the point estimate moved (for ambiguous rows especially). */
  readonly direction?: 'slower' | 'faster';
  readonly base?: CompareSide;
  readonly current?: CompareSide;
  /** median(new) / median(base). */
  readonly ratio?: number;
  readonly ratioLow?: number;
  readonly ratioHigh?: number;
  /** Two-sided Mann–Whitney p value. */
  readonly p?: number;
  readonly threshold: number;
  /** The CI lies beyond 1 ± threshold. */
  readonly ciBeyond?: boolean;
  /** p < alpha. */
  readonly significant?: boolean;
  readonly precisionChange: PrecisionChange;
  /** `ok→error` when the status changed. */
  readonly statusChange?: string;
  readonly flags: readonly CompareFlag[];
  /** Gates `--fail-on regression`: a timing regression, a precision flip or a broken case. */
  readonly regressed: boolean;
  readonly note?: string;
}

export interface RunRef {
  readonly runId: string;
  readonly machine: string;
  readonly createdAt: string;
  readonly matrix: string;
  readonly gitCommit?: string;
}

export interface Comparison {
  readonly base: RunRef;
  readonly current: RunRef;
  readonly alpha: number;
  readonly level: number;
  readonly threshold: ThresholdRules;
  readonly rows: readonly ComparisonRow[];
  readonly counts: Readonly<Record<TimeVerdict, number>>;
  readonly precisionFlips: number;
  readonly broken: number;
  readonly regressed: number;
  readonly warnings: readonly string[];
}

const BROKEN: ReadonlySet<CaseStatus> = new Set(['error', 'timeout', 'oom', 'crash']);

function checkFraction(field: string, v: number, lo: number, hi: number): number {
  if (!(typeof v === 'number' && Number.isFinite(v) && v >= lo && v < hi)) {
    throw new RangeError(`${field}: must be a number in [${lo}, ${hi}), got ${String(v)}`);
  }
  return v;
}

export function normalizeThresholds(t: number | ThresholdRules | undefined): ThresholdRules {
  const rules: ThresholdRules = typeof t === 'number' ? { default: t } : (t ?? {});
  const check = (field: string, m: Readonly<Record<string, number>> | undefined) => {
    if (m) for (const [k, v] of Object.entries(m)) checkFraction(`${field}[${JSON.stringify(k)}]`, v, 0, 1);
  };
  checkFraction('threshold', rules.default ?? DEFAULT_THRESHOLD, 0, 1);
  check('threshold.byOp', rules.byOp);
  check('threshold.byLabel', rules.byLabel);
  check('threshold.byKey', rules.byKey);
  return { ...rules, default: rules.default ?? DEFAULT_THRESHOLD };
}

function own(m: Readonly<Record<string, number>> | undefined, k: string): number | undefined {
  return m && Object.prototype.hasOwnProperty.call(m, k) ? m[k] : undefined;
}

/** The threshold of a case: by key, else label, else op, else the default. */
export function thresholdFor(rules: ThresholdRules, r: Pick<ResultRecord, 'key' | 'label' | 'op'>): number {
  return own(rules.byKey, r.key) ?? own(rules.byLabel, r.label) ?? own(rules.byOp, r.op) ?? rules.default ?? DEFAULT_THRESHOLD;
}

/**
 * The timing verdict from the ratio CI and the U test (the rule of DESIGN.md), for cases
 * measured on both sides.
 */
export function timeVerdict(
  ci: { readonly low: number; readonly high: number },
  p: number,
  threshold: number,
  alpha: number = DEFAULT_ALPHA,
): { verdict: 'regression' | 'improvement' | 'ambiguous' | 'same'; ciBeyond: boolean; significant: boolean } {
  const slower = ci.low > 1 + threshold;
  const faster = ci.high < 1 - threshold;
  const ciBeyond = slower || faster;
  const significant = p < alpha;
  if (ciBeyond && significant) return { verdict: slower ? 'regression' : 'improvement', ciBeyond, significant };
  if (ciBeyond || significant) return { verdict: 'ambiguous', ciBeyond, significant };
  return { verdict: 'same', ciBeyond, significant };
}

export function precisionChange(base: PrecisionVerdict | undefined, now: PrecisionVerdict | undefined): PrecisionChange {
  if ((base !== 'pass' && base !== 'fail') || (now !== 'pass' && now !== 'fail')) return 'n/a';
  if (base === 'pass') return now === 'fail' ? 'newly-failing' : 'unchanged';
  return now === 'pass' ? 'fixed' : 'still-failing';
}

function side(r: ResultRecord): CompareSide {
  const st = r.timing?.stats;
  const worst = r.precision?.vsFp64.reduce((m, e) => Math.max(m, e.worstRatio), 0);
  return {
    status: r.status,
    ...(st ? { medianNs: st.median, ciLowNs: st.ciLow, ciHighNs: st.ciHigh, samples: st.n } : {}),
    ...(r.timing ? { converged: r.timing.converged, mode: r.timing.mode } : {}),
    ...(r.precision ? { precision: r.precision.verdict } : {}),
    ...(worst !== undefined && r.precision && r.precision.vsFp64.length > 0 ? { worstRatio: worst } : {}),
  };
}

function identity(r: ResultRecord) {
  return { key: r.key, kind: r.kind, op: r.op, backend: r.backend, dtype: r.dtype, label: r.label, params: r.params, shapes: r.shapes };
}

function runRef(run: RunFile): RunRef {
  return {
    runId: run.run.id,
    machine: run.run.machine.key,
    createdAt: run.run.createdAt,
    matrix: run.run.matrix.name,
    ...(run.run.machine.gitCommit ? { gitCommit: run.run.machine.gitCommit } : {}),
  };
}

/** Records by key; later duplicates (a malformed file) are reported and ignored. */
function byKey(run: RunFile, which: string, warnings: string[]): Map<string, ResultRecord> {
  const m = new Map<string, ResultRecord>();
  let dup = 0;
  for (const r of run.records) {
    if (m.has(r.key)) dup++;
    else m.set(r.key, r);
  }
  if (dup > 0) warnings.push(`${which} run ${run.run.id} has ${dup} duplicate case key${dup === 1 ? '' : 's'}; the first record of each is used`);
  return m;
}

function timed(r: ResultRecord): boolean {
  return r.status === 'ok' && !!r.timing && r.timing.samplesNs.length > 0 && r.timing.stats.median > 0;
}

function compareCase(base: ResultRecord, cur: ResultRecord, rules: ThresholdRules, o: Required<Omit<CompareOptions, 'threshold'>>): ComparisonRow {
  const threshold = thresholdFor(rules, cur);
  const pc = precisionChange(base.precision?.verdict, cur.precision?.verdict);
  const flags: CompareFlag[] = [];
  if (pc === 'newly-failing') flags.push('precision-fail');
  const statusChange = base.status !== cur.status ? `${base.status}→${cur.status}` : undefined;
  if (base.status !== cur.status && BROKEN.has(cur.status) && !BROKEN.has(base.status)) flags.push('broken');
  if (base.status === 'ok' && cur.status === 'unsupported') flags.push('now-unsupported');
  const common = {
    ...identity(cur),
    base: side(base),
    current: side(cur),
    threshold,
    precisionChange: pc,
    ...(statusChange ? { statusChange } : {}),
  };
  if (!timed(base) || !timed(cur)) {
    const correctness = flags.includes('precision-fail') || flags.includes('broken');
    const note = !timed(base) && !timed(cur) ? 'no timings on either side' : !timed(base) ? 'no timings in the baseline' : 'no timings in the new run';
    return { ...common, verdict: 'unmeasured', flags, regressed: correctness, note };
  }
  const bt = base.timing!;
  const ct = cur.timing!;
  if (bt.mode !== ct.mode) flags.push('mode-changed');
  if (!bt.converged || !ct.converged) flags.push('not-converged');
  const seed = (o.seed ^ hash32(cur.key)) >>> 0;
  const ci = bootstrapRatioCI(ct.samplesNs, bt.samplesNs, { level: o.level, resamples: o.resamples, seed });
  const u = mannWhitneyU(ct.samplesNs, bt.samplesNs);
  if (![ci.estimate, ci.low, ci.high].every(Number.isFinite)) {
    // Medians apart by more than the double range (a hostile or broken file): no verdict.
    return { ...common, verdict: 'unmeasured', flags, regressed: flags.includes('precision-fail') || flags.includes('broken'), note: 'the ratio of medians is out of range' };
  }
  const v = timeVerdict(ci, u.p, threshold, o.alpha);
  const regressed = v.verdict === 'regression' || flags.includes('precision-fail') || flags.includes('broken');
  return {
    ...common,
    verdict: v.verdict,
    ...(ci.estimate !== 1 ? { direction: ci.estimate > 1 ? ('slower' as const) : ('faster' as const) } : {}),
    ratio: ci.estimate,
    ratioLow: ci.low,
    ratioHigh: ci.high,
    p: u.p,
    ciBeyond: v.ciBeyond,
    significant: v.significant,
    flags,
    regressed,
  };
}

/** Compares `current` against `base`, joined by case key. */
export function compareRuns(base: RunFile, current: RunFile, options: CompareOptions = {}): Comparison {
  const rules = normalizeThresholds(options.threshold);
  const o = {
    alpha: checkFraction('alpha', options.alpha ?? DEFAULT_ALPHA, Number.MIN_VALUE, 1),
    level: checkFraction('level', options.level ?? DEFAULT_LEVEL, Number.MIN_VALUE, 1),
    resamples: options.resamples ?? DEFAULT_RESAMPLES,
    seed: options.seed ?? 1,
  };
  const warnings: string[] = [];
  if (base.run.machine.key !== current.run.machine.key) {
    warnings.push(`the runs are from different machines (baseline ${base.run.machine.key}, new ${current.run.machine.key}): ratios compare machines, not code`);
  }
  if (base.run.matrix.hash !== current.run.matrix.hash || base.run.matrix.name !== current.run.matrix.name) {
    warnings.push(`the matrices differ (baseline ${base.run.matrix.name}@${base.run.matrix.hash}, new ${current.run.matrix.name}@${current.run.matrix.hash}): cases only on one side are new / missing`);
  }
  if (current.run.options.interrupted === true) warnings.push('the new run was interrupted: its missing cases were not run');
  const bmap = byKey(base, 'the baseline', warnings);
  const cmap = byKey(current, 'the new', warnings);
  const rows: ComparisonRow[] = [];
  for (const [key, cur] of cmap) {
    const b = bmap.get(key);
    if (b) {
      rows.push(compareCase(b, cur, rules, o));
    } else {
      rows.push({ ...identity(cur), current: side(cur), verdict: 'new', threshold: thresholdFor(rules, cur), precisionChange: 'n/a', flags: [], regressed: false });
    }
  }
  for (const [key, b] of bmap) {
    if (cmap.has(key)) continue;
    rows.push({ ...identity(b), base: side(b), verdict: 'missing', threshold: thresholdFor(rules, b), precisionChange: 'n/a', flags: [], regressed: false });
  }
  const counts = Object.fromEntries(TIME_VERDICTS.map((v) => [v, 0])) as Record<TimeVerdict, number>;
  for (const r of rows) counts[r.verdict]++;
  return {
    base: runRef(base),
    current: runRef(current),
    alpha: o.alpha,
    level: o.level,
    threshold: rules,
    rows,
    counts,
    precisionFlips: rows.filter((r) => r.flags.includes('precision-fail')).length,
    broken: rows.filter((r) => r.flags.includes('broken')).length,
    regressed: rows.filter((r) => r.regressed).length,
    warnings,
  };
}

/** What `--fail-on` can gate on. */
export type FailOn = 'regression' | 'ambiguous' | 'missing' | 'precision';
export const FAIL_ON: readonly FailOn[] = ['regression', 'ambiguous', 'missing', 'precision'];

/**
 * Rows that fail the gate. `regression`: timing regressions, precision flips and broken cases;
 * `precision`: precision flips only; `ambiguous`: ambiguous rows that got slower; `missing`:
 * cases missing from the new run or without timings there.
 */
export function gateFailures(c: Comparison, failOn: readonly FailOn[]): ComparisonRow[] {
  const on = new Set(failOn);
  return c.rows.filter(
    (r) =>
      (on.has('regression') && r.regressed) ||
      (on.has('precision') && r.flags.includes('precision-fail')) ||
      (on.has('ambiguous') && r.verdict === 'ambiguous' && r.direction === 'slower') ||
      (on.has('missing') && (r.verdict === 'missing' || (r.verdict === 'unmeasured' && r.current?.status !== 'ok'))),
  );
}
