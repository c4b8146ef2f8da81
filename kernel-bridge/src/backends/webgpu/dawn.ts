/**
 * Dawn through the `webgpu` npm package: loading it, choosing an adapter and opening a device.
 *
 * Adapter choice: `high-performance` by default; a name substring (the `adapter` option or
 * ABW_WEBGPU_ADAPTER) picks one by name, which Dawn's `adapter=<name>` flag does for us.
 * Dawn's Vulkan backend on Linux wants XDG_RUNTIME_DIR (it warns and may fail without it),
 * so a private temporary one is set for this process when it is missing.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { AbwError } from '../../errors';

/** The part of the `webgpu` package's surface this backend uses (its own types need DOM libs). */
export interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}
// The WebGPU object model is typed loosely here: the project compiles without DOM typings.
/* eslint-disable @typescript-eslint/no-explicit-any */
export type GpuLike = { requestAdapter(o?: Record<string, unknown>): Promise<any> };
export type GPUDeviceLike = any;
export type GPUAdapterLike = any;
export type GPUBufferLike = any;
/* eslint-enable @typescript-eslint/no-explicit-any */

const NO_ADAPTER = 'webgpu: Dawn found no GPU adapter (on Linux a Vulkan driver is needed: scripts/setup-webgpu.sh installs Mesa lavapipe)';

let dawn: DawnModule | undefined;
let dawnProblem: string | undefined;

/** Sets XDG_RUNTIME_DIR to a private temporary folder if the environment has none. */
export function ensureRuntimeDir(): void {
  if (process.env.XDG_RUNTIME_DIR) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abw-xdg-'));
  fs.chmodSync(dir, 0o700);
  process.env.XDG_RUNTIME_DIR = dir;
}

/** The `webgpu` package, loaded once, with its enum globals (GPUBufferUsage, …) installed. */
export function loadDawn(): DawnModule {
  if (dawn) return dawn;
  if (dawnProblem) throw new AbwError('ABW_EUNSUPPORTED', dawnProblem, 'backend');
  ensureRuntimeDir();
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const m = require('webgpu') as DawnModule;
    for (const [k, v] of Object.entries(m.globals)) {
      if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    }
    dawn = m;
    return m;
  } catch (e) {
    dawnProblem = `the webgpu (Dawn) package does not load: ${(e as Error).message.split('\n')[0]}`;
    throw new AbwError('ABW_EUNSUPPORTED', dawnProblem, 'backend');
  }
}

export interface AdapterChoice {
  /** A substring of the adapter's name (Dawn's `adapter=` flag); default: ABW_WEBGPU_ADAPTER. */
  readonly adapter?: string;
  readonly powerPreference?: 'high-performance' | 'low-power';
}

export interface AdapterSummary {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  readonly fallback: boolean;
  readonly features: string[];
}

function adapterName(choice: AdapterChoice): string | undefined {
  const name = choice.adapter ?? process.env.ABW_WEBGPU_ADAPTER;
  return name && name.trim() ? name.trim() : undefined;
}

function dawnFlags(choice: AdapterChoice): string[] {
  // Dawn rounds timestamps to 100 µs unless told not to (a browser's fingerprinting guard).
  const flags = ['disable-dawn-features=timestamp_quantization'];
  const name = adapterName(choice);
  if (name) flags.push(`adapter=${name}`);
  return flags;
}

/** Requests the adapter; throws ABW_EUNSUPPORTED with Dawn's reason when there is none. */
export async function requestAdapter(choice: AdapterChoice = {}): Promise<{ gpu: GpuLike; adapter: GPUAdapterLike }> {
  const m = loadDawn();
  let gpu: GpuLike;
  let adapter: GPUAdapterLike;
  try {
    gpu = m.create(dawnFlags(choice));
    adapter = await gpu.requestAdapter({ powerPreference: choice.powerPreference ?? 'high-performance' });
  } catch (e) {
    throw new AbwError('ABW_EUNSUPPORTED', `webgpu: no adapter${adapterName(choice) ? ` named like "${adapterName(choice)}"` : ''}: ${(e as Error).message.replace(/\s+/g, ' ').trim()}`, 'backend');
  }
  if (!adapter) {
    throw new AbwError('ABW_EUNSUPPORTED', NO_ADAPTER, 'backend');
  }
  return { gpu, adapter };
}

export function summarizeAdapter(adapter: GPUAdapterLike): AdapterSummary {
  const i = adapter.info ?? {};
  return {
    vendor: String(i.vendor ?? ''),
    architecture: String(i.architecture ?? ''),
    device: String(i.device ?? ''),
    description: String(i.description ?? ''),
    fallback: Boolean(i.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false),
    features: [...(adapter.features as Iterable<string>)].sort(),
  };
}

export interface AdapterProbe {
  readonly problem?: string;
  readonly adapter?: AdapterSummary & { readonly limits: Readonly<Record<string, number>> };
}

const probes = new Map<string, AdapterProbe>();

/**
 * The adapter this process would get, or why there is none. The registry's probe, `info()` and
 * `timer` are synchronous and requesting an adapter is not, so a short child process asks Dawn
 * (≈ 0.5 s, once per process and choice) and reports what it found.
 */
export function probeAdapter(choice: AdapterChoice = {}): AdapterProbe {
  const key = JSON.stringify([adapterName(choice), choice.powerPreference]);
  const hit = probes.get(key);
  if (hit) return hit;
  let result: AdapterProbe;
  try {
    // The child loads Dawn; this process only checks the package is installed (no native load here).
    require.resolve('webgpu');
    ensureRuntimeDir();
    result = runProbe(choice);
  } catch (e) {
    result = { problem: (e as Error).message };
  }
  probes.set(key, result);
  return result;
}

/** Why the webgpu backend cannot run here (undefined: an adapter exists). */
export function webgpuProblem(choice: AdapterChoice = {}): string | undefined {
  return probeAdapter(choice).problem;
}

function runProbe(choice: AdapterChoice): AdapterProbe {
  // Self-contained (no TypeScript sources needed in the child): the package, the same flags.
  const script = `
    const m = require(${JSON.stringify(require.resolve('webgpu'))});
    const gpu = m.create(${JSON.stringify(dawnFlags(choice))});
    gpu.requestAdapter({ powerPreference: ${JSON.stringify(choice.powerPreference ?? 'high-performance')} }).then((a) => {
      if (!a) {
        process.stdout.write(JSON.stringify({ problem: ${JSON.stringify(NO_ADAPTER)} }));
      } else {
        const i = a.info, limits = {};
        for (const k in a.limits) if (typeof a.limits[k] === 'number') limits[k] = a.limits[k];
        process.stdout.write(JSON.stringify({ adapter: { vendor: String(i.vendor), architecture: String(i.architecture),
          device: String(i.device), description: String(i.description), fallback: Boolean(i.isFallbackAdapter),
          features: [...a.features].sort(), limits } }));
      }
      process.exit(0);
    }, (e) => { process.stdout.write(JSON.stringify({ problem: 'webgpu: no adapter: ' + String(e.message).replace(/\\s+/g, ' ') })); process.exit(0); });`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000, env: process.env });
  try {
    return JSON.parse(r.stdout) as AdapterProbe;
  } catch {
    return { problem: `webgpu: the adapter probe failed (${r.error?.message ?? `exit ${r.status}`}: ${(r.stderr ?? '').split('\n').filter((l) => l && !l.startsWith('Warning')).slice(0, 2).join(' ')})` };
  }
}
