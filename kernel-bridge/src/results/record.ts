/**
 * The result schema in TypeScript (mirrors results/schema/run.v1.schema.json; documented in
 * docs/results-schema.md). One ResultRecord per case; a RunFile holds a run's records.
 */
import type { Params } from '../ops/types';
import type { CaseDType } from '../tensor';

export const RUN_SCHEMA_ID = 'abw.run';
export const RUN_SCHEMA_VERSION = 1;

export type CaseStatus =
  | 'ok' // measured (the precision verdict is separate)
  | 'unsupported' // the backend cannot run it; `reason` says why
  | 'error' // a clean error (bad input, kernel error)
  | 'timeout'
  | 'oom'
  | 'crash';

export type PrecisionVerdict = 'pass' | 'fail' | 'n/a';

export interface Statistics {
  readonly n: number;
  readonly median: number;
  readonly mean: number;
  readonly stdev: number;
  readonly mad: number;
  readonly iqr: number;
  readonly min: number;
  readonly max: number;
  readonly p05: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  /** Bootstrap 95% confidence interval of the median. */
  readonly ciLow: number;
  readonly ciHigh: number;
  /** (ciHigh − ciLow) / 2 / median. */
  readonly relHalfWidth: number;
  readonly outliers: number;
}

export interface Timing {
  /** Where the clock is: host (steady clock around a native loop) or device timeline. */
  readonly timer: 'host' | 'device';
  readonly mode: 'hot' | 'cold' | 'graph';
  readonly iterationsPerSample: number;
  /** Nanoseconds per call, one per sample (raw samples are kept). */
  readonly samplesNs: number[];
  /** Statistics over samplesNs, in nanoseconds. */
  readonly stats: Statistics;
  /** The stopping rule was met (CI half-width under target with ≥ min samples). */
  readonly converged: boolean;
  readonly targetRelHalfWidth: number;
  readonly warmupNs: number;
  /** Host wall time of the whole measurement, ns. */
  readonly wallNs: number;
}

export interface Derived {
  readonly flops: number;
  readonly bytes: number;
  readonly gflops?: number;
  readonly gbps?: number;
  /** Fraction of the machine's measured ceilings (0..1), when calibrated. */
  readonly pctPeakFlops?: number;
  readonly pctPeakBandwidth?: number;
}

export interface MemoryUsage {
  /** Host resident set growth over the case, bytes. */
  readonly hostRssDeltaBytes: number;
  readonly hostPeakRssBytes: number;
  /** Peak of the native allocator (tensors and scratch) during the case, bytes. */
  readonly nativePeakBytes: number;
  readonly devicePeakBytes?: number;
}

/** Error metrics of one output against a reference. */
export interface ErrorMetrics {
  readonly output: string;
  readonly maxAbs: number;
  readonly maxRel: number;
  readonly relL2: number;
  /** Max ULP distance in the candidate dtype (null for integer outputs). */
  readonly maxUlp: number | null;
  readonly snrDb: number;
  readonly nanCount: number;
  readonly infCount: number;
  /** Elements outside atol + rtol·|ref|. */
  readonly violations: number;
  /** Worst |out−ref| / (atol + rtol·|ref|); ≤ 1 passes; Number.MAX_VALUE for a non-finite violation. */
  readonly worstRatio: number;
  readonly count: number;
  /** Effective absolute tolerance used for this output (includes the rms(ref) term). */
  readonly atol?: number;
  readonly rtol?: number;
  /** Flat index of the worst element (absent when there are no elements). */
  readonly worstIndex?: number;
}

export interface PrecisionResult {
  readonly verdict: PrecisionVerdict;
  readonly family: string;
  readonly atol: number;
  readonly rtol: number;
  /** Absolute slack per unit of rms(ref) (reductions); the per-output effective atol is in ErrorMetrics. */
  readonly rmsRtol?: number;
  /**
   * An input added to the result (a residual) that the backend may add after rounding the rest:
   * each element's bound grows by slackRtol·|ref − addend| (precision/tolerance.ts `addendSlack`).
   */
  readonly addend?: { readonly input: string; readonly slackRtol: number };
  /** Against the FP64 oracle on the same (rounded) inputs. */
  readonly vsFp64: ErrorMetrics[];
  /** Against the same backend's FP32 result (absent for f32 itself). */
  readonly vsFp32?: ErrorMetrics[];
  /** The FP32 path against the FP64 oracle: the yardstick of the "not worse than FP32" rule. */
  readonly fp32VsFp64?: ErrorMetrics[];
  /** Allowed excess of relL2 over the FP32 path's (see precision/tolerance.ts). */
  readonly relL2Allowance?: number;
  /** Why it failed, in words. */
  readonly reason?: string;
}

export interface ResultRecord {
  /** Stable case key: backend|kind|op|dtype|shapes|params (see matrix/case-key). */
  readonly key: string;
  readonly kind: 'op' | 'pipeline';
  readonly op: string;
  readonly backend: string;
  readonly dtype: CaseDType;
  readonly label: string;
  readonly params: Params;
  readonly shapes: (number[] | null)[];
  readonly status: CaseStatus;
  readonly reason?: string;
  readonly error?: { readonly code: string; readonly message: string; readonly stderr?: string };
  readonly timing?: Timing;
  readonly derived?: Derived;
  readonly memory?: MemoryUsage;
  readonly precision?: PrecisionResult;
  /** Pipelines: real-time factor = processing time / audio duration. */
  readonly rtf?: number;
  readonly audioSeconds?: number;
  /** Pipelines: what ran where and the pipeline-specific checks (docs/pipelines.md). */
  readonly pipeline?: PipelineRecordInfo;
  readonly seed: number;
  readonly startedAt: string;
  readonly durationMs: number;
}

/** The pipeline block of a record (kind 'pipeline'). */
export interface PipelineRecordInfo {
  readonly name: string;
  /** 1 / rtf: seconds of audio processed per second. */
  readonly xRealTime: number;
  /** Latency of one whole run, ms (from timing.stats). */
  readonly latencyMs: { readonly median: number; readonly p90: number; readonly p99: number };
  /** Output SNR vs the FP64 oracle run and vs the same backend's FP32 run, dB. */
  readonly snrVsFp64Db: number;
  readonly snrVsFp32Db?: number;
  /** 'seeded' (deterministic weights) or 'checkpoint'. */
  readonly weights: 'seeded' | 'checkpoint';
  /** Steps done on the host between backend calls, with why. */
  readonly hostStages: readonly string[];
  /** Catalogue ops issued by one run. */
  readonly deviceOps: number;
  /** Device → host downloads the host then used, per run. */
  readonly roundTrips: number;
  /** Stages run through PipelineExec.segment on a backend that compiles them: one call ('one-call', with its op count) or op by op with the reason. */
  readonly segments?: readonly ({ readonly name: string; readonly mode: 'one-call'; readonly ops: number } | { readonly name: string; readonly mode: 'op-by-op'; readonly reason: string })[];
  /** fftconv: stream count asked for, and the count that ran concurrently (1 on backends without streams). */
  readonly streams?: number;
  readonly streamsEffective?: number;
  /** encodec: per codebook, the share of frames whose code index equals the FP64 run's (and the FP32 run's). */
  readonly codeMatch?: readonly number[];
  readonly codeMatchVsFp32?: readonly number[];
  /** bitnet: integer matmul outputs against the oracle on the same int8 inputs. */
  readonly bitExact?: { readonly taps: number; readonly mismatches: number; readonly exact: boolean };
}

export interface MachineInfo {
  /** Stable, readable, free of host names: e.g. `linux-x64-amd-epyc-7b13-2c-24g`. */
  readonly key: string;
  readonly os: { readonly platform: string; readonly release: string; readonly arch: string };
  readonly cpu: { readonly model: string; readonly cores: number; readonly logicalCores: number };
  readonly memoryBytes: number;
  readonly node: string;
  readonly compiler: string;
  readonly libraries: Readonly<Record<string, string>>;
  readonly gpus: readonly { readonly name: string; readonly driver?: string; readonly memoryBytes?: number }[];
  readonly gitCommit?: string;
  readonly abwVersion: string;
}

export interface RunInfo {
  readonly id: string;
  readonly createdAt: string;
  readonly finishedAt?: string;
  readonly matrix: { readonly name: string; readonly hash: string };
  readonly machine: MachineInfo;
  readonly backends: readonly string[];
  readonly options: Readonly<Record<string, unknown>>;
}

export interface RunFile {
  readonly schema: typeof RUN_SCHEMA_ID;
  readonly schemaVersion: typeof RUN_SCHEMA_VERSION;
  readonly run: RunInfo;
  readonly records: ResultRecord[];
}
