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

/** One op with one call signature (input shapes and the params that change its cost). */
export interface OpSignatureEntry extends OpProfileEntry {
  readonly signature: string;
}

export interface OpProfile {
  readonly wallMs: number;
  readonly opsMs: number;
  /** Heaviest first. */
  readonly entries: readonly OpProfileEntry[];
  /** The same time split by call signature, heaviest first: which shapes of an op cost most. */
  readonly signatures: readonly OpSignatureEntry[];
}

interface Total {
  op: string;
  dtype: string;
  calls: number;
  ns: number;
}

export class OpProfiler {
  private readonly totals = new Map<string, Total>();
  private readonly bySignature = new Map<string, Total & { signature: string }>();
  private readonly started = process.hrtime.bigint();

  add(op: string, dtype: string, ns: number, signature = ''): void {
    tally(this.totals, `${op}\u0000${dtype}`, { op, dtype }, ns);
    tally(this.bySignature, `${op}\u0000${dtype}\u0000${signature}`, { op, dtype, signature }, ns);
  }

  finish(): OpProfile {
    return summarizeProfile([...this.totals.values()], Number(process.hrtime.bigint() - this.started), [...this.bySignature.values()]);
  }
}

function tally<T extends Total>(m: Map<string, T>, key: string, init: Omit<T, 'calls' | 'ns'>, ns: number): void {
  const t = m.get(key) ?? ({ ...init, calls: 0, ns: 0 } as T);
  t.calls++;
  t.ns += ns;
  m.set(key, t);
}

/**
 * The signature of an op call for the profile: input shapes, then the scalar and small-array
 * params (stride, padding, groups, …), e.g. `[1,128,256,1024] [128,128,3,3] padding=1,1`.
 */
export function callSignature(shapes: readonly (readonly number[] | null)[], params: Readonly<Record<string, unknown>>): string {
  const parts = shapes.map((s) => (s ? `[${s.join(',')}]` : '-'));
  for (const [k, v] of Object.entries(params).sort(([a], [b]) => a.localeCompare(b))) {
    if (typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= 16)) parts.push(`${k}=${v}`);
    else if (Array.isArray(v) && v.length <= 8 && v.every((e) => typeof e === 'number')) parts.push(`${k}=${v.join(',')}`);
  }
  return parts.join(' ');
}

/** Pure: totals in ns → entries in ms, heaviest first, with shares of the ops' sum. */
export function summarizeProfile(totals: readonly Total[], wallNs: number, signatures: readonly (Total & { signature: string })[] = []): OpProfile {
  const opsNs = totals.reduce((s, t) => s + t.ns, 0);
  const entry = (t: Total) => ({ op: t.op, dtype: t.dtype, calls: t.calls, totalMs: t.ns / 1e6, share: opsNs > 0 ? t.ns / opsNs : 0 });
  const heaviest = (a: OpProfileEntry, b: OpProfileEntry) => b.totalMs - a.totalMs || a.op.localeCompare(b.op);
  return {
    wallMs: wallNs / 1e6,
    opsMs: opsNs / 1e6,
    entries: totals.map(entry).sort(heaviest),
    signatures: signatures.map((t) => ({ ...entry(t), signature: t.signature })).sort(heaviest),
  };
}

/** A few lines for a console: the heaviest `top` ops, the heaviest `topSignatures` call signatures, the host's share. */
export function formatProfile(p: OpProfile, top = 12, topSignatures = 10): string {
  const lines = [`  profiled run: ${p.wallMs.toFixed(1)} ms wall, ${p.opsMs.toFixed(1)} ms in ops, ${(p.wallMs - p.opsMs).toFixed(1)} ms between ops (host)`];
  const line = (e: OpProfileEntry) => `    ${e.op.padEnd(20)} ${e.dtype.padEnd(5)} ${String(e.calls).padStart(6)} calls ${e.totalMs.toFixed(2).padStart(10)} ms ${(100 * e.share).toFixed(1).padStart(5)} %`;
  for (const e of p.entries.slice(0, top)) lines.push(line(e));
  if (p.signatures.length > 0 && topSignatures > 0) {
    lines.push('  heaviest call signatures:');
    for (const e of p.signatures.slice(0, topSignatures)) lines.push(`${line(e)}  ${e.signature}`);
  }
  return lines.join('\n');
}
