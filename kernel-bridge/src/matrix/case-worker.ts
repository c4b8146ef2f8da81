/**
 * The child-process side of isolated execution (isolated-executor.ts). Started with
 * child_process.fork (IPC, 'advanced' serialization); runs one case at a time with
 * executeCase and sends the record back. A crash, hang or out-of-memory here kills only this
 * process: the parent records the case and starts a new worker.
 *
 * Protocol (parent → worker):  { type: 'run', id, case, seed, measure? } | { type: 'exit' }
 *           (worker → parent):  { type: 'ready', pid, faultOps } | { type: 'result', id, record, nativeBytes }
 */
import { disposeBackends, getBackend } from '../backend/registry';
import { addon } from '../backends/native/addon';
import { faultOpsEnabled } from '../ops/catalogue';
import { executeCase, OracleCache, type ExecContext } from './executor';
import type { Case } from './expand';
import type { MeasureSettings } from './spec';

export interface RunMessage {
  readonly type: 'run';
  readonly id: number;
  readonly case: Case;
  readonly seed: number;
  readonly measure?: MeasureSettings;
}

export type ParentMessage = RunMessage | { readonly type: 'exit' };

export type WorkerMessage =
  | { readonly type: 'ready'; readonly pid: number; readonly faultOps: boolean }
  | { readonly type: 'result'; readonly id: number; readonly record: unknown; readonly nativeBytes: number };

function nativeBytes(): number {
  try {
    return addon().memoryStats().currentBytes;
  } catch {
    return 0;
  }
}

export function startWorker(): void {
  const send = process.send?.bind(process);
  if (!send) {
    process.stderr.write('abw case-worker: must be started by the matrix runner (child_process.fork with IPC)\n');
    process.exit(2);
  }
  const oracle = new OracleCache();
  let lastInputKey: string | undefined;
  let queue: Promise<void> = Promise.resolve();

  const run = async (msg: RunMessage): Promise<void> => {
    // Cases arrive grouped by inputs: the oracle results of an earlier matrix case are dead weight.
    if (lastInputKey !== undefined && msg.case.inputKey !== lastInputKey) oracle.clear();
    lastInputKey = msg.case.inputKey;
    const ctx: ExecContext = { seed: msg.seed, backend: getBackend, oracle, ...(msg.measure ? { measure: msg.measure } : {}) };
    const record = await executeCase(msg.case, ctx);
    send({ type: 'result', id: msg.id, record, nativeBytes: nativeBytes() } satisfies WorkerMessage);
  };

  process.on('message', (raw: unknown) => {
    const msg = raw as ParentMessage;
    if (msg?.type === 'exit') {
      queue = queue.then(() => {
        disposeBackends();
        process.exit(0);
      });
    } else if (msg?.type === 'run') {
      queue = queue.then(() => run(msg)).catch((e: unknown) => {
        // executeCase turns every case failure into a record; reaching here is a bug.
        process.stderr.write(`abw case-worker: ${(e as Error)?.stack ?? String(e)}\n`);
        process.exit(70);
      });
    }
  });
  // The parent is gone (killed, crashed): nothing will read our results.
  process.on('disconnect', () => process.exit(0));
  // Ctrl-C reaches the whole process group: the parent decides (it finishes the current case,
  // or quits, which disconnects us), so the case in flight is not recorded as a crash.
  process.on('SIGINT', () => undefined);
  send({ type: 'ready', pid: process.pid, faultOps: faultOpsEnabled() } satisfies WorkerMessage);
}

if (require.main === module) startWorker();
