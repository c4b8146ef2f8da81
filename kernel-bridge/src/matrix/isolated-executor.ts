/**
 * Isolated execution: each backend's cases run in a child `node` process (case-worker.ts,
 * started with child_process.fork), reused from case to case. The parent sends a case and gets
 * a ResultRecord back over IPC. When the child dies instead (a signal, an abort, the OOM
 * killer) or does not answer within the case's timeout (it is killed), the case is recorded as
 * `crash`, `oom` or `timeout` with a message and the last lines of the child's stderr; the
 * next case gets a fresh child. The parent (the CLI, a notebook kernel) never runs a kernel.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { AbwError } from '../errors';
import { getOp } from '../ops/catalogue';
import { planCall } from '../ops/plan-call';
import type { CaseStatus, ResultRecord } from '../results/record';
import { recordBase } from './executor';
import { resolvePipelineCase } from './pipeline-case';
import type { Case } from './expand';
import type { MeasureSettings } from './spec';
import type { ParentMessage, WorkerMessage } from './case-worker';

/** Timeouts never go below this (process start, oracle, warm-up on a slow shared CI core). */
export const MIN_CASE_TIMEOUT_MS = 30_000;
/** Conservative rates for the timeout estimate: the FP64 oracle's plain loops on one slow core. */
const CONSERVATIVE_FLOPS_PER_S = 1e8;
const CONSERVATIVE_BYTES_PER_S = 2e8;
/** Calls of the op one case makes besides the timed loop: oracle, fp32, first run, warm-up, min samples. */
const CALLS_PER_CASE = 20;
/** measure/ defaults, for the estimate when the matrix leaves them out. */
const DEFAULT_BUDGET_MS = 3000;
const DEFAULT_WARMUP_MS = 100;
/** How long a fresh worker may take to load (modules, the native addon). */
const WORKER_START_TIMEOUT_MS = 60_000;
/** Last lines of stderr kept with a crash (and a byte cap below the schema's 64 Ki characters). */
export const STDERR_TAIL_LINES = 50;
export const STDERR_TAIL_CHARS = 60_000;
const MESSAGE_MAX_CHARS = 16_000;
/** A worker whose native allocator holds more than this after a case (a leak) is replaced. */
export const DEFAULT_RECYCLE_ABOVE_BYTES = 1024 * 2 ** 20;

/**
 * The default timeout of a case: a floor, plus three times its measurement budget and warm-up,
 * plus CALLS_PER_CASE calls at a conservative rate from the plan's flops and bytes.
 */
export function defaultCaseTimeoutMs(c: Case, measureOverride: MeasureSettings = {}): number {
  const m = { ...c.measure, ...measureOverride };
  let flops = 0;
  let bytes = 0;
  try {
    if (c.kind === 'pipeline') {
      // Counted like an op's calls: the oracle's run, the FP32 one, the candidate's, warm-up, samples.
      flops = resolvePipelineCase(c.op, c.params).flops;
    } else {
      const planned = planCall(getOp(c.op), c.shapes, c.params);
      flops = planned.plan.flops;
      for (const s of [...c.shapes, ...planned.plan.outputs]) if (s) bytes += s.reduce((a, d) => a * d, 1) * 8;
    }
  } catch {
    // Unplannable: the case fails fast with a clean error; the floor is plenty.
  }
  const perCallMs = (flops / CONSERVATIVE_FLOPS_PER_S + bytes / CONSERVATIVE_BYTES_PER_S) * 1000;
  const budget = (m.budgetMs ?? DEFAULT_BUDGET_MS) + (m.warmupMs ?? DEFAULT_WARMUP_MS);
  return Math.ceil(MIN_CASE_TIMEOUT_MS + 3 * budget + CALLS_PER_CASE * perCallMs);
}

/** The timeout of case `c`: the run's override, else the matrix case's, else the default. */
export function caseTimeoutMs(c: Case, override?: number, measureOverride?: MeasureSettings): number {
  return override ?? c.timeoutMs ?? defaultCaseTimeoutMs(c, measureOverride);
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** We killed it because the case ran past its timeout. */
  readonly timedOut: boolean;
  readonly timeoutMs?: number;
  readonly stderr: string;
  readonly pid?: number;
}

const OOM_PATTERNS = [
  /JavaScript heap out of memory/i,
  /std::bad_alloc/,
  /\bout of memory\b/i,
  /Cannot allocate memory/i,
  /\bENOMEM\b/,
  /AddressSanitizer: (?:out of memory|allocator is out of memory|requested allocation size)/,
];

const SIGNAL_WORDS: Partial<Record<NodeJS.Signals, string>> = {
  SIGSEGV: 'segmentation fault',
  SIGBUS: 'bus error',
  SIGILL: 'illegal instruction',
  SIGFPE: 'arithmetic exception',
  SIGABRT: 'aborted',
  SIGTRAP: 'trap',
  SIGTERM: 'terminated',
};

/** How a worker's death reads in a record: status, error code and message. */
export function classifyExit(x: ExitInfo): { status: Extract<CaseStatus, 'timeout' | 'oom' | 'crash'>; code: string; message: string } {
  const who = `the case's worker process${x.pid !== undefined ? ` (pid ${x.pid})` : ''}`;
  if (x.timedOut) {
    return {
      status: 'timeout',
      code: 'ABW_ETIMEOUT',
      message: `no result within the case timeout of ${x.timeoutMs ?? '?'} ms; ${who} was killed (raise it with --case-timeout-ms or the case's "timeoutMs")`,
    };
  }
  const how = x.signal ? `was killed by ${x.signal}${SIGNAL_WORDS[x.signal] ? ` (${SIGNAL_WORDS[x.signal]})` : ''}` : `exited with code ${x.code ?? '?'}`;
  if (OOM_PATTERNS.some((re) => re.test(x.stderr))) {
    return { status: 'oom', code: 'ABW_ENOMEM', message: `out of memory: ${who} ${how}; see stderr` };
  }
  if (x.signal === 'SIGKILL') {
    return {
      status: 'oom',
      code: 'ABW_ENOMEM',
      message: `${who} ${how} without a timeout: on Linux that is usually the kernel's OOM killer (see \`dmesg\`)`,
    };
  }
  return { status: 'crash', code: 'ABW_ECRASH', message: `${who} ${how} while running the case` };
}

/** The last `lines` lines of `text`, at most `chars` characters (cut at the front). */
export function tail(text: string, lines = STDERR_TAIL_LINES, chars = STDERR_TAIL_CHARS): string {
  const parts = text.split('\n');
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  let out = parts.slice(-lines).join('\n');
  if (out.length > chars) out = `…${out.slice(out.length - chars + 1)}`;
  return out;
}

/** The compiled worker entry: dist/matrix/case-worker.js beside this file, or from src/ (tests). */
export function workerEntry(): string {
  const candidates = [path.join(__dirname, 'case-worker.js'), path.resolve(__dirname, '..', '..', 'dist', 'matrix', 'case-worker.js')];
  for (const f of candidates) if (fs.existsSync(f)) return f;
  throw new AbwError(
    'ABW_EIO',
    `the case worker is not built (looked for ${candidates.join(', ')}); run \`npm run build:ts\`, or run without isolation (--no-isolate)`,
  );
}

export interface IsolationOptions {
  /** Overrides every case's timeout, ms. */
  readonly caseTimeoutMs?: number;
  /** node flags for workers, e.g. ['--max-old-space-size=4096']. */
  readonly execArgv?: readonly string[];
  /** Extra environment for workers (over this process's). */
  readonly env?: Readonly<Record<string, string>>;
  /** Replace a worker whose native allocator holds more than this after a case. */
  readonly recycleAboveBytes?: number;
  /** The worker script (tests); default workerEntry(). */
  readonly workerPath?: string;
  /** Worker lifecycle, for tests and debugging. */
  readonly onWorker?: (ev: { type: 'started' | 'exited'; backend: string; pid: number; code?: number | null; signal?: string | null }) => void;
}

interface Pending {
  readonly id: number;
  resolve(msg: Extract<WorkerMessage, { type: 'result' }>): void;
  reject(x: ExitInfo): void;
}

class Worker {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  stderr = '';
  exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  pending: Pending | undefined;
  killedForTimeout = false;
  closed = false;
  private onExitWaiters: (() => void)[] = [];

  constructor(
    readonly backend: string,
    script: string,
    opts: IsolationOptions,
  ) {
    const env: NodeJS.ProcessEnv = { ...process.env, ...(opts.env ?? {}) };
    // The child resolves a relative build folder against its own cwd: make it absolute.
    if (env.ABW_NATIVE_BUILD) env.ABW_NATIVE_BUILD = path.resolve(env.ABW_NATIVE_BUILD);
    this.child = fork(script, [], {
      execArgv: [...(opts.execArgv ?? [])],
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    const keep = (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8');
      if (this.stderr.length > 4 * STDERR_TAIL_CHARS) this.stderr = this.stderr.slice(-2 * STDERR_TAIL_CHARS);
    };
    this.child.stderr?.on('data', keep);
    this.child.stdout?.on('data', keep);
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise<void>((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    this.ready.catch(() => undefined);
    const startTimer = setTimeout(() => {
      readyReject(new Error(`worker did not start within ${WORKER_START_TIMEOUT_MS} ms`));
      this.kill();
    }, WORKER_START_TIMEOUT_MS);
    this.child.on('message', (raw: unknown) => {
      const msg = raw as WorkerMessage;
      if (msg?.type === 'ready') {
        clearTimeout(startTimer);
        readyResolve();
      } else if (msg?.type === 'result' && this.pending && msg.id === this.pending.id) {
        const p = this.pending;
        this.pending = undefined;
        p.resolve(msg);
      }
    });
    this.child.on('error', (e) => {
      clearTimeout(startTimer);
      readyReject(e);
    });
    this.child.on('exit', (code, signal) => {
      clearTimeout(startTimer);
      this.exited = { code, signal };
      readyReject(new Error(`worker exited during start (${signal ?? `code ${code}`})`));
    });
    // 'close' comes after 'exit' once stdout/stderr are drained: the crash report is complete.
    this.child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      this.exited ??= { code, signal };
      const p = this.pending;
      this.pending = undefined;
      p?.reject({ code, signal, timedOut: this.killedForTimeout, stderr: this.stderr, ...(this.child.pid !== undefined ? { pid: this.child.pid } : {}) });
      this.closed = true;
      for (const w of this.onExitWaiters.splice(0)) w();
    });
  }

  get alive(): boolean {
    return this.exited === undefined;
  }

  kill(): void {
    if (this.alive) this.child.kill('SIGKILL');
  }

  /** Resolves once the process has exited and its pipes are closed. */
  waitExit(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((res) => this.onExitWaiters.push(res));
  }
}

/**
 * Runs cases in per-backend child processes. One case at a time (the runner is sequential);
 * `close()` ends every worker.
 */
export class IsolatedExecutor {
  private readonly workers = new Map<string, Worker>();
  private nextId = 1;
  private readonly script: string;
  /** Workers started, and replaced after a crash / timeout / oom / leak. */
  readonly stats = { started: 0, restarts: 0 };

  constructor(private readonly opts: IsolationOptions = {}) {
    this.script = opts.workerPath ?? workerEntry();
  }

  private worker(backend: string): Worker {
    const w = this.workers.get(backend);
    if (w && w.alive) return w;
    if (w) this.stats.restarts++;
    const fresh = new Worker(backend, this.script, this.opts);
    this.stats.started++;
    const pid = fresh.child.pid ?? -1;
    this.opts.onWorker?.({ type: 'started', backend, pid });
    fresh.child.on('exit', (code, signal) => this.opts.onWorker?.({ type: 'exited', backend, pid, code, signal }));
    this.workers.set(backend, fresh);
    return fresh;
  }

  async execute(c: Case, settings: { seed: number; measure?: MeasureSettings }): Promise<ResultRecord> {
    const startedAt = new Date().toISOString();
    const t0 = performance.now();
    const timeoutMs = caseTimeoutMs(c, this.opts.caseTimeoutMs, settings.measure);
    const failed = (x: ExitInfo): ResultRecord => {
      const { status, code, message } = classifyExit(x);
      const stderr = tail(x.stderr);
      return {
        ...recordBase(c, settings.seed, startedAt),
        status,
        error: { code, message: message.slice(0, MESSAGE_MAX_CHARS), ...(stderr ? { stderr } : {}) },
        durationMs: Math.round((performance.now() - t0) * 1000) / 1000,
      };
    };

    const w = this.worker(c.backend);
    try {
      await w.ready;
    } catch (e) {
      w.kill();
      await w.waitExit();
      return failed({ code: w.exited?.code ?? null, signal: w.exited?.signal ?? null, timedOut: false, stderr: `${w.stderr}\n${(e as Error).message}`, ...(w.child.pid !== undefined ? { pid: w.child.pid } : {}) });
    }
    w.stderr = '';
    const id = this.nextId++;
    const msg: ParentMessage = { type: 'run', id, case: c, seed: settings.seed, ...(settings.measure ? { measure: settings.measure } : {}) };
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await new Promise<Extract<WorkerMessage, { type: 'result' }>>((resolve, reject) => {
        w.pending = { id, resolve, reject };
        timer = setTimeout(() => {
          w.killedForTimeout = true;
          w.kill();
        }, timeoutMs);
        try {
          w.child.send(msg);
        } catch {
          // The worker died between cases; its exit handler rejects the pending case.
        }
      });
      clearTimeout(timer);
      const limit = this.opts.recycleAboveBytes ?? DEFAULT_RECYCLE_ABOVE_BYTES;
      if (result.nativeBytes > limit) {
        // Leaked native memory stays until the process ends: start the next case afresh.
        w.kill();
        await w.waitExit();
      }
      return result.record as ResultRecord;
    } catch (x) {
      clearTimeout(timer);
      return failed({ ...(x as ExitInfo), timeoutMs });
    }
  }

  /** Ends every worker (politely, then SIGKILL after a grace period). */
  async close(graceMs = 2000): Promise<void> {
    const all = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(
      all.map(async (w) => {
        if (!w.alive) return;
        try {
          w.child.send({ type: 'exit' } satisfies ParentMessage);
        } catch {
          w.kill();
        }
        const t = setTimeout(() => w.kill(), graceMs);
        await w.waitExit();
        clearTimeout(t);
      }),
    );
  }
}
