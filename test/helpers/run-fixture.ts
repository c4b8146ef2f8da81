/** A small valid RunFile for tests of the result store, comparison and reports. */
import { summarize } from '../../kernel-bridge/src/measure/stats';
import type { ResultRecord, RunFile } from '../../kernel-bridge/src/results/record';

export function fixtureRecord(i: number, samplesNs: number[] = [1000 + i, 1010 + i, 990 + i, 1005 + i, 995 + i]): ResultRecord {
  return {
    key: `cpu|op|matmul|f32|[64, 64],[64, 64]|transpose_a=false#${i}`,
    kind: 'op',
    op: 'matmul',
    backend: 'cpu',
    dtype: 'f32',
    label: `matmul 64x64x64 #${i}`,
    params: { transpose_a: false, transpose_b: false, sizes: [64, 64] },
    shapes: [[64, 64], [64, 64], null],
    status: 'ok',
    timing: {
      timer: 'host',
      mode: 'hot',
      iterationsPerSample: 100,
      samplesNs,
      stats: summarize(samplesNs),
      converged: true,
      targetRelHalfWidth: 0.005,
      warmupNs: 1e8,
      wallNs: 5e8,
    },
    derived: { flops: 2 * 64 ** 3, bytes: 3 * 64 * 64 * 4, gflops: 524, gbps: 49 },
    memory: { hostRssDeltaBytes: -4096, hostPeakRssBytes: 1e8, nativePeakBytes: 49152 },
    precision: {
      verdict: 'pass',
      family: 'reduction',
      atol: 8e-5,
      rtol: 1.1e-5,
      rmsRtol: 1e-5,
      vsFp64: [
        {
          output: 'out',
          maxAbs: 1e-6,
          maxRel: 1e-6,
          relL2: 2e-7,
          maxUlp: 12,
          snrDb: 133.9,
          nanCount: 0,
          infCount: 0,
          violations: 0,
          worstRatio: 0.01,
          count: 4096,
          atol: 8.1e-5,
          rtol: 1.1e-5,
          worstIndex: 7,
        },
      ],
    },
    seed: 1,
    startedAt: '2026-11-21T23:40:12.000Z',
    durationMs: 612.5,
  };
}

export function fixtureRun(records = 3): RunFile {
  return {
    schema: 'abw.run',
    schemaVersion: 1,
    run: {
      id: '2026-11-21T23-40-12Z-3fa9',
      createdAt: '2026-11-21T23:40:12.000Z',
      finishedAt: '2026-11-21T23:41:00.000Z',
      matrix: { name: 'quick', hash: 'sha256:0123abcd' },
      machine: {
        key: 'linux-x64-amd-epyc-16c-128g',
        os: { platform: 'linux', release: '6.8.0', arch: 'x64' },
        cpu: { model: 'AMD EPYC', cores: 8, logicalCores: 16 },
        memoryBytes: 128 * 2 ** 30,
        node: 'v20.20.2',
        compiler: 'gcc 12',
        libraries: { blas: 'openblas 0.3.26' },
        gpus: [],
        abwVersion: '0.1.0',
      },
      backends: ['cpu'],
      options: { seed: 1 },
    },
    records: Array.from({ length: records }, (_, i) => fixtureRecord(i)),
  };
}
