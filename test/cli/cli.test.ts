/**
 * The `abw` command end to end: most commands in-process through main(argv, io) (fast, exact
 * exit codes), plus the real bin/abw.js once after `npm run build:ts`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { main } from '../../kernel-bridge/src/cli/main';
import type { Io } from '../../kernel-bridge/src/cli/io';
import { listOps } from '../../kernel-bridge/src/ops/catalogue';
import { validateRunFile } from '../../kernel-bridge/src/results/validate';

const ROOT = path.resolve(__dirname, '..', '..');

async function abw(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (s) => void (out += s),
    err: (s) => void (err += s),
    progress: { write: (s: string) => void (err += s), isTTY: false },
  };
  const code = await main(argv, io);
  return { code, out, err };
}

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'abw-cli-'));
}

function writeCase(obj: unknown): string {
  const f = path.join(tmpdir(), 'case.json');
  fs.writeFileSync(f, JSON.stringify(obj));
  return f;
}

describe('abw list', () => {
  it('ops --json has every op with its input names in order', async () => {
    const r = await abw('list', 'ops', '--json');
    expect(r.code).toBe(0);
    const { ops } = JSON.parse(r.out) as { ops: { name: string; inputs: { name: string; optional: boolean }[]; dtypes: string[]; outputs: unknown[] }[] };
    expect(ops.map((o) => o.name)).toEqual(listOps().map((o) => o.name));
    const conv1d = ops.find((o) => o.name === 'conv1d');
    expect(conv1d?.inputs.map((i) => i.name)).toEqual(['input', 'weight', 'bias']);
    expect(conv1d?.inputs[2]?.optional).toBe(true);
    for (const o of ops) {
      expect(o.inputs.length, o.name).toBeGreaterThan(0);
      expect(o.outputs.length, o.name).toBeGreaterThan(0);
      expect(o.dtypes.length, o.name).toBeGreaterThan(0);
    }
  });

  it('backends and matrices list what exists', async () => {
    const b = await abw('list', 'backends', '--json');
    expect(b.code).toBe(0);
    expect(JSON.parse(b.out).backends.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining(['ref', 'cpu']));
    const m = await abw('list', 'matrices', '--json');
    expect(m.code).toBe(0);
    const names = JSON.parse(m.out).matrices.map((x: { name: string; cases: number }) => x.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'quick']));
    const text = await abw('list', 'ops');
    expect(text.out).toMatch(/conv1d .*\n\s+\(input, weight, bias\?\) → \(out\)/);
  });

  it('rejects unknown lists and flags with exit code 2', async () => {
    expect((await abw('list', 'gpus')).code).toBe(2);
    const r = await abw('list', 'ops', '--jsn');
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown flag --jsn; flags: --json');
    expect((await abw('frobnicate')).code).toBe(2);
  });
});

describe('abw exec', () => {
  it('conv1d matches a hand computation', async () => {
    // Cross-correlation with [1, 0, -1], padding 1: y[i] = x[i-1] - x[i+1] (zeros outside), + bias.
    const f = writeCase({
      op: 'conv1d',
      params: { padding: 1 },
      inputs: [
        { shape: [1, 1, 5], data: [1, 2, 3, 4, 5] },
        { shape: [1, 1, 3], data: [1, 0, -1] },
        { shape: [1], data: [0.5] },
      ],
    });
    for (const backend of ['cpu', 'ref']) {
      const r = await abw('exec', f, '--backend', backend);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const out = JSON.parse(r.out).outputs[0];
      expect(out.shape).toEqual([1, 1, 5]);
      expect(out.data).toEqual([-1.5, -1.5, -1.5, -1.5, 4.5]);
    }
  });

  it('matmul matches a hand computation, transposes included', async () => {
    const a = { shape: [2, 2], data: [1, 2, 3, 4] };
    const b = { shape: [2, 2], data: [5, 6, 7, 8] };
    const r = await abw('exec', writeCase({ op: 'matmul', inputs: [a, b] }));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).outputs[0].data).toEqual([19, 22, 43, 50]);
    const t = await abw('exec', writeCase({ op: 'matmul', params: { transpose_b: true }, inputs: [a, b] }));
    expect(JSON.parse(t.out).outputs[0].data).toEqual([17, 23, 39, 53]);
  });

  it('runs integer ops in their own dtype by default', async () => {
    const f = writeCase({ op: 'ternary_matmul', inputs: [{ shape: [1, 2], data: [3, -2] }, { shape: [2, 2], data: [1, 0, -1, 1] }] });
    for (const backend of ['cpu', 'ref']) {
      const r = await abw('exec', f, '--backend', backend);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.out).outputs[0];
      expect([out.dtype, out.data]).toEqual(['int32', [3, -5]]);
    }
    const bad = writeCase({ op: 'ternary_matmul', inputs: [{ shape: [1, 2], data: [300, -2] }, { shape: [2, 2], data: [1, 0, -1, 1] }] });
    expect((await abw('exec', bad)).err).toMatch(/inputs\[0\]\.data\[0\] must be an integer in \[-128, 127\]/);
  });

  it('rounds inputs to the dtype and writes non-finite values as strings', async () => {
    const f = writeCase({ op: 'relu', inputs: [{ shape: [4], data: [1.01, -2, 'NaN', 'Infinity'] }] });
    const r = await abw('exec', f, '--dtype', 'bf16');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out).outputs[0];
    expect(out.dtype).toBe('bf16');
    expect(out.data).toEqual([1.0078125, 0, 'NaN', 'Infinity']);
  });

  it('errors are clean: exit code 2 and a message naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ inputs: [] }, /op must be a known op, got nothing; known ops: .*conv1d/],
      [{ op: 'relu', inputs: [{ shape: [2, -1], data: [1, 2] }] }, /inputs\[0\]\.shape\[1\] must be a positive integer, got -1/],
      [{ op: 'relu', inputs: [{ shape: [3], data: [1, 2] }] }, /inputs\[0\]\.data has 2 values; shape \[3\] needs 3/],
      [{ op: 'relu', inputs: [{ shape: [2], data: [1, 'x'] }] }, /inputs\[0\]\.data\[1\] must be a number/],
      [{ op: 'matmul', inputs: [{ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, { shape: [2, 2], data: [1, 2, 3, 4] }] }, /\[matmul\] inputs\.b/],
      [{ op: 'matmul', params: { transpose_c: 1 }, inputs: [] }, /params\.transpose_c/],
    ];
    for (const [obj, re] of cases) {
      const r = await abw('exec', writeCase(obj));
      expect(r.code, JSON.stringify(obj)).toBe(2);
      expect(r.err).toMatch(re);
      expect(r.out).toBe('');
    }
    const bad = path.join(tmpdir(), 'bad.json');
    fs.writeFileSync(bad, '{"op": ');
    expect((await abw('exec', bad)).err).toMatch(/not valid JSON/);
    expect((await abw('exec', path.join(tmpdir(), 'missing.json'))).code).toBe(2);
    expect((await abw('exec', writeCase({ op: 'relu', inputs: [] }), '--dtype', 'fp8')).err).toMatch(/--dtype must be one of/);
    expect((await abw('exec', writeCase({ op: 'relu', inputs: [] }), '--backend', 'tpu')).err).toMatch(/unknown backend "tpu"/);
  });
});

describe('abw doctor', () => {
  it('exits 0 when the essentials are there', async () => {
    const r = await abw('doctor', '--out', tmpdir());
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/native addon\s+loaded/);
    expect(r.out).toContain('essentials OK');
  });
});

describe('abw run', () => {
  it('runs the quick matrix for relu into a valid run file and prints a summary', async () => {
    const out = tmpdir();
    const r = await abw('run', '--matrix', 'quick', '--only', 'relu', '--backend', 'cpu', '--out', out, '--budget-ms', '50');
    expect(r.err).not.toMatch(/abw run: /);
    expect(r.code).toBe(0);
    const file = /results: (.*\.json)/.exec(r.out)?.[1];
    expect(file).toBeDefined();
    expect(file!.startsWith(path.join(out, 'runs'))).toBe(true);
    const run = validateRunFile(JSON.parse(fs.readFileSync(file!, 'utf8')), file!);
    expect(run.records.map((x) => `${x.op}:${x.dtype}:${x.status}`)).toEqual(['relu:f32:ok', 'relu:bf16:ok']);
    for (const rec of run.records) {
      expect(rec.precision?.verdict).toBe('pass');
      expect(rec.timing?.samplesNs.length).toBeGreaterThanOrEqual(10);
      expect(rec.derived?.gbps).toBeGreaterThan(0);
    }
    expect(run.records[1]?.precision?.vsFp32).toBeDefined();
    expect(r.out).toMatch(/relu 16x4410\s+cpu\s+f32\s+ok/);
    expect(r.out).toContain('2 cases: 2 ok');
    // Progress on a non-TTY: one line per finished case.
    expect(r.err).toMatch(/\[1\/2\] relu 16x4410 · cpu · f32: ok/);
    // The journal is gone once the run file is written.
    expect(fs.readdirSync(path.dirname(file!)).filter((f) => f.endsWith('.jsonl'))).toEqual([]);
  });

  it('records what a backend cannot run as unsupported, with the reason', async () => {
    const out = tmpdir();
    const r = await abw('run', '--matrix', 'quick', '--only', 'matmul', '--dtype', 'tf32', '--backend', 'cpu', '--out', out);
    expect(r.code).toBe(0);
    const file = /results: (.*\.json)/.exec(r.out)![1]!;
    const run = validateRunFile(JSON.parse(fs.readFileSync(file, 'utf8')), file);
    expect(run.records).toHaveLength(1);
    expect(run.records[0]?.status).toBe('unsupported');
    expect(run.records[0]?.reason).toMatch(/TF32/);
    expect(r.out).toContain('1 unsupported');
  });

  it('rejects bad arguments with exit code 2', async () => {
    expect((await abw('run', '--matrix', 'nope')).err).toMatch(/does not exist; shared matrices/);
    expect((await abw('run', '--backend', 'tpu')).code).toBe(2);
    expect((await abw('run', '--seed', 'x')).err).toMatch(/--seed must be an integer/);
    expect((await abw('run', '--matrix', 'quick', '--only', 'zzz', '--out', tmpdir())).err).toMatch(/selection is empty/);
  });
});

describe('bin/abw.js', () => {
  beforeAll(() => {
    // tsc emits even when another module has a type error; the bin needs dist/.
    spawnSync('npm', ['run', 'build:ts'], { cwd: ROOT, stdio: 'ignore' });
  }, 300_000);

  it('prints help and sets the exit code', () => {
    const bin = path.join(ROOT, 'kernel-bridge', 'bin', 'abw.js');
    const help = spawnSync(process.execPath, [bin, 'help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: abw <command>');
    const bad = spawnSync(process.execPath, [bin, 'list', 'ops', '--nope'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown flag --nope');
    const doc = spawnSync(process.execPath, [bin, 'doctor', '--out', tmpdir()], { encoding: 'utf8' });
    expect(doc.status).toBe(0);
  });
});
