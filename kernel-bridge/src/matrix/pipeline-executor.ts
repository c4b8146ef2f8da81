/**
 * One pipeline case → one ResultRecord (the pipeline counterpart of executeCase). The same
 * seeded weights and input go through the FP64 oracle run (`ref`), the backend's FP32 run (for
 * f16 / bf16 / tf32 cases) and the candidate run; precision is the output SNR against each, plus
 * the code-index match rate per codebook (encodec) and the bit-exactness of every integer
 * matmul against the oracle on the same integer inputs (bitnet). The candidate is then timed
 * with measure/ as whole runs: RTF = median run time / audio duration.
 */
import type { ComputeBackend, ComputeDType } from '../backend/types';
import { AbwError } from '../errors';
import { hostMemory } from '../measure/memory';
import { PipelineExec } from '../pipelines/exec';
import { effectiveStreams } from '../pipelines/fftconv';
import { getPipeline } from '../pipelines/registry';
import { measurePipeline } from '../pipelines/rtf';
import { pipelineSupport } from '../pipelines/run';
import type { IntegerTap, PipelineInput, PipelineOutput, PipelineSpec } from '../pipelines/types';
import { seededWeights, type WeightSet } from '../pipelines/weights';
import { errorMetrics } from '../precision/metrics';
import type { CaseStatus, ErrorMetrics, PipelineRecordInfo, PrecisionResult, ResultRecord } from '../results/record';
import { storageDType, type CaseDType } from '../tensor';
import { ORACLE_BACKEND, measureOptions, recordBase, type ExecContext } from './executor';
import type { Case } from './expand';

/**
 * Lowest output SNR vs the FP64 oracle that passes, per dtype: far below what the pipelines
 * reach (f32 130–146 dB, bf16 33–50 dB on linux-x64-amd-epyc-2c-24g, docs/pipelines.md), so
 * they catch a broken stage rather than the rounding a deep network accumulates.
 */
export const PIPELINE_MIN_SNR_DB: Readonly<Record<CaseDType, number>> = { f32: 60, tf32: 30, f16: 20, bf16: 10, int8: 60 };
/**
 * Pipelines with a rounding quantiser in the float path (bitnet, encodec): one int8 step or
 * codeword flipped at a near tie costs ~50 dB by itself (measured: bitnet full width on
 * ort:cpu, 51.8 dB, integer matmuls bit-exact), so f32 and tf32 get the f16 floor.
 */
export const QUANTIZED_MIN_SNR_DB: Readonly<Record<CaseDType, number>> = { f32: 20, tf32: 20, f16: 15, bf16: 10, int8: 20 };

export function minSnrDb(spec: Pick<PipelineSpec<unknown>, 'quantizes'>, dtype: CaseDType): number {
  return (spec.quantizes ? QUANTIZED_MIN_SNR_DB : PIPELINE_MIN_SNR_DB)[dtype];
}

function totalOps(ex: PipelineExec): number {
  let n = 0;
  for (const v of ex.tally.deviceOps.values()) n += v;
  return n;
}

async function runOnce(spec: PipelineSpec<any>, backend: ComputeBackend, dtype: ComputeDType, config: unknown, weights: WeightSet, input: PipelineInput, taps = false): Promise<PipelineOutput> {
  const ex = new PipelineExec(backend, dtype);
  try {
    const prepared = await spec.prepare(ex, weights, config);
    try {
      return await prepared.run(input, { taps });
    } finally {
      prepared.dispose();
    }
  } finally {
    ex.freeAll();
  }
}

function metrics(out: Float64Array, ref: Float64Array, dtype: CaseDType, floorDb: number): ErrorMetrics {
  // Elementwise slack of rms(ref)·10^(−floor/20): an output at the SNR floor sits near worstRatio 1.
  return errorMetrics('output', out, ref, { atol: 0, rtol: 0, rmsRtol: 10 ** (-floorDb / 20), dtype: storageDType(dtype) });
}

function codeMatch(a: readonly Int32Array[], b: readonly Int32Array[]): number[] {
  return a.map((codes, q) => {
    const other = b[q];
    if (!other || other.length !== codes.length || codes.length === 0) return 0;
    let same = 0;
    for (let i = 0; i < codes.length; i++) if (codes[i] === other[i]) same++;
    return same / codes.length;
  });
}

/** Every integer matmul of the candidate, recomputed by the oracle on the same int8 inputs. */
async function checkTaps(ctx: ExecContext, taps: readonly IntegerTap[]): Promise<{ taps: number; mismatches: number; exact: boolean }> {
  const ref = ctx.backend(ORACLE_BACKEND);
  const ex = new PipelineExec(ref, 'int8');
  let mismatches = 0;
  try {
    for (const t of taps) {
      const out = await ex.op('ternary_matmul', [ex.uploadInt8(t.xq, t.xShape), ex.uploadInt8(t.wq, t.wShape)], {}, 'int8');
      const want = (await ex.values(out)) as Int32Array;
      for (let i = 0; i < want.length; i++) if (want[i] !== t.out[i]) mismatches++;
      ex.freeAll();
    }
  } finally {
    ex.freeAll();
  }
  return { taps: taps.length, mismatches, exact: mismatches === 0 };
}

export async function executePipelineCase(c: Case, ctx: ExecContext): Promise<ResultRecord> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const base = recordBase(c, ctx.seed, startedAt);
  const finish = (rest: Partial<ResultRecord> & { status: CaseStatus }): ResultRecord => ({
    ...base,
    ...rest,
    durationMs: Math.round((performance.now() - t0) * 1000) / 1000,
  });
  let backend: ComputeBackend;
  try {
    backend = ctx.backend(c.backend);
  } catch (e) {
    const err = e as AbwError;
    if (err.code === 'ABW_EUNSUPPORTED') return finish({ status: 'unsupported', reason: err.message });
    return finish({ status: 'error', error: { code: err.code ?? 'ABW_EINTERNAL', message: err.message } });
  }
  const exec = new PipelineExec(backend, c.dtype);
  try {
    const spec = getPipeline(c.op);
    const { config } = spec.resolve(c.params);
    const support = pipelineSupport(backend, spec, config, c.dtype);
    if (!support.ok) return finish({ status: 'unsupported', reason: support.reason });
    const weights = seededWeights(spec.weights(config), base.seed);
    const input = spec.input(config, base.seed);

    const oracleKey = `${c.inputKey}|pipeline-f64`;
    let oracle = ctx.oracle.get(oracleKey);
    if (!oracle) {
      const ref = ctx.backend(ORACLE_BACKEND);
      const s = pipelineSupport(ref, spec, config, 'f64');
      if (!s.ok) throw new AbwError('ABW_EUNSUPPORTED', `the oracle (${ORACLE_BACKEND}) cannot run ${c.op}: ${s.reason}`);
      const o = await runOnce(spec, ref, 'f64', config, weights, input);
      oracle = [o.output, ...(o.codes ?? [])];
      ctx.oracle.set(oracleKey, oracle);
    }
    const oracleOut = oracle[0] as Float64Array;
    const oracleCodes = oracle.slice(1) as Int32Array[];

    let fp32: PipelineOutput | undefined;
    if (c.dtype === 'f16' || c.dtype === 'bf16' || c.dtype === 'tf32') {
      if (pipelineSupport(backend, spec, config, 'f32').ok) fp32 = await runOnce(spec, backend, 'f32', config, weights, input);
    }

    if (ctx.signal?.aborted) throw new AbwError('ABW_EINTERNAL', 'run aborted');
    const hostBefore = hostMemory();
    backend.resetPeak();
    const prepared = await spec.prepare(exec, weights, config);
    try {
      const output = await prepared.run(input, { taps: true });
      const minSnr = minSnrDb(spec, c.dtype);
      const vsFp64 = metrics(output.output, oracleOut, c.dtype, minSnr);
      const vsFp32 = fp32 ? metrics(output.output, fp32.output, c.dtype, minSnr) : undefined;
      const fp32VsFp64 = fp32 ? metrics(fp32.output, oracleOut, 'f32', minSnrDb(spec, 'f32')) : undefined;
      const bitExact = output.integerTaps ? await checkTaps(ctx, output.integerTaps) : undefined;
      const reasons: string[] = [];
      if (vsFp64.nanCount + vsFp64.infCount > 0) reasons.push(`${vsFp64.nanCount} NaN and ${vsFp64.infCount} Inf in the output`);
      if (vsFp64.snrDb < minSnr) reasons.push(`output SNR vs FP64 ${vsFp64.snrDb.toFixed(1)} dB is below ${minSnr} dB for ${c.dtype}`);
      if (bitExact && !bitExact.exact) reasons.push(`${bitExact.mismatches} integer matmul outputs differ from the oracle on the same int8 inputs`);
      const precision: PrecisionResult = {
        verdict: reasons.length ? 'fail' : 'pass',
        family: 'pipeline',
        atol: 0,
        rtol: 0,
        rmsRtol: 10 ** (-minSnr / 20),
        vsFp64: [vsFp64],
        ...(vsFp32 ? { vsFp32: [vsFp32] } : {}),
        ...(fp32VsFp64 ? { fp32VsFp64: [fp32VsFp64] } : {}),
        ...(reasons.length ? { reason: reasons.join('; ') } : {}),
      };

      if (ctx.signal?.aborted) throw new AbwError('ABW_EINTERNAL', 'run aborted');
      const m = measureOptions({ ...c.measure, ...(ctx.measure ?? {}) }, 'host', base.seed);
      const { timer: _t, cold: _c, ...opts } = m;
      const opsBefore = totalOps(exec);
      const tripsBefore = exec.tally.roundTrips;
      const measured = await measurePipeline(prepared, input, opts);
      const perRun = (n: number) => Math.round(n / Math.max(1, measured.runs));
      const mem = backend.memory();
      const hostAfter = hostMemory();
      const flops = spec.flops(config, input);
      const median = measured.timing.stats.median;
      const requested = spec.streams?.(config);
      const pipeline: PipelineRecordInfo = {
        name: spec.name,
        xRealTime: measured.xRealTime,
        latencyMs: { median: median / 1e6, p90: measured.timing.stats.p90 / 1e6, p99: measured.timing.stats.p99 / 1e6 },
        snrVsFp64Db: vsFp64.snrDb,
        ...(vsFp32 ? { snrVsFp32Db: vsFp32.snrDb } : {}),
        weights: 'seeded',
        hostStages: [...spec.hostStages(config)],
        deviceOps: perRun(totalOps(exec) - opsBefore),
        roundTrips: perRun(exec.tally.roundTrips - tripsBefore),
        ...(exec.tally.segments.size ? { segments: [...exec.tally.segments].map(([name, o]) => ({ name, ...o })) } : {}),
        ...(requested !== undefined
          ? { streams: requested, streamsEffective: effectiveStreams(backend.info().features, requested) }
          : {}),
        ...(output.codes ? { codeMatch: codeMatch(output.codes, oracleCodes), ...(fp32?.codes ? { codeMatchVsFp32: codeMatch(output.codes, fp32.codes) } : {}) } : {}),
        ...(bitExact ? { bitExact } : {}),
      };
      return finish({
        status: 'ok',
        timing: measured.timing,
        derived: { flops, bytes: (input.data.length + output.output.length) * 8, ...(median > 0 ? { gflops: flops / median } : {}) },
        memory: { hostRssDeltaBytes: hostAfter.rssBytes - hostBefore.rssBytes, hostPeakRssBytes: hostAfter.peakRssBytes, nativePeakBytes: mem.peakBytes },
        precision,
        rtf: measured.rtf,
        audioSeconds: measured.audioSeconds,
        pipeline,
      });
    } finally {
      prepared.dispose();
    }
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const code = (err as { code?: unknown }).code;
    const codeStr = typeof code === 'string' ? code : 'ABW_EINTERNAL';
    if (codeStr === 'ABW_EUNSUPPORTED') return finish({ status: 'unsupported', reason: err.message });
    const status: CaseStatus = codeStr === 'ABW_ENOMEM' ? 'oom' : codeStr === 'ABW_ETIMEOUT' ? 'timeout' : 'error';
    return finish({ status, error: { code: codeStr, message: err.message } });
  } finally {
    exec.freeAll();
  }
}
