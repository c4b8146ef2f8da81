#!/usr/bin/env node
'use strict';
/**
 * bench/webgpu-vs-cuda: the webgpu backend (Dawn on the GPU's Vulkan driver) beside the cuda
 * backend (cuBLAS f32 without TF32, cuFFT) on the same GPU, in one process, case by case
 * (webgpu, then cuda) to share the machine's state. Targets from the WebGPU issue: matmul f32
 * 4096³ ≥ 0.5× cuBLAS; rfft and stft ≥ 0.5× cuFFT throughput. Each backend is timed on its own
 * device clock where it has one (webgpu: timestamp-query; cuda: CUDA events) by the workbench's
 * measureCall. Writes results/bench/webgpu-vs-cuda/<machine>.json (or --out) and prints a table
 * of speed ratios (cuda time / webgpu time: ≥ 0.5 meets the target).
 *
 * webgpu variants: each case is also prepared with the FFT's dispatch forced (the backend's
 * kernelChoices.fftSplit: 1 = a whole line per workgroup, the dispatch before fft-split.ts; 2, 4
 * = spread over that many workgroups where the length allows). Where the dispatches differ, each
 * distinct one is timed (`webgpu.variants`, keyed `fftSplit=S`, a repeat marked `sameAs`); the
 * case's webgpu number is the variant the kernels' own rule picks (`webgpu.rule`), `webgpu.best`
 * names the fastest. Every webgpu record lists its `dispatches` (pass labels: route and shape).
 *
 * Usage: node bench/webgpu-vs-cuda/run.js [--quick] [--out FILE] [--webgpu-only] [--only IDS] [--webgpu-limits JSON] [--fft-splits LIST]
 *   --quick          small shapes (a CPU machine with lavapipe: checks the script, not the GPU)
 *   --webgpu-only    skip cuda (its ratio is then n/a)
 *   --only IDS       the cases whose id contains one of these comma-separated substrings
 *   --webgpu-limits  cap the limits webgpu sizes its kernels by, e.g. '{"invocations":256}' or
 *                    '{"workgroupStorage":16384}' (FFT workgroup shapes; recorded in the report)
 *   --fft-splits     the fftSplit variants to prepare, comma-separated (default 1,2,4; '' for none)
 */
const fs = require('fs');
const path = require('path');
const { benchArgs } = require('../lib/args');

const kb = path.join(__dirname, '..', '..', 'kernel-bridge', 'dist');
const { getBackend, backendEntries } = require(path.join(kb, 'backend'));
const { measureCall } = require(path.join(kb, 'measure'));
const { machineInfo } = require(path.join(kb, 'backend', 'machine'));
const { WebGpuBackend } = require(path.join(kb, 'backends', 'webgpu', 'webgpu-backend'));

const args = benchArgs(__filename, {
  quick: { type: 'boolean', default: false },
  'webgpu-only': { type: 'boolean', default: false },
  out: { type: 'string' },
  only: { type: 'string' },
  'webgpu-limits': { type: 'string' },
  'fft-splits': { type: 'string', default: '1,2,4' },
});
const webgpuLimits = args['webgpu-limits'] ? JSON.parse(args['webgpu-limits']) : undefined;
const fftSplits = args['fft-splits'].split(',').filter(Boolean).map(Number);

const FULL = [
  { id: 'matmul-f32-4096', op: 'matmul', shapes: [[4096, 4096], [4096, 4096]], params: {}, target: 0.5 },
  { id: 'matmul-f32-1024', op: 'matmul', shapes: [[1024, 1024], [1024, 1024]], params: {}, target: null },
  { id: 'rfft-64x8192', op: 'rfft', shapes: [[64, 8192]], params: {}, target: 0.5 },
  { id: 'rfft-2x441000', op: 'rfft', shapes: [[2, 441000]], params: {}, target: 0.5 },
  { id: 'stft-2ch-10s-2048', op: 'stft', shapes: [[2, 441000]], params: { n_fft: 2048, hop_length: 512 }, target: 0.5 },
  { id: 'stft-2ch-10s-4096', op: 'stft', shapes: [[2, 441000]], params: { n_fft: 4096, hop_length: 1024 }, target: 0.5 },
];
const QUICK = [
  { id: 'matmul-f32-256', op: 'matmul', shapes: [[256, 256], [256, 256]], params: {}, target: 0.5 },
  { id: 'rfft-8x8192', op: 'rfft', shapes: [[8, 8192]], params: {}, target: 0.5 },
  { id: 'stft-1ch-1s-2048', op: 'stft', shapes: [[1, 44100]], params: { n_fft: 2048, hop_length: 512 }, target: 0.5 },
];

function randn(n, seed) {
  // Small seeded generator; the bench only needs non-degenerate data.
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}

function upload(backend, c) {
  return c.shapes.map((shape, i) => backend.upload({ dtype: 'f32', shape, data: randn(shape.reduce((a, b) => a * b, 1), 7 + i) }));
}

/** The labels of the dispatches `backend` plans for case c (prepared, not run: no device work). */
function dispatchesOf(backend, c) {
  const tensors = upload(backend, c);
  const call = backend.prepare(c.op, tensors, c.params, 'f32');
  const labels = [...(call.dispatches ?? [])];
  call.dispose();
  tensors.forEach((t) => backend.free(t));
  return labels;
}

async function timeOn(backend, c) {
  const tensors = upload(backend, c);
  const call = backend.prepare(c.op, tensors, c.params, 'f32');
  try {
    await call.run();
    const timing = await measureCall(call, { timer: backend.timer, target: 0.01, budgetMs: args.quick ? 2000 : 8000, minSamples: 10 });
    return {
      medianNs: timing.stats.median,
      ciLowNs: timing.stats.ciLow,
      ciHighNs: timing.stats.ciHigh,
      converged: timing.converged,
      timer: backend.timer,
      clocks: call.clocks ? [...call.clocks] : undefined,
      ...(call.dispatches ? { dispatches: [...call.dispatches] } : {}),
      samplesNs: timing.samplesNs,
    };
  } finally {
    call.dispose();
    tensors.forEach((t) => backend.free(t));
  }
}

const sameList = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The webgpu side of case c: timed once where every fftSplit variant plans the default's
 * dispatches; else each distinct variant timed on its own backend (`variant(fftSplit)`), the rule's
 * (the default backend's dispatches) giving the case's number.
 */
async function timeWebgpu(webgpu, variant, c) {
  const rule = dispatchesOf(webgpu, c);
  const planned = fftSplits.map((fftSplit) => {
    const backend = variant(fftSplit);
    return { key: `fftSplit=${fftSplit}`, backend, dispatches: dispatchesOf(backend, c) };
  });
  if (planned.every((v) => sameList(v.dispatches, rule))) return timeOn(webgpu, c);
  const variants = {};
  const timed = [];
  for (const v of planned) {
    const same = timed.find((t) => sameList(t.dispatches, v.dispatches));
    if (same) {
      variants[v.key] = { sameAs: same.key, dispatches: v.dispatches };
      continue;
    }
    timed.push(v);
    try {
      variants[v.key] = await timeOn(v.backend, c);
    } catch (e) {
      variants[v.key] = { error: e.message, dispatches: v.dispatches };
    }
    console.error(`${c.id} webgpu ${v.key}: ${fmt(variants[v.key])}`);
  }
  const ok = timed.filter((t) => variants[t.key].medianNs);
  const best = ok.length ? ok.reduce((a, t) => (variants[t.key].medianNs < variants[a.key].medianNs ? t : a)).key : null;
  const ruleKey = timed.find((t) => sameList(t.dispatches, rule))?.key;
  // A rule outside the variants (not expected): timed on the default backend.
  const chosen = ruleKey ? variants[ruleKey] : await timeOn(webgpu, c);
  return { ...chosen, rule: ruleKey ?? 'auto (none of the variants)', best, variants };
}

async function main() {
  const only = args.only ? args.only.split(',') : undefined;
  const cases = (args.quick ? QUICK : FULL).filter((c) => !only || only.some((o) => c.id.includes(o)));
  const webgpu = webgpuLimits ? new WebGpuBackend({ kernelLimits: webgpuLimits }) : getBackend('webgpu');
  const cudaProblem = args['webgpu-only'] ? 'skipped (--webgpu-only)' : probe('cuda');
  const cuda = cudaProblem ? undefined : getBackend('cuda');
  const variantBackends = new Map();
  const variant = (fftSplit) => {
    if (!variantBackends.has(fftSplit)) variantBackends.set(fftSplit, new WebGpuBackend({ kernelLimits: webgpuLimits, kernelChoices: { fftSplit } }));
    return variantBackends.get(fftSplit);
  };
  const rows = [];
  for (const c of cases) {
    const row = { id: c.id, op: c.op, shapes: c.shapes, params: c.params, target: c.target };
    try {
      row.webgpu = await timeWebgpu(webgpu, variant, c);
    } catch (e) {
      row.webgpu = { error: e.message };
    }
    if (cuda) {
      try {
        row.cuda = await timeOn(cuda, c);
      } catch (e) {
        row.cuda = { error: e.message };
      }
    } else {
      row.cuda = { error: args['webgpu-only'] ? cudaProblem : `cuda unavailable: ${cudaProblem}` };
    }
    row.ratio = row.webgpu.medianNs && row.cuda.medianNs ? row.cuda.medianNs / row.webgpu.medianNs : null;
    row.pass = c.target === null || row.ratio === null ? null : row.ratio >= c.target;
    rows.push(row);
    console.error(`${c.id}: webgpu ${fmt(row.webgpu)} cuda ${fmt(row.cuda)}`);
  }
  const machine = machineInfo();
  const report = {
    bench: 'webgpu-vs-cuda',
    machine,
    date: new Date().toISOString(),
    quick: args.quick,
    ...(webgpuLimits ? { webgpuLimits } : {}),
    fftSplits,
    backends: { webgpu: webgpu.info(), cuda: cuda ? cuda.info() : null },
    rows,
  };
  const file = args.out || path.join(__dirname, '..', '..', 'results', 'bench', 'webgpu-vs-cuda', `${machine.key}${args.quick ? '-quick' : ''}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file + '.tmp', JSON.stringify(report, null, 1));
  fs.renameSync(file + '.tmp', file);
  console.log(`machine: ${machine.key}; webgpu device: ${webgpu.info().device}`);
  console.log('| case | webgpu median | cuda median | speed ratio (cuda time / webgpu time) | target | ok |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.id} | ${fmt(r.webgpu)} | ${fmt(r.cuda)} | ${r.ratio ? r.ratio.toFixed(2) + '×' : 'n/a'} | ${r.target === null ? '–' : '≥ ' + r.target} | ${r.pass === null ? '–' : r.pass ? 'yes' : 'NO'} |`,
    );
  }
  for (const r of rows.filter((x) => x.webgpu.variants)) {
    const parts = Object.entries(r.webgpu.variants).map(([k, v]) => `${k} ${v.sameAs ? `= ${v.sameAs}` : fmt(v)}${k === r.webgpu.rule ? ' (rule)' : ''}`);
    console.log(`${r.id} webgpu variants: ${parts.join(', ')}; fastest ${r.webgpu.best}`);
  }
  console.log(`written: ${path.relative(process.cwd(), file)}`);
  webgpu.dispose();
  variantBackends.forEach((b) => b.dispose());
}

/** Why backend `id` cannot run here (undefined: it can). */
function probe(id) {
  const entry = backendEntries().find((e) => e.id === id);
  if (!entry) return 'not registered';
  try {
    return entry.probe();
  } catch (e) {
    return `probe failed: ${e.message}`;
  }
}

function fmt(m) {
  if (!m || m.error) return m ? `(${m.error})` : '–';
  return `${(m.medianNs / 1e6).toFixed(3)} ms${m.converged ? '' : ' (not converged)'}`;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
