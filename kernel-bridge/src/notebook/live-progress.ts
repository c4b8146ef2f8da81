/**
 * Live progress of a matrix run in a notebook: ONE output updated in place (tslab's
 * `newDisplay()`, i.e. Jupyter `update_display_data`) showing a bar, cases done / total, the
 * case running now, the ETA and the failures so far — not a line per case. Updates are
 * throttled (a quick case takes milliseconds; the front end need not redraw that often), and the
 * last state is always sent, so the saved notebook ends with the final line.
 * Outside a kernel it falls back to the CLI's line-per-case renderer on stdout.
 */
import { escapeHtml } from '../report/html';
import { formatDuration, ProgressRenderer, type ProgressEvent } from '../matrix/progress';
import { displayTarget, type DisplayOutput } from './display-target';

export interface ProgressState {
  readonly total: number;
  readonly done: number;
  /** `label · backend · dtype` of the case running now. */
  readonly current?: string;
  readonly etaMs: number;
  readonly elapsedMs: number;
  /** Cases that ended in error / timeout / oom / crash, and precision failures. */
  readonly failed: number;
  readonly unsupported: number;
  readonly finished: boolean;
  readonly runId?: string;
  readonly path?: string;
}

export function progressHtml(s: ProgressState): string {
  const pct = s.total > 0 ? Math.round((100 * s.done) / s.total) : 0;
  const head = s.finished
    ? `done: ${s.done}/${s.total} cases in ${formatDuration(s.elapsedMs)}`
    : `${s.done}/${s.total} cases · ETA ${formatDuration(s.etaMs)} · elapsed ${formatDuration(s.elapsedMs)}`;
  const extra = [s.failed ? `${s.failed} failed` : '', s.unsupported ? `${s.unsupported} unsupported` : ''].filter(Boolean).join(' · ');
  const current = !s.finished && s.current ? `<div style="color:#555">running: ${escapeHtml(s.current)}</div>` : '';
  const where = s.finished && s.path ? `<div style="color:#555">written: ${escapeHtml(s.path)}</div>` : '';
  return (
    `<div class="abw-progress" data-done="${s.done}" data-total="${s.total}" data-finished="${s.finished}" style="font:13px/1.5 system-ui,sans-serif;max-width:640px">` +
    `<div style="background:#e6e6e6;border-radius:3px;height:10px;overflow:hidden"><div style="background:${s.failed ? '#d62728' : '#1f77b4'};width:${pct}%;height:10px"></div></div>` +
    `<div>${escapeHtml(head)}${extra ? ` · ${escapeHtml(extra)}` : ''}</div>${current}${where}</div>`
  );
}

export function progressText(s: ProgressState): string {
  const head = s.finished ? `done: ${s.done}/${s.total} cases in ${formatDuration(s.elapsedMs)}` : `${s.done}/${s.total} cases, ETA ${formatDuration(s.etaMs)}`;
  return `${head}${s.failed ? `, ${s.failed} failed` : ''}${s.current && !s.finished ? ` — running ${s.current}` : ''}`;
}

export interface LiveProgressOptions {
  /** Fewest milliseconds between two redraws (default 250). */
  readonly minIntervalMs?: number;
  /** The output to draw into (tests); default a new in-place output of the kernel. */
  readonly output?: DisplayOutput;
}

/** A progress listener for `runMatrix({ onProgress })` that draws into one live output. */
export class LiveProgress {
  private state: ProgressState = { total: 0, done: 0, etaMs: NaN, elapsedMs: 0, failed: 0, unsupported: 0, finished: false };
  private readonly out: DisplayOutput | undefined;
  private readonly fallback: ProgressRenderer | undefined;
  private readonly minInterval: number;
  private lastDraw = -Infinity;
  private t0 = performance.now();

  constructor(options: LiveProgressOptions = {}) {
    this.out = options.output ?? displayTarget()?.newDisplay();
    this.minInterval = options.minIntervalMs ?? 250;
    this.fallback = this.out ? undefined : new ProgressRenderer(process.stdout, { tty: false });
  }

  /** The latest state (what the output shows). */
  get current(): ProgressState {
    return this.state;
  }

  readonly handle = (ev: ProgressEvent): void => {
    this.fallback?.handle(ev);
    const s = this.state;
    const elapsedMs = performance.now() - this.t0;
    switch (ev.type) {
      case 'runStarted':
        this.t0 = performance.now();
        this.state = { ...s, total: ev.total, done: ev.resumed ?? 0, runId: ev.runId, elapsedMs: 0 };
        return this.draw(true);
      case 'caseStarted':
        this.state = { ...s, done: ev.done, total: ev.total, current: `${ev.case.label} · ${ev.case.backend} · ${ev.case.dtype}`, elapsedMs };
        return this.draw(false);
      case 'caseFinished': {
        const r = ev.record;
        const failed = r.status !== 'ok' && r.status !== 'unsupported' ? 1 : r.precision?.verdict === 'fail' ? 1 : 0;
        this.state = { ...s, done: ev.done, total: ev.total, etaMs: ev.etaMs, elapsedMs, failed: s.failed + failed, unsupported: s.unsupported + (r.status === 'unsupported' ? 1 : 0) };
        return this.draw(false);
      }
      case 'runFinished':
        this.state = { ...s, done: s.total, finished: true, elapsedMs: ev.elapsedMs, path: ev.path, etaMs: 0 };
        return this.draw(true);
    }
  };

  private draw(force: boolean): void {
    if (!this.out) return;
    const now = performance.now();
    if (!force && now - this.lastDraw < this.minInterval) return;
    this.lastDraw = now;
    this.out.raw('text/html', progressHtml(this.state));
  }
}
