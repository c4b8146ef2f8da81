/**
 * Arguments shared by the results commands (baseline, compare, report): the results directory,
 * this machine's key, RUN resolution, and threshold specs (`5%`, `op:conv1d=10%`).
 */
import * as path from 'node:path';
import { machineInfo } from '../backend/machine';
import { repoResultsDir } from '../matrix/load-matrix';
import { FAIL_ON, type FailOn, type ThresholdRules } from '../results/compare';
import { resolveRun } from '../results/store';
import { UsageError } from './args';

export function resultsDirFlag(v: unknown): string {
  return path.resolve(typeof v === 'string' ? v : repoResultsDir());
}

export function thisMachine(): string {
  return machineInfo().key;
}

/** RUN (default `latest`) → a run file; `latest` is the newest run of `machine` or of this machine. */
export function runArgument(arg: string | undefined, resultsDir: string, machine: string | undefined): string {
  const a = arg ?? 'latest';
  return resolveRun(a, { resultsDir, ...(a === 'latest' ? { machine: machine ?? thisMachine() } : machine ? { machine } : {}) });
}

/** `5%` → 0.05, `0.05` → 0.05; a bare number ≥ 1 is refused as ambiguous. */
export function parseFraction(command: string, flag: string, s: string): number {
  const t = s.trim();
  const pct = t.endsWith('%');
  const num = pct ? t.slice(0, -1).trim() : t;
  const v = /^\d+(\.\d+)?([eE][-+]?\d+)?$|^\.\d+$/.test(num) ? Number(num) : NaN;
  const f = pct ? v / 100 : v;
  if (!Number.isFinite(f) || f < 0 || f >= 1) {
    throw new UsageError(`abw ${command}: --${flag} must be a percentage like 5% or a fraction in [0, 1) like 0.05, got ${JSON.stringify(s)}`);
  }
  return f;
}

/**
 * `--threshold` values, repeatable: `5%` sets the default; `op:NAME=10%`, `label:LABEL=10%`,
 * `key:KEY=2%` (or a bare `NAME=10%`, an op) set it per op, label or case key.
 */
export function parseThresholds(command: string, values: readonly string[] | undefined): ThresholdRules {
  const byOp: Record<string, number> = {};
  const byLabel: Record<string, number> = {};
  const byKey: Record<string, number> = {};
  let def: number | undefined;
  for (const v of values ?? []) {
    const eq = v.lastIndexOf('=');
    if (eq < 0) {
      def = parseFraction(command, 'threshold', v);
      continue;
    }
    const sel = v.slice(0, eq);
    const value = parseFraction(command, 'threshold', v.slice(eq + 1));
    const m = /^(op|label|key):(.+)$/s.exec(sel);
    const kind = m ? m[1] : 'op';
    const name = m ? (m[2] as string) : sel;
    if (!name) throw new UsageError(`abw ${command}: --threshold ${JSON.stringify(v)} names no op, label or key`);
    (kind === 'label' ? byLabel : kind === 'key' ? byKey : byOp)[name] = value;
  }
  return {
    ...(def !== undefined ? { default: def } : {}),
    ...(Object.keys(byOp).length ? { byOp } : {}),
    ...(Object.keys(byLabel).length ? { byLabel } : {}),
    ...(Object.keys(byKey).length ? { byKey } : {}),
  };
}

export function parseFailOn(command: string, values: readonly string[] | undefined): FailOn[] {
  const out: FailOn[] = [];
  for (const v of values ?? []) {
    if (!(FAIL_ON as readonly string[]).includes(v)) throw new UsageError(`abw ${command}: --fail-on must be one of ${FAIL_ON.join(', ')}, got ${JSON.stringify(v)}`);
    out.push(v as FailOn);
  }
  return out;
}

/** Left-aligned text columns (numbers right-aligned when `right` says so). */
export function textTable(head: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number> = new Set()): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (right.has(i) ? c.padStart(w[i] as number) : c.padEnd(w[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}

/** A result-file string made safe for a terminal: control characters (escape sequences) shown as \xNN. */
export function termSafe(s: string, max = 80): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const n = c.charCodeAt(0);
    return n > 0xff ? `\\u${n.toString(16).padStart(4, '0')}` : `\\x${n.toString(16).padStart(2, '0')}`;
  });
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
