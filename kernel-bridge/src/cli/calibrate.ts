/**
 * `abw calibrate [--backend ID…]`: measures this machine's ceilings per backend and stores them
 * in results/machines/<machine>.json (results/ceilings.ts), where reports, comparisons and the
 * roofline take them from.
 *
 * - Peak compute: a square matmul of size N (default 1024; 2·N³ FLOP per call) per dtype, timed
 *   with the backend's native loop (prepare + measureCall), as every case is.
 * - Copy bandwidth: `reshape` of a 64 MiB f32 tensor. The native cpu reshape copies into its
 *   own output (it never aliases), so it is a pure streaming copy, STREAM's "copy": one read and one write
 *   per element, no arithmetic to hide behind. Bytes are counted like every record's
 *   `derived.bytes` (inputs + outputs), so `gbps / copy.gbps` compares like with like.
 *   `add` would also stream, but reads two tensors per write and some backends fuse or
 *   vectorise it differently; a copy is the cleanest roof. (A backend whose reshape is a
 *   zero-copy view would measure nothing here and needs another op: say so when adding one.)
 */
import { getBackend, listBackends } from '../backend/registry';
import { machineInfo } from '../backend/machine';
import type { ComputeBackend, DeviceTensor, PreparedCall } from '../backend/types';
import { measureCall } from '../measure/measure-call';
import { getOp } from '../ops/catalogue';
import { generatedDType, generateInputs } from '../ops/generate';
import { kindStorage } from '../ops/tensor-kind';
import { planCall } from '../ops/plan-call';
import { roundToDType } from '../precision/dtype-values';
import { mergeCeilings, readCeilings, writeCeilings, type BackendCeilings, type BandwidthCeiling, type RateCeiling } from '../results/ceilings';
import type { Timing } from '../results/record';
import { byteSize, CASE_DTYPES, storageDType, type CaseDType, type HostTensor } from '../tensor';
import { fmt } from '../plots/units';
import { flagsHelp, intFlag, listFlag, parseFlags, stringFlag, UsageError, type Flags } from './args';
import type { Io } from './io';
import { resultsDirFlag } from './results-args';

export interface CalibrateOptions {
  /** Matmul size N (N×N · N×N), default 1024. */
  readonly matmulSize?: number;
  /** Elements of the copied tensor, default 16 Mi (64 MiB in f32). */
  readonly copyElements?: number;
  readonly dtypes?: readonly CaseDType[];
  /** Sampling budget per measurement, ms, default 2000. */
  readonly budgetMs?: number;
  readonly seed?: number;
  readonly onProgress?: (line: string) => void;
}

export const DEFAULT_MATMUL_SIZE = 1024;
export const DEFAULT_COPY_ELEMENTS = 16 * 2 ** 20;
export const CALIBRATE_DTYPES: readonly CaseDType[] = ['f32', 'tf32', 'f16', 'bf16'];

async function timeOp(
  backend: ComputeBackend,
  opName: string,
  shapes: number[][],
  params: Record<string, unknown>,
  dtype: CaseDType,
  o: CalibrateOptions,
): Promise<{ timing: Timing; flops: number; bytes: number }> {
  const spec = getOp(opName);
  const planned = planCall(spec, shapes, params);
  const generated = generateInputs(spec, shapes, planned.params, o.seed ?? 1);
  const st = storageDType(dtype);
  const device: DeviceTensor[] = [];
  let prepared: PreparedCall | undefined;
  try {
    const inputs = generated.map((d, i) => {
      if (!d) return null;
      const kst = kindStorage(planned.inputs[i]?.kind ?? 'float', dtype);
      const host: HostTensor = d instanceof Float64Array ? { dtype: kst, shape: shapes[i]!, data: roundToDType(d, kst) } : { dtype: generatedDType(d), shape: shapes[i]!, data: d };
      const t = backend.upload(host);
      device.push(t);
      return t;
    });
    prepared = backend.prepare(opName, inputs, planned.params, dtype);
    const timing = await measureCall(prepared, {
      timer: backend.timer,
      budgetMs: o.budgetMs ?? 2000,
      warmupMs: 200,
      minSamples: 10,
      target: 0.01,
    });
    let bytes = 0;
    for (const s of shapes) bytes += s.reduce((a, b) => a * b, 1) * byteSize(st);
    for (const s of planned.plan.outputs) if (s) bytes += s.reduce((a, b) => a * b, 1) * byteSize(st);
    return { timing, flops: planned.plan.flops, bytes };
  } finally {
    try {
      prepared?.dispose();
    } catch {
      // released
    }
    for (const t of device) {
      try {
        backend.free(t);
      } catch {
        // released
      }
    }
  }
}

function measured(t: Timing) {
  return { medianNs: t.stats.median, ciLowNs: t.stats.ciLow, ciHighNs: t.stats.ciHigh, samples: t.stats.n, converged: t.converged };
}

/** Measures one backend's ceilings (peak matmul per dtype, copy bandwidth). */
export async function calibrateBackend(backend: ComputeBackend, o: CalibrateOptions = {}): Promise<BackendCeilings> {
  const n = o.matmulSize ?? DEFAULT_MATMUL_SIZE;
  const matmul: Partial<Record<CaseDType, RateCeiling>> = {};
  const skipped: Record<string, string> = {};
  const mmParams = { transpose_a: false, transpose_b: false };
  for (const dtype of o.dtypes ?? CALIBRATE_DTYPES) {
    const s = backend.supports('matmul', dtype, mmParams);
    if (!s.ok) {
      skipped[dtype] = s.reason;
      continue;
    }
    const shapes = [
      [n, n],
      [n, n],
    ];
    const { timing, flops } = await timeOp(backend, 'matmul', shapes, mmParams, dtype, o);
    const gflops = flops / timing.stats.median;
    matmul[dtype] = { gflops, op: 'matmul', shapes, flops, ...measured(timing) };
    o.onProgress?.(`${backend.id} matmul ${n}×${n} ${dtype}: ${fmt(gflops)} GFLOP/s${timing.converged ? '' : ' (not converged)'}`);
  }
  let copy: BandwidthCeiling | undefined;
  const elems = o.copyElements ?? DEFAULT_COPY_ELEMENTS;
  const cs = backend.supports('reshape', 'f32', { shape: [elems] });
  if (cs.ok) {
    const shapes = [[elems]];
    const { timing, bytes } = await timeOp(backend, 'reshape', shapes, { shape: [elems] }, 'f32', o);
    copy = { gbps: bytes / timing.stats.median, op: 'reshape', shapes, bytes, ...measured(timing) };
    o.onProgress?.(`${backend.id} copy ${fmt(bytes / 2 ** 20)} MiB per call: ${fmt(copy.gbps)} GB/s${timing.converged ? '' : ' (not converged)'}`);
  } else {
    skipped.copy = cs.reason;
  }
  const info = backend.info();
  return {
    measuredAt: new Date().toISOString(),
    device: info.device,
    ...(info.threads !== undefined ? { threads: info.threads } : {}),
    matmul,
    ...(copy ? { copy } : {}),
    ...(Object.keys(skipped).length ? { skipped } : {}),
  };
}

export const CALIBRATE_FLAGS: Flags = {
  backend: { type: 'string', multiple: true, value: 'ID', doc: 'backend(s) to calibrate (default: every available one but ref)' },
  dtype: { type: 'string', multiple: true, value: 'DT', doc: `matmul dtypes (default ${CALIBRATE_DTYPES.join(', ')}; unsupported ones are skipped with the reason)` },
  size: { type: 'string', value: 'N', doc: `matmul size N (default ${DEFAULT_MATMUL_SIZE})` },
  'copy-mib': { type: 'string', value: 'MIB', doc: 'size of the copied tensor, MiB (default 64)' },
  'budget-ms': { type: 'string', value: 'MS', doc: 'sampling budget per measurement (default 2000)' },
  quick: { type: 'boolean', doc: 'small and short (N 512, 16 MiB, 300 ms): for smoke tests, not for real ceilings' },
  out: { type: 'string', value: 'DIR', doc: 'results directory (default: results/ of this checkout)' },
  json: { type: 'boolean', doc: 'print the machine file as JSON' },
  help: { type: 'boolean', short: 'h', doc: 'show this help' },
};

export const CALIBRATE_HELP = `usage: abw calibrate [--backend ID…] [--dtype DT…] [--size N] [--copy-mib MIB] [--quick]

Measures, per backend, the peak matmul rate per dtype (an N×N matmul) and the copy bandwidth
(reshape of a large f32 tensor: one read + one write per element), and stores them with the
machine in DIR/machines/<machine>.json. Reports and comparisons then show % of ceiling and the
roofline draws these roofs. Calibrating one backend keeps the others' ceilings.

${flagsHelp(CALIBRATE_FLAGS)}`;

export async function calibrateCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values } = parseFlags('calibrate', argv, CALIBRATE_FLAGS);
  if (values.help) {
    io.out(`${CALIBRATE_HELP}\n`);
    return 0;
  }
  const quick = values.quick === true;
  const size = intFlag('calibrate', 'size', values.size, 16, 16384) ?? (quick ? 512 : DEFAULT_MATMUL_SIZE);
  const copyMib = intFlag('calibrate', 'copy-mib', values['copy-mib'], 1, 4096) ?? (quick ? 16 : 64);
  const budgetMs = intFlag('calibrate', 'budget-ms', values['budget-ms'], 10, 600_000) ?? (quick ? 300 : 2000);
  const dtypes = listFlag(values.dtype);
  for (const d of dtypes ?? []) {
    if (!(CASE_DTYPES as readonly string[]).includes(d)) throw new UsageError(`abw calibrate: --dtype must be one of ${CASE_DTYPES.join(', ')}, got "${d}"`);
  }
  const all = listBackends();
  const requested = listFlag(values.backend);
  for (const id of requested ?? []) {
    if (!all.some((b) => b.id === id)) throw new UsageError(`abw calibrate: unknown backend "${id}"; known: ${all.map((b) => b.id).join(', ')}`);
  }
  const ids = requested ?? all.filter((b) => b.available && b.id !== 'ref').map((b) => b.id);
  if (ids.length === 0) throw new UsageError('abw calibrate: no backend is available here; see `abw doctor`');
  const resultsDir = resultsDirFlag(stringFlag(values.out));
  const machine = machineInfo();
  let file = readCeilings(resultsDir, machine.key);
  for (const id of ids) {
    const backend = getBackend(id);
    const c = await calibrateBackend(backend, {
      matmulSize: size,
      copyElements: (copyMib * 2 ** 20) / 4,
      budgetMs,
      ...(dtypes ? { dtypes: dtypes as CaseDType[] } : {}),
      onProgress: values.json ? undefined : (l) => io.out(`${l}\n`),
    });
    for (const [k, why] of Object.entries(c.skipped ?? {})) if (!values.json) io.out(`${id} ${k}: skipped (${why})\n`);
    file = mergeCeilings(file, machine, id, c);
  }
  const path = writeCeilings(resultsDir, file!);
  if (values.json) io.out(`${JSON.stringify(file, null, 2)}\n`);
  else io.out(`ceilings of ${machine.key}: ${path}${quick ? ' (quick: smoke-test sizes, not real ceilings)' : ''}\n`);
  return 0;
}
