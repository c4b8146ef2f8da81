/**
 * The cpu LSTM picks AVX-512 kernels at run time where the CPU has them, else AVX2 ones; both sum
 * every dot product in the same order, so they must agree bit for bit. ABW_CPU_ISA=avx2 keeps the
 * AVX2 path on an AVX-512 machine: the same lstm / lstm_cell cases run in two processes, one per
 * path, and their outputs are compared byte for byte.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const hasAvx512 = fs.existsSync('/proc/cpuinfo') && /\bavx512f\b/.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));

// Runs the cases on the cpu backend (through the compiled kernel-bridge) and prints a hash of
// every output's bytes.
const SCRIPT = `
const { createHash } = require('node:crypto');
const { getBackend } = require('./kernel-bridge/dist/backend/registry');
const rnd = (n, s) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7311 + s) * 0.4);
const cases = [
  { op: 'lstm', shapes: [[16, 7, 64], [256, 64], [256, 64], [256], [256]], params: { num_layers: 1, batch_first: true } },
  { op: 'lstm', shapes: [[3, 40, 96], [512, 96], [512, 128], [512], [512], [512, 128], [512, 128], [512], [512]], params: { num_layers: 2, batch_first: true } },
  { op: 'lstm', shapes: [[1, 100, 33], [132, 33], [132, 33], [132], [132]], params: { num_layers: 1, batch_first: true } },
];
(async () => {
  const cpu = getBackend('cpu');
  const out = [];
  for (const [ci, c] of cases.entries()) {
    const ts = c.shapes.map((s, i) => cpu.upload({ dtype: 'f32', shape: s, data: rnd(s.reduce((a, b) => a * b, 1), ci * 10 + i) }));
    // x, then no h0 / c0 (zeros), then each layer's weights and biases.
    const res = await cpu.run(c.op, [ts[0], null, null, ...ts.slice(1)], c.params, 'f32');
    for (const r of res) {
      const h = await cpu.download(r);
      out.push(createHash('sha256').update(Buffer.from(h.data.buffer, h.data.byteOffset, h.data.byteLength)).digest('hex'));
    }
  }
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`;

function hashes(env: Record<string, string | undefined>): string[] {
  const r = spawnSync(process.execPath, ['-e', SCRIPT], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as string[];
}

describe('cpu LSTM: AVX-512 and AVX2 kernels agree bit for bit', () => {
  it(`gives the same bytes with ABW_CPU_ISA=avx2 as with the run-time choice${hasAvx512 ? '' : ' (this CPU has no AVX-512: both runs take the AVX2 path)'}`, () => {
    const auto = hashes({ ABW_CPU_ISA: undefined });
    const avx2 = hashes({ ABW_CPU_ISA: 'avx2' });
    expect(auto.length).toBe(9); // 3 cases × (out, h_n, c_n)
    expect(avx2).toEqual(auto);
  }, 120_000);
});
