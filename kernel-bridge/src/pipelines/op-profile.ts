/**
 * Where a pipeline run's time goes: each op waited for on its own and timed on the host, summed
 * by op and dtype. A profiled run is slower than a timed one (every op ends in a wait), so it
 * answers "which ops", not "how fast"; the gap between the run's wall time and the ops' sum is
 * the host's share (host stages, uploads, downloads, dispatch).
 */
export interface OpProfileEntry {
  readonly op: string;
  readonly dtype: string;
  readonly calls: number;
  readonly totalMs: number;
  /** Share of the ops' summed time, 0–1. */
  readonly share: number;
}

export interface OpProfile {
  readonly wallMs: number;
  readonly opsMs: number;
  /** Heaviest first. */
  readonly entries: readonly OpProfileEntry[];
}

export class OpProfiler {
  private readonly totals = new Map<string, { op: string; dtype: string; calls: number; ns: number }>();
  private readonly started = process.hrtime.bigint();

  add(op: string, dtype: string, ns: number): void {
    const key = `${op}\u0000${dtype}`;
    const t = this.totals.get(key) ?? { op, dtype, calls: 0, ns: 0 };
    t.calls++;
    t.ns += ns;
    this.totals.set(key, t);
  }

  finish(): OpProfile {
    return summarizeProfile([...this.totals.values()], Number(process.hrtime.bigint() - this.started));
  }
}

/** Pure: totals in ns → entries in ms, heaviest first, with shares of the ops' sum. */
export function summarizeProfile(totals: readonly { op: string; dtype: string; calls: number; ns: number }[], wallNs: number): OpProfile {
  const opsNs = totals.reduce((s, t) => s + t.ns, 0);
  const entries = totals
    .map((t) => ({ op: t.op, dtype: t.dtype, calls: t.calls, totalMs: t.ns / 1e6, share: opsNs > 0 ? t.ns / opsNs : 0 }))
    .sort((a, b) => b.totalMs - a.totalMs || a.op.localeCompare(b.op));
  return { wallMs: wallNs / 1e6, opsMs: opsNs / 1e6, entries };
}

/** A few lines for a console: the heaviest `top` ops and the host's share. */
export function formatProfile(p: OpProfile, top = 12): string {
  const lines = [`  profiled run: ${p.wallMs.toFixed(1)} ms wall, ${p.opsMs.toFixed(1)} ms in ops, ${(p.wallMs - p.opsMs).toFixed(1)} ms between ops (host)`];
  for (const e of p.entries.slice(0, top)) {
    lines.push(`    ${e.op.padEnd(20)} ${e.dtype.padEnd(5)} ${String(e.calls).padStart(6)} calls ${e.totalMs.toFixed(2).padStart(10)} ms ${(100 * e.share).toFixed(1).padStart(5)} %`);
  }
  return lines.join('\n');
}
