/**
 * One Python worker child process and its request/reply bookkeeping. Requests are answered in
 * order; each has a timeout. A worker that exits, is killed, or misses a deadline fails the
 * requests in flight (`ABW_ECRASH` / `ABW_ETIMEOUT`) and is replaced by a fresh one on the next
 * request: `generation` counts the processes, so handles of a dead worker are recognised.
 */
import { spawn, type ChildProcess } from 'node:child_process';

import { AbwError } from '../../errors';
import type { HostTensor } from '../../tensor';
import { encodeFrame, FRAME_ERROR, FRAME_REQUEST, FrameReader, type Frame } from './protocol';
import { workerCommand, type WorkerTarget } from './python';

export interface WorkerReply {
  readonly header: Record<string, unknown>;
  readonly tensors: HostTensor[];
}

interface Pending {
  readonly cmd: string;
  readonly resolve: (r: WorkerReply) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export interface WorkerProcessOptions {
  /** Per-request deadline, ms. */
  readonly timeoutMs: number;
  /** Extra time for the first request of a fresh process (interpreter start, framework import, device init). */
  readonly startupMs: number;
  readonly env?: NodeJS.ProcessEnv;
}

const STDERR_TAIL = 4000;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Workers must not outlive abw: killed when this process exits normally; on Linux the worker
 * also asks the kernel to kill it when its parent dies (PR_SET_PDEATHSIG), which covers a
 * matrix child killed after a case timeout.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

export class WorkerProcess {
  private child: ChildProcess | undefined;
  private reader = new FrameReader();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderrTail = '';
  private fresh = false;
  /** Number of processes started so far (0: none yet). */
  generation = 0;

  constructor(
    private readonly target: WorkerTarget,
    private readonly options: WorkerProcessOptions,
  ) {}

  get label(): string {
    return `${this.target.framework}:${this.target.device}`;
  }

  /** The running process id, if any (tests kill it to check recovery). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive(): boolean {
    return this.child !== undefined;
  }

  /** Starts the process if none is running; returns the generation requests will go to. */
  ensure(): number {
    if (this.child) return this.generation;
    installExitHook();
    const { command, args, env } = workerCommand(this.target, this.options.env);
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.child = child;
    this.generation++;
    this.reader = new FrameReader();
    this.stderrTail = '';
    this.fresh = true;
    live.add(child);
    // An idle worker must not keep abw's event loop alive; pending requests hold a timer that does.
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();
    child.stdout!.on('data', (chunk: Buffer) => this.onData(child, chunk));
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    child.stdin!.on('error', () => undefined); // EPIPE after a crash: reported through 'exit'
    child.on('error', (e: NodeJS.ErrnoException) => {
      live.delete(child);
      const why = e.code === 'ENOENT' ? `Python not found: '${command}' (set ABW_PYTHON or --python to a Python that has ${this.target.framework})` : e.message;
      this.lose(child, new AbwError('ABW_EUNSUPPORTED', `${this.label}: cannot start the worker: ${why}`));
    });
    // 'close', not 'exit': stdout is drained first, so a reply written just before dying still arrives.
    child.on('close', (code, signal) => {
      live.delete(child);
      const how = signal ? `was killed by ${signal}${signal === 'SIGKILL' ? ' (the OOM killer, or abw after a timeout)' : ''}` : `exited with status ${code}`;
      this.lose(child, new AbwError('ABW_ECRASH', `${this.label} worker ${how}${this.stderrSummary()}`));
    });
    return this.generation;
  }

  /** Sends one request and resolves with its reply; rejects with the worker's error or a crash/timeout. */
  request(header: Record<string, unknown>, tensors: readonly HostTensor[] = [], timeoutMs?: number): Promise<WorkerReply> {
    this.ensure();
    const child = this.child!;
    const id = this.nextId++;
    if (this.nextId > 0xffffffff) this.nextId = 1;
    const cmd = String(header.cmd);
    const buffers = encodeFrame(FRAME_REQUEST, id, header, tensors);
    const deadline = (timeoutMs ?? this.options.timeoutMs) + (this.fresh ? this.options.startupMs : 0);
    this.fresh = false;
    return new Promise<WorkerReply>((resolve, reject) => {
      const timer = setTimeout(() => this.onTimeout(child, id, deadline), deadline);
      this.pending.set(id, { cmd, resolve, reject, timer });
      for (const b of buffers) child.stdin!.write(b);
    });
  }

  /** Kills the process now; requests in flight fail with `reason`. */
  kill(reason: AbwError): void {
    const child = this.child;
    if (!child) return;
    this.lose(child, reason);
    child.kill('SIGKILL');
  }

  /** Asks the worker to exit, then makes sure it does. */
  shutdown(): void {
    const child = this.child;
    if (!child) return;
    this.request({ cmd: 'shutdown' }, [], 2000).catch(() => undefined);
    child.stdin!.end();
    const t = setTimeout(() => child.kill('SIGKILL'), 2000);
    t.unref();
    this.lose(child, new AbwError('ABW_EINVAL', `${this.label} worker was shut down`));
  }

  private onData(child: ChildProcess, chunk: Buffer): void {
    if (child !== this.child) return;
    let frames: Frame[];
    try {
      frames = this.reader.push(chunk);
    } catch (e) {
      this.kill(new AbwError('ABW_ECRASH', `${this.label} worker broke the protocol: ${(e as Error).message}${this.stderrSummary()}`));
      return;
    }
    for (const f of frames) {
      const p = this.pending.get(f.id);
      if (!p) continue; // a reply to a request already failed by timeout
      this.pending.delete(f.id);
      clearTimeout(p.timer);
      if (f.type === FRAME_ERROR) {
        const code = String(f.header.code ?? 'ABW_EINTERNAL') as AbwError['code'];
        p.reject(new AbwError(code, String(f.header.message ?? `${this.label}: ${p.cmd} failed`)));
      } else {
        p.resolve({ header: f.header, tensors: f.tensors });
      }
    }
  }

  private onTimeout(child: ChildProcess, id: number, ms: number): void {
    const p = this.pending.get(id);
    if (!p || child !== this.child) return;
    this.pending.delete(id);
    p.reject(new AbwError('ABW_ETIMEOUT', `${this.label} worker did not answer '${p.cmd}' within ${ms} ms; it was killed and will be restarted on the next call`));
    this.kill(new AbwError('ABW_ECRASH', `${this.label} worker was restarted after '${p.cmd}' timed out`));
  }

  /** Forgets `child` (if current) and fails everything in flight with `error`. */
  private lose(child: ChildProcess, error: AbwError): void {
    if (child !== this.child) return;
    this.child = undefined;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    this.pending.clear();
  }

  private stderrSummary(): string {
    const tail = this.stderrTail.trim().split('\n').slice(-6).join('\n');
    return tail ? `; its stderr ends with:\n${tail}` : '';
  }
}
