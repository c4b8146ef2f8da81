import { describe, expect, it } from 'vitest';

import { countRecords, countsLine, formatNs, formatPrecision, formatThroughput, summaryTable } from '../../kernel-bridge/src/cli/summary-table';
import type { ResultRecord } from '../../kernel-bridge/src/results/record';

function rec(over: Partial<ResultRecord>): ResultRecord {
  return {
    key: 'k',
    kind: 'op',
    op: 'relu',
    backend: 'cpu',
    dtype: 'f32',
    label: 'relu',
    params: {},
    shapes: [[4]],
    status: 'ok',
    seed: 1,
    startedAt: '2025-01-01T00:00:00.000Z',
    durationMs: 10,
    ...over,
  } as ResultRecord;
}

describe('summary table', () => {
  it('scales time units', () => {
    expect(formatNs(850)).toBe('850 ns');
    expect(formatNs(12_345)).toBe('12.3 µs');
    expect(formatNs(4_560_000)).toBe('4.56 ms');
    expect(formatNs(1.5e9)).toBe('1.5 s');
  });

  it('renders statuses, CI, throughput and precision, and counts them', () => {
    const stats = { n: 10, median: 2_000_000, ciLow: 1_990_000, ciHigh: 2_010_000 } as never;
    const records = [
      rec({
        timing: { converged: true, stats } as never,
        derived: { flops: 4e9, bytes: 1e6, gflops: 2000 },
        precision: { verdict: 'pass', vsFp64: [{ worstRatio: 0.1 }] } as never,
      }),
      rec({ label: 'x', status: 'unsupported', reason: 'no tf32 here', dtype: 'tf32' }),
      rec({ label: 'y', status: 'error', error: { code: 'ABW_ESHAPE', message: 'bad' } }),
      rec({ label: 'z', timing: { converged: false, stats } as never, precision: { verdict: 'fail', vsFp64: [{ worstRatio: 12 }], reason: 'too far' } as never }),
    ];
    const t = summaryTable(records);
    expect(t).toContain('2 ms [1.99, 2.01]');
    expect(t).toContain('2000 GFLOP/s');
    expect(t).toContain('pass 0.1×tol');
    expect(t).toContain('no tf32 here');
    expect(t).toContain('ABW_ESHAPE: bad');
    expect(t).toContain('FAIL 12×tol');
    const line = countsLine(countRecords(records));
    expect(line).toBe('4 cases: 2 ok, 1 unsupported, 1 error; precision 1 pass, 1 FAIL; 1 not converged (~)');
  });
  it('shows a pipeline row as RTF and output SNR', () => {
    const r = rec({
      kind: 'pipeline',
      op: 'mdx23c',
      rtf: 0.25,
      derived: { flops: 1e12, bytes: 1e9, gflops: 40 },
      precision: { verdict: 'pass', vsFp64: [{ worstRatio: 0.1 }] } as never,
      pipeline: { snrVsFp64Db: 131.4 } as never,
    });
    expect(formatThroughput(r)).toBe('RTF 0.25 (4× real time)');
    expect(formatPrecision(r)).toBe('pass 131 dB SNR');
    const failed = rec({ ...r, precision: { verdict: 'fail', vsFp64: [] } as never, pipeline: { snrVsFp64Db: 12.5 } as never });
    expect(formatPrecision(failed)).toBe('FAIL 12.5 dB SNR');
  });
});
