/**
 * Synthetic runs for the comparison, plot and report tests: records with seeded log-normal
 * timing samples around a chosen median, so ratios between runs are known exactly.
 */
import { summarize } from '../../kernel-bridge/src/measure/stats';
import { seededRandom } from '../../kernel-bridge/src/measure/random';
import type { MachineFile } from '../../kernel-bridge/src/results/ceilings';
import type { PrecisionVerdict, ResultRecord, RunFile } from '../../kernel-bridge/src/results/record';
import type { CaseDType } from '../../kernel-bridge/src/tensor';

/** n samples whose population median is `median`, log-normal with sigma `noise`. */
export function lognormalSamples(median: number, n: number, noise: number, seed: number): number[] {
  const rnd = seededRandom(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    // Box–Muller
    const u = Math.max(rnd(), 1e-12);
    const v = rnd();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    out.push(median * Math.exp(noise * z));
  }
  return out;
}

export interface SynthCase {
  readonly op: string;
  readonly label: string;
  readonly dtype?: CaseDType;
  readonly backend?: string;
  readonly kind?: 'op' | 'pipeline';
  readonly shapes?: (number[] | null)[];
  readonly params?: ResultRecord['params'];
  readonly medianNs: number;
  readonly n?: number;
  readonly noise?: number;
  readonly seed?: number;
  readonly status?: ResultRecord['status'];
  readonly precision?: PrecisionVerdict;
  readonly worstRatio?: number;
  readonly flops?: number;
  readonly bytes?: number;
  readonly rtf?: number;
  readonly audioSeconds?: number;
  readonly nativePeakBytes?: number;
}

export function caseKeyOf(c: Pick<SynthCase, 'op' | 'backend' | 'dtype' | 'kind' | 'shapes' | 'params'>): string {
  return `${c.backend ?? 'cpu'}|${c.kind ?? 'op'}|${c.op}|${c.dtype ?? 'f32'}|${JSON.stringify(c.shapes ?? [[64, 64]])}|${JSON.stringify(c.params ?? {})}`;
}

export function synthRecord(c: SynthCase): ResultRecord {
  const status = c.status ?? 'ok';
  const base = {
    key: caseKeyOf(c),
    kind: c.kind ?? 'op',
    op: c.op,
    backend: c.backend ?? 'cpu',
    dtype: c.dtype ?? 'f32',
    label: c.label,
    params: c.params ?? {},
    shapes: c.shapes ?? [[64, 64]],
    seed: 1,
    startedAt: '2026-11-21T23:40:12.000Z',
    durationMs: 100,
  } as const;
  if (status !== 'ok') {
    return { ...base, status, ...(status === 'unsupported' ? { reason: 'not here' } : { error: { code: 'ABW_EINTERNAL', message: 'kernel failed' } }) };
  }
  const samples = lognormalSamples(c.medianNs, c.n ?? 30, c.noise ?? 0.02, c.seed ?? 1);
  const stats = summarize(samples);
  const flops = c.flops ?? 2 * 64 ** 3;
  const bytes = c.bytes ?? 3 * 64 * 64 * 4;
  const worstRatio = c.worstRatio ?? (c.precision === 'fail' ? 3.5 : 0.02);
  const verdict = c.precision ?? 'pass';
  return {
    ...base,
    status,
    timing: {
      timer: 'host',
      mode: 'hot',
      iterationsPerSample: 10,
      samplesNs: samples,
      stats,
      converged: true,
      targetRelHalfWidth: 0.005,
      warmupNs: 1e8,
      wallNs: 5e8,
    },
    derived: { flops, bytes, ...(flops > 0 ? { gflops: flops / stats.median } : {}), gbps: bytes / stats.median },
    memory: { hostRssDeltaBytes: 0, hostPeakRssBytes: 1e8, nativePeakBytes: c.nativePeakBytes ?? bytes },
    precision: {
      verdict,
      family: 'reduction',
      atol: 8e-5,
      rtol: 1.1e-5,
      vsFp64: [
        {
          output: 'out',
          maxAbs: 1e-6 * worstRatio,
          maxRel: 1e-6,
          relL2: 2e-7,
          maxUlp: 12,
          snrDb: 120,
          nanCount: 0,
          infCount: 0,
          violations: verdict === 'fail' ? 7 : 0,
          worstRatio,
          count: 4096,
        },
      ],
      ...(verdict === 'fail' ? { reason: 'out: 7 of 4096 elements outside tolerance' } : {}),
    },
    ...(c.rtf !== undefined ? { rtf: c.rtf, audioSeconds: c.audioSeconds ?? 10 } : {}),
  };
}

export function synthRun(cases: readonly SynthCase[], opts: { id?: string; machine?: string; createdAt?: string; matrix?: string } = {}): RunFile {
  return {
    schema: 'abw.run',
    schemaVersion: 1,
    run: {
      id: opts.id ?? '2026-11-21T23-40-12Z-0001',
      createdAt: opts.createdAt ?? '2026-11-21T23:40:12.000Z',
      finishedAt: '2026-11-21T23:41:00.000Z',
      matrix: { name: opts.matrix ?? 'synthetic', hash: 'abcd1234' },
      machine: {
        key: opts.machine ?? 'linux-x64-test-cpu-8c-32g',
        os: { platform: 'linux', release: '6.8.0', arch: 'x64' },
        cpu: { model: 'Test CPU', cores: 4, logicalCores: 8 },
        memoryBytes: 32 * 2 ** 30,
        node: 'v20.20.2',
        compiler: 'gcc 12',
        libraries: { blas: 'openblas 0.3.26' },
        gpus: [],
        abwVersion: '0.1.0',
      },
      backends: ['cpu'],
      options: { seed: 1 },
    },
    records: cases.map(synthRecord),
  };
}

/**
 * A run that feeds every plot: several ops at several sizes in two dtypes, a precision failure,
 * stream-count cases, pipelines with an RTF. `scale` multiplies every median (1 = baseline).
 */
export function richCases(scale: (label: string) => number = () => 1, seedOffset = 0): SynthCase[] {
  const cases: SynthCase[] = [];
  let seed = 100 + seedOffset;
  for (const dtype of ['f32', 'bf16'] as const) {
    for (const n of [64, 256, 1024]) {
      const label = `matmul ${n}`;
      cases.push({ op: 'matmul', label, dtype, shapes: [[n, n], [n, n]], medianNs: 2 * n ** 3 * (dtype === 'f32' ? 0.02 : 0.05) * scale(label), flops: 2 * n ** 3, bytes: 3 * n * n * (dtype === 'f32' ? 4 : 2), seed: seed++ });
    }
    for (const len of [4410, 44100, 441000]) {
      const label = `relu ${len}`;
      cases.push({ op: 'relu', label, dtype, shapes: [[1, len]], medianNs: len * 0.5 * scale(label), flops: len, bytes: 2 * len * 4, seed: seed++ });
    }
    cases.push({ op: 'reshape', label: 'reshape 16x4410', dtype, shapes: [[16, 4410]], params: { shape: [4410, 16] }, medianNs: 7000 * scale('reshape 16x4410'), flops: 0, bytes: 2 * 16 * 4410 * 4, seed: seed++ });
  }
  cases.push({ op: 'softmax', label: 'softmax 64x512', dtype: 'bf16', shapes: [[64, 512]], medianNs: 50000 * scale('softmax 64x512'), precision: 'fail', worstRatio: 40, seed: seed++ });
  for (const streams of [1, 2, 4]) {
    cases.push({ op: 'conv1d', label: `conv1d streams ${streams}`, shapes: [[1, 16, 4410], [16, 16, 7]], params: { streams }, medianNs: 100000 * (1 + 0.3 * (streams - 1)), nativePeakBytes: streams * 2 ** 20, seed: seed++ });
  }
  cases.push({ op: 'mdx23c', label: 'mdx23c 10s', kind: 'pipeline', shapes: [[2, 441000]], medianNs: 3e9 * scale('mdx23c 10s'), rtf: 0.3, audioSeconds: 10, flops: 0, seed: seed++ });
  cases.push({ op: 'encodec', label: 'encodec 10s', kind: 'pipeline', shapes: [[1, 240000]], medianNs: 15e9 * scale('encodec 10s'), rtf: 1.5, audioSeconds: 10, flops: 0, seed: seed++ });
  return cases;
}

export function synthCeilings(machine: RunFile['run']['machine']): MachineFile {
  const rate = (gflops: number) => ({ gflops, op: 'matmul', shapes: [[1024, 1024], [1024, 1024]], flops: 2 * 1024 ** 3, medianNs: (2 * 1024 ** 3) / gflops, ciLowNs: 1, ciHighNs: 2, samples: 10, converged: true });
  return {
    schema: 'abw.machine',
    schemaVersion: 1,
    machine,
    ceilings: {
      cpu: {
        measuredAt: '2026-11-21T23:00:00.000Z',
        matmul: { f32: rate(100), bf16: rate(60) },
        copy: { gbps: 20, op: 'reshape', shapes: [[16777216]], bytes: 2 * 64 * 2 ** 20, medianNs: 6.7e6, ciLowNs: 6.6e6, ciHighNs: 6.8e6, samples: 10, converged: true },
      },
    },
  };
}
