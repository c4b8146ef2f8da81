/**
 * Lazy, typed access to the native addon. Loading happens on first use so that `abw doctor`
 * and `abw list` still work (and say what is wrong) when the addon is not built.
 */
import type * as Native from '@abw/native';

let cached: typeof Native | undefined;
let loadError: Error | undefined;

export function addon(): typeof Native {
  if (cached) return cached;
  if (loadError) throw loadError;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    cached = require('@abw/native') as typeof Native;
    return cached;
  } catch (e) {
    loadError = e instanceof Error ? e : new Error(String(e));
    throw loadError;
  }
}

/** The reason the addon cannot be loaded, or undefined when it loads. */
export function addonLoadProblem(): string | undefined {
  try {
    addon();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
