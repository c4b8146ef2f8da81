/**
 * Progress of a matrix run: plain event objects from the runner, and a renderer for the CLI.
 * On a TTY the renderer keeps one updating line (bar, done/total, current case, ETA); elsewhere
 * (CI logs) it prints one line per finished case. The runner never writes to the terminal.
 */
import type { ResultRecord } from '../results/record';
import { formatLatency, formatPrecision, formatThroughput } from '../cli/summary-table';
import type { Case } from './expand';

export type ProgressEvent =
  | {
      readonly type: 'runStarted';
      readonly runId: string;
      readonly total: number;
      readonly journalPath: string;
      /** A resumed run: cases already finished in the journal (skipped). */
      readonly resumed?: number;
    }
  | { readonly type: 'caseStarted'; readonly done: number; readonly total: number; readonly case: Case }
  | {
      readonly type: 'caseFinished';
      readonly done: number;
      readonly total: number;
      /** Estimated time to the end of the run, ms (from the mean duration so far). */
      readonly etaMs: number;
      readonly record: ResultRecord;
    }
  | { readonly type: 'runFinished'; readonly total: number; readonly elapsedMs: number; readonly path: string };

/** ETA from the durations seen so far: mean of measured cases × cases left. */
export class EtaEstimator {
  private measuredMs = 0;
  private measured = 0;
  constructor(private readonly total: number) {}
  add(record: ResultRecord): void {
    // Unsupported rows take no time; counting them would make the ETA jump around.
    if (record.status === 'unsupported') return;
    this.measuredMs += record.durationMs;
    this.measured++;
  }
  eta(done: number): number {
    if (this.measured === 0) return NaN;
    return (this.measuredMs / this.measured) * Math.max(0, this.total - done);
  }
}

/** 95 s → `1m35s`; NaN → `?`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export interface ProgressStream {
  write(s: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

function caseName(c: { label: string; backend: string; dtype: string }): string {
  return `${c.label} · ${c.backend} · ${c.dtype}`;
}

export function finishedLine(done: number, total: number, r: ResultRecord): string {
  const w = String(total).length;
  const head = `[${String(done).padStart(w)}/${total}] ${caseName(r)}: ${r.status}`;
  if (r.status === 'ok') {
    const bits = [formatLatency(r), formatThroughput(r), formatPrecision(r)].filter((s) => s !== '');
    return `${head} ${bits.join(', ')}`;
  }
  if (r.status === 'unsupported') return `${head} (${r.reason ?? 'no reason given'})`;
  return `${head} ${r.error ? `${r.error.code}: ${r.error.message.split('\n')[0]}` : ''}`.trimEnd();
}

export class ProgressRenderer {
  private readonly tty: boolean;
  private lastEta = NaN;
  private done = 0;
  private total = 0;
  private lineShown = false;

  constructor(
    private readonly out: ProgressStream,
    opts: { tty?: boolean } = {},
  ) {
    this.tty = opts.tty ?? out.isTTY === true;
  }

  handle = (ev: ProgressEvent): void => {
    switch (ev.type) {
      case 'runStarted':
        this.total = ev.total;
        if (!this.tty) {
          this.out.write(
            ev.resumed !== undefined
              ? `resuming run ${ev.runId}: ${ev.resumed} of ${ev.total} cases already done\n`
              : `running ${ev.total} case${ev.total === 1 ? '' : 's'} (run ${ev.runId})\n`,
          );
        }
        break;
      case 'caseStarted':
        this.done = ev.done;
        if (this.tty) this.draw(caseName({ label: ev.case.label, backend: ev.case.backend, dtype: ev.case.dtype }));
        break;
      case 'caseFinished':
        this.done = ev.done;
        this.lastEta = ev.etaMs;
        if (this.tty) {
          // Failures scroll above the bar so that they stay visible.
          if (ev.record.status !== 'ok' && ev.record.status !== 'unsupported') {
            this.clear();
            this.out.write(`${finishedLine(ev.done, ev.total, ev.record)}\n`);
          }
          this.draw(caseName(ev.record));
        } else {
          this.out.write(`${finishedLine(ev.done, ev.total, ev.record)}\n`);
        }
        break;
      case 'runFinished':
        this.clear();
        break;
    }
  };

  /** Erase the bar (before other output). */
  clear(): void {
    if (this.tty && this.lineShown) {
      this.out.write('\r\x1b[2K');
      this.lineShown = false;
    }
  }

  private draw(current: string): void {
    const cols = Math.max(40, this.out.columns ?? 100);
    const barW = 20;
    const frac = this.total > 0 ? this.done / this.total : 0;
    const filled = Math.round(frac * barW);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(barW - filled)}]`;
    const head = `${bar} ${this.done}/${this.total}  ETA ${formatDuration(this.lastEta)}  `;
    const room = cols - 1 - [...head].length;
    const name = [...current].length > room ? `${[...current].slice(0, Math.max(0, room - 1)).join('')}…` : current;
    this.out.write(`\r\x1b[2K${head}${room > 0 ? name : ''}`);
    this.lineShown = true;
  }
}
