/**
 * `compareRuns` in a Web Worker (compare-worker.ts), one worker per page, requests matched by
 * id. Where a worker cannot start (a browser policy), it runs on the main thread instead.
 */
import { compareRuns, type Comparison } from '../../kernel-bridge/src/results/compare';
import type { RunFile } from '../../kernel-bridge/src/results/record';

let worker: Worker | undefined | null;
let nextId = 0;
let lastThread: 'worker' | 'main thread' | undefined;

/** Where the last comparison ran (shown on the dashboard as data-compare-thread, for tests). */
export function lastCompareThread(): 'worker' | 'main thread' | undefined {
  return lastThread;
}
const pending = new Map<number, { resolve: (c: Comparison) => void; reject: (e: Error) => void }>();

function getWorker(): Worker | null {
  if (worker !== undefined) return worker;
  try {
    worker = new Worker(new URL('./compare-worker.js', import.meta.url));
    worker.onmessage = (e: MessageEvent<{ id: number; comparison?: Comparison; error?: string }>) => {
      const p = pending.get(e.data.id);
      if (!p) return;
      pending.delete(e.data.id);
      if (e.data.comparison) p.resolve(e.data.comparison);
      else p.reject(new Error(e.data.error ?? 'comparison failed'));
    };
    worker.onerror = (e) => {
      // A worker that failed to load: answer everything waiting on the main thread.
      e.preventDefault();
      for (const p of pending.values()) p.reject(new Error(`comparison worker failed: ${e.message}`));
      pending.clear();
      worker = null;
    };
  } catch {
    worker = null;
  }
  return worker;
}

export function compareRunsAsync(base: RunFile, current: RunFile): Promise<Comparison> {
  const w = getWorker();
  const onMain = () => {
    lastThread = 'main thread';
    return compareRuns(base, current);
  };
  if (!w) return Promise.resolve().then(onMain);
  const id = nextId++;
  return new Promise<Comparison>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.postMessage({ id, base, current });
  }).then(
    (c) => {
      lastThread = 'worker';
      return c;
    },
    (e: Error) => {
      if (/worker failed/.test(e.message)) return onMain();
      throw e;
    },
  );
}
