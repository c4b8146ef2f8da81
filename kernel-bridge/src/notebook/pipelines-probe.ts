/**
 * Whether this build has end-to-end pipelines. They live in `pipelines/` and are found by name
 * at run time (a module that exports `listPipelines`, or `pipelineNames`), so notebooks work on
 * builds with and without them and say which it is.
 */
import * as path from 'node:path';

export interface PipelinesProbe {
  readonly available: boolean;
  /** Names from `listPipelines()` when available. */
  readonly pipelines: readonly string[];
  /** Why not, when unavailable. */
  readonly reason?: string;
}

export const PIPELINES_UNAVAILABLE = 'pipelines not available in this build';

function nameOf(p: unknown): string {
  if (typeof p === 'string') return p;
  if (p && typeof p === 'object') {
    const o = p as { name?: unknown; id?: unknown };
    if (typeof o.name === 'string') return o.name;
    if (typeof o.id === 'string') return o.id;
  }
  return String(p);
}

export function probePipelines(): PipelinesProbe {
  let mod: { listPipelines?: unknown; pipelineNames?: unknown };
  try {
    // Resolved beside this file's folder (src/ under vitest, dist/ at run time).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(path.join(__dirname, '..', 'pipelines')) as typeof mod;
  } catch (e) {
    const missing = (e as { code?: string }).code === 'MODULE_NOT_FOUND' && /pipelines/.test((e as Error).message);
    return { available: false, pipelines: [], reason: missing ? `${PIPELINES_UNAVAILABLE} (no pipelines module)` : `${PIPELINES_UNAVAILABLE}: loading it failed: ${(e as Error).message.split('\n')[0]}` };
  }
  const lister = typeof mod.listPipelines === 'function' ? mod.listPipelines : typeof mod.pipelineNames === 'function' ? mod.pipelineNames : undefined;
  if (!lister) return { available: false, pipelines: [], reason: `${PIPELINES_UNAVAILABLE} (the pipelines module has no listPipelines)` };
  try {
    const list = (lister as () => unknown)();
    const names = Array.isArray(list) ? list.map(nameOf) : [];
    return names.length ? { available: true, pipelines: names } : { available: false, pipelines: [], reason: `${PIPELINES_UNAVAILABLE} (listPipelines() is empty)` };
  } catch (e) {
    return { available: false, pipelines: [], reason: `${PIPELINES_UNAVAILABLE}: listPipelines() failed: ${(e as Error).message}` };
  }
}
