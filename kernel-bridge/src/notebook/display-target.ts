/**
 * Where notebook outputs go. In a tslab kernel that is tslab's public display API
 * (`display.raw(mime, data)`, `newDisplay()` for an output that is updated in place); outside a
 * kernel (a script, a test) nothing is displayed and `show` says so on stdout.
 *
 * tslab sends exactly one MIME type per output and no metadata; that is the contract here too.
 * Its `raw(contentType, data)` is typed `string | Uint8Array` but forwards the value unchanged
 * as the output's data, and the Jupyter protocol wants JSON MIME types
 * (`application/*+json`) as JSON objects, not strings: JSON payloads are therefore passed as
 * objects, through the public API, without touching tslab's private modules.
 */
import * as path from 'node:path';

/** One output: shows one MIME type; a live output replaces its content on each call. */
export interface DisplayOutput {
  raw(mime: string, data: string | object): void;
}

/** A notebook's display channel: plain outputs, and outputs updated in place. */
export interface DisplayTarget {
  /** A new output per call. */
  readonly display: DisplayOutput;
  /** One output that each `raw` call overwrites (Jupyter `update_display_data`). */
  newDisplay(): DisplayOutput;
  /** Where it comes from, for messages: `tslab 1.0.22`, `test`, … */
  readonly name: string;
}

/** The shape of tslab's public module that is used (dist/public.d.ts). */
export interface TslabPublic {
  readonly versions?: { readonly tslab?: string };
  readonly display: { raw(contentType: string, b: string | Uint8Array): unknown };
  newDisplay(): { raw(contentType: string, b: string | Uint8Array): unknown };
}

function fromTslab(t: TslabPublic): DisplayTarget {
  // See the header: tslab passes `data` through as is; objects are what JSON MIME types need.
  const wrap = (d: { raw(contentType: string, b: string | Uint8Array): unknown }): DisplayOutput => ({
    raw: (mime, data) => void d.raw(mime, data as string),
  });
  return { display: wrap(t.display), newDisplay: () => wrap(t.newDisplay()), name: `tslab ${t.versions?.tslab ?? ''}`.trim() };
}

/**
 * tslab's public module as loaded by the running kernel. A cell's `import "tslab"` is hooked to
 * the kernel's own copy; this library is loaded by plain `require`, so it resolves `tslab` from
 * the kernel's entry script (bin/tslab of whichever install runs: the workspace's or a global
 * one), which yields that same module instance, the one wired to the kernel's sockets.
 */
function kernelTslab(): TslabPublic | undefined {
  const main = require.main?.filename;
  if (!main || !/[\\/]tslab[\\/]/.test(main)) return undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(require.resolve('tslab', { paths: [path.dirname(main)] })) as TslabPublic;
  } catch {
    return undefined;
  }
}

let bound: DisplayTarget | undefined;

/** Use `target` for every later output (tests); `undefined` goes back to finding the kernel. */
export function bindDisplay(target: DisplayTarget | undefined): void {
  bound = target;
}

/**
 * Display through this tslab module (`import * as tslab from "tslab"` in a cell), for kernels
 * started some way that `displayTarget` cannot find.
 */
export function useTslab(tslab: TslabPublic): void {
  bound = fromTslab(tslab);
}

/** The display of the running tslab kernel, or undefined outside one. */
export function displayTarget(): DisplayTarget | undefined {
  if (bound) return bound;
  const t = kernelTslab();
  return t ? fromTslab(t) : undefined;
}
