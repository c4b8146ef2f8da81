/**
 * Runs `compareRuns` off the page's main thread. A comparison bootstraps a CI for every case
 * (milliseconds per case with a hundred-odd samples per side: minutes for tens of thousands of
 * cases), which would freeze JupyterLab if it ran on the main thread.
 */
import { compareRuns } from '../../kernel-bridge/src/results/compare';
import type { RunFile } from '../../kernel-bridge/src/results/record';

interface Request {
  readonly id: number;
  readonly base: RunFile;
  readonly current: RunFile;
}

const scope = self as unknown as { onmessage: ((e: MessageEvent<Request>) => void) | null; postMessage(m: unknown): void };

scope.onmessage = (e) => {
  const { id, base, current } = e.data;
  try {
    scope.postMessage({ id, comparison: compareRuns(base, current) });
  } catch (err) {
    scope.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
};
