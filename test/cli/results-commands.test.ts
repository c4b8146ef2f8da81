/**
 * `abw calibrate`, `abw report` and `abw run --report` end to end, in-process through
 * main(argv, io), on this machine's cpu backend at tiny sizes (fast, not real ceilings).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import type { Io } from '../../kernel-bridge/src/cli/io';
import { main } from '../../kernel-bridge/src/cli/main';
import { readCeilings } from '../../kernel-bridge/src/results/ceilings';
import { listRuns } from '../../kernel-bridge/src/results/store';
import { machineInfo } from '../../kernel-bridge/src/backend/machine';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abw-results-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function abw(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => void (out += s), err: (s) => void (err += s), progress: { write: () => true, isTTY: false } };
  const code = await main(argv, io);
  return { code, out, err };
}

describe('abw calibrate / run --report / report', () => {
  it('calibrates the cpu backend and stores the ceilings with the machine', async () => {
    const r = await abw('calibrate', '--backend', 'cpu', '--dtype', 'f32,tf32', '--size', '64', '--copy-mib', '1', '--budget-ms', '20', '--out', dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/cpu matmul 64×64 f32: [\d.]+ GFLOP\/s/);
    expect(r.out).toMatch(/cpu copy 2 MiB per call: [\d.]+ GB\/s/);
    const m = readCeilings(dir, machineInfo().key)!;
    expect(m.ceilings.cpu!.matmul.f32!.gflops).toBeGreaterThan(0);
    expect(m.ceilings.cpu!.copy!.gbps).toBeGreaterThan(0);
    expect(m.ceilings.cpu!.skipped?.tf32).toMatch(/TF32/);
    expect((await abw('calibrate', '--backend', 'nope', '--out', dir)).code).toBe(2);
  });

  it('run --report writes the report beside the run; report compares with the pinned baseline', async () => {
    const run = await abw('run', '--matrix', 'quick', '--backend', 'cpu', '--only', 'matmul 64,relu*', '--budget-ms', '20', '--out', dir, '--report', '-q');
    expect(run.code).toBe(0);
    const [first] = listRuns(dir);
    const html = first!.file.replace(/\.json$/, '.html');
    expect(run.out).toContain(`report: ${html}`);
    const text = fs.readFileSync(html, 'utf8');
    expect(text.match(/<div class="plot" id="plot-\d+"><\/div>/g)).toHaveLength(8);
    expect(text).toMatch(/no baseline for machine/);
    // % of ceiling filled from the calibration above.
    expect(text).toMatch(/ceilings<\/th><td>cpu: f32 [\d.]+ GFLOP\/s/);

    expect((await abw('baseline', 'set', 'latest', '--out', dir)).code).toBe(0);
    await abw('run', '--matrix', 'quick', '--backend', 'cpu', '--only', 'matmul 64,relu*', '--budget-ms', '20', '--out', dir, '-q');
    const out = path.join(dir, 'r.html');
    const rep = await abw('report', 'latest', '--html', out, '--out', dir);
    expect(rep.code).toBe(0);
    expect(rep.out).toMatch(/compared with baseline .*: \d+ regression/);
    expect(fs.readFileSync(out, 'utf8')).toContain('new / baseline [95% CI]');
    expect((await abw('report', 'latest', '--no-baseline', '--machine', 'x', '--out', dir)).code).toBe(2);
    const cmp = await abw('compare', '--out', dir, '--json');
    expect(cmp.code).toBe(0);
    expect(JSON.parse(cmp.out).rows.length).toBeGreaterThan(0);
  });
});
