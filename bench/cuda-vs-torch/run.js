#!/usr/bin/env node
// bench/cuda-vs-torch: the workbench's cuda backend and PyTorch on the same GPU, same shapes and
// dtypes, in one run. Both sides time `iterations` back-to-back launches per sample with CUDA
// events (median of the samples, after warm-up). Writes both, the ratios (PyTorch time /
// workbench time: > 1 means the workbench is faster) against the issue's targets, and each
// side's % of the ceilings measured here (matmul 8192³ per dtype, device copy bandwidth).
//
//   node bench/cuda-vs-torch/run.js [--out FILE] [--python python3] [--quick]
// Needs kernel-bridge/dist and an addon with the CUDA module at ABW_NATIVE_BUILD.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { choiceLog } = require('../lib/cuda-choices');
const { maxRelDiff } = require('../lib/compare');

const dist = path.resolve(__dirname, '../../kernel-bridge/dist');
const { CudaBackend } = require(path.join(dist, 'backends/native/cuda-backend'));
const { addon } = require(path.join(dist, 'backends/native/addon'));

const args = process.argv.slice(2);
const arg = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const outFile = arg('--out', path.join(__dirname, '../../results/bench/cuda-vs-torch/latest.json'));
const python = arg('--python', 'python3');

// Each case's record keeps the cuDNN algorithm / engine choices its prepare added.
const newChoices = choiceLog();

// The issue's shapes. ratio targets: workbench speed / PyTorch speed.
const CASES = [
  ...['f32', 'tf32', 'f16', 'bf16'].map((dtype) => ({ name: 'matmul 4096³', op: 'matmul', dtype, shape: { M: 4096, N: 4096, K: 4096 }, target: 0.95, iterations: 5, samples: 10 })),
  ...['f32', 'tf32', 'f16', 'bf16'].map((dtype) => ({ name: 'conv1d B8 256→256 L16384 k7', op: 'conv1d', dtype, shape: { B: 8, Cin: 256, Cout: 256, L: 16384, K: 7 }, target: 0.95, iterations: 5, samples: 10 })),
  { name: 'stft 2ch 60s n4096 hop1024', op: 'stft', dtype: 'f32', shape: { channels: 2, length: 60 * 44100, n_fft: 4096, hop: 1024 }, target: 1.0, iterations: 10, samples: 10 },
  { name: 'istft 2ch 60s n4096 hop1024', op: 'istft', dtype: 'f32', shape: { channels: 2, length: 60 * 44100, n_fft: 4096, hop: 1024 }, target: 1.0, iterations: 10, samples: 10 },
  ...['f32', 'f16'].map((dtype) => ({ name: 'lstm 2 layers H512 B16 T512', op: 'lstm', dtype, shape: { layers: 2, H: 512, I: 512, B: 16, T: 512 }, target: 1.0, iterations: 3, samples: 10 })),
  { name: 'fft conv B16 C64 N65536', op: 'fft_conv', dtype: 'f32', shape: { B: 16, C: 64, N: 65536 }, target: 2.0, iterations: 5, samples: 10 },
];

function randn(n, seed) {
  // Deterministic, cheap, roughly normal (sum of uniforms); values only need to be non-trivial.
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let k = 0; k < 3; k++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      acc += (s >>> 0) / 4294967296;
    }
    out[i] = (acc - 1.5) * 2;
  }
  return out;
}

function host(dtype, shape, seed, scale = 1) {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = randn(n, seed);
  if (scale !== 1) for (let i = 0; i < n; i++) v[i] *= scale;
  const storage = dtype === 'tf32' ? 'f32' : dtype;
  return { dtype: storage, shape, data: storage === 'f32' ? v : addon().roundTo(storage, v) };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Inputs, params, FLOPs and minimum bytes moved of one case on the workbench side. */
function workbenchCase(c) {
  const s = c.shape, dt = c.dtype;
  const es = dt === 'f16' || dt === 'bf16' ? 2 : 4;
  switch (c.op) {
    case 'matmul':
      return { op: 'matmul', inputs: [host(dt, [s.M, s.K], 1), host(dt, [s.K, s.N], 2)], params: {}, flops: 2 * s.M * s.N * s.K, bytes: es * (s.M * s.K + s.K * s.N + s.M * s.N) };
    case 'conv1d': {
      const Lo = s.L;
      return {
        op: 'conv1d',
        inputs: [host(dt, [s.B, s.Cin, s.L], 1), host(dt, [s.Cout, s.Cin, s.K], 2, 0.05), host(dt, [s.Cout], 3)],
        params: { padding: Math.floor(s.K / 2) },
        flops: 2 * s.B * s.Cout * Lo * s.Cin * s.K,
        bytes: es * (s.B * s.Cin * s.L + s.Cout * s.Cin * s.K + s.B * s.Cout * Lo),
      };
    }
    case 'stft': {
      const frames = 1 + Math.floor(s.length / s.hop), nf = s.n_fft / 2 + 1;
      return { op: 'stft', inputs: [host(dt, [s.channels, s.length], 1)], params: { n_fft: s.n_fft, hop_length: s.hop }, flops: 0, bytes: 4 * (s.channels * s.length + s.channels * nf * frames * 2) };
    }
    case 'istft': {
      const frames = 1 + Math.floor(s.length / s.hop), nf = s.n_fft / 2 + 1;
      return { op: 'istft', inputs: [host(dt, [s.channels, nf, frames, 2], 1)], params: { n_fft: s.n_fft, hop_length: s.hop, length: s.length }, flops: 0, bytes: 4 * (s.channels * s.length + s.channels * nf * frames * 2) };
    }
    case 'lstm': {
      const inputs = [host(dt, [s.T, s.B, s.I], 1), null, null];
      for (let l = 0; l < s.layers; l++) {
        const k = 1 / Math.sqrt(s.H);
        inputs.push(host(dt, [4 * s.H, l ? s.H : s.I], 10 + l, k), host(dt, [4 * s.H, s.H], 20 + l, k), host(dt, [4 * s.H], 30 + l, k), host(dt, [4 * s.H], 40 + l, k));
      }
      const flops = s.layers * s.T * 2 * s.B * 4 * s.H * (s.I + s.H);
      return { op: 'lstm', inputs, params: { num_layers: s.layers, hidden_size: s.H }, flops, bytes: es * (s.T * s.B * (s.I + s.H) + s.layers * 4 * s.H * (s.I + s.H)) };
    }
    default:
      throw new Error(`no workbench case for ${c.op}`);
  }
}

async function runWorkbench(cuda, c) {
  if (c.op === 'fft_conv') return runFftConv(c);
  const w = workbenchCase(c);
  const dev = w.inputs.map((t) => (t ? cuda.upload(t) : null));
  try {
    newChoices();
    const call = cuda.prepare(w.op, dev, w.params, c.dtype);
    const choices = newChoices();
    await call.run();
    await call.measure({ iterations: 2, samples: 2 }); // warm-up
    const ns = await call.measure({ iterations: c.iterations, samples: c.samples });
    const mem = cuda.memory();
    call.dispose();
    return { ns, median_ns: median(ns), flops: w.flops, bytes: w.bytes, devicePeakBytes: mem.peakBytes, ...(choices.length ? { choices } : {}) };
  } finally {
    dev.forEach((t) => t && cuda.free(t));
  }
}

/**
 * The fused FFT convolution (native op `fft_conv`, not in the catalogue): the four-step method at
 * 1, 2, 4 streams with 16 and 32 columns per block, and the cuFFT method at 1, 2, 4, 8 streams with the spectral multiply as a
 * cuFFT LTO store callback ('on') and as its own kernel ('off'). Every variant's output is
 * checked against the first cuFFT variant's; one that differs by more than 1e-4 (relative to the
 * largest value) is kept in the record with its error but never counts. The case's time is the
 * fastest valid variant.
 */
async function runFftConv(c) {
  const n = addon(), s = c.shape, nh = s.N / 2 + 1;
  const x = n.tensor('f32', [s.B, s.C, s.N], randn(s.B * s.C * s.N, 1), 'cuda');
  const h = n.tensor('f32', [s.C, nh, 2], randn(s.C * nh * 2, 2), 'cuda');
  const b = n.tensor('f32', [s.C], randn(s.C, 3), 'cuda');
  const y = n.tensor('f32', [s.B, s.C, s.N], null, 'cuda');
  const plan = [
    ...['off', 'on'].flatMap((callbacks) => [1, 2, 4, 8].map((streams) => ({ method: 'cufft', callbacks, streams }))),
    ...[16, 32].flatMap((fourstep_columns) => [1, 2, 4].map((streams) => ({ method: 'fourstep', fourstep_columns, streams }))),
  ];
  const variants = {};
  let reference = null;
  try {
    for (const params of plan) {
      const streamsText = `${params.streams} stream${params.streams > 1 ? 's' : ''}`;
      const key = params.method === 'cufft' ? `callbacks ${params.callbacks}, ${streamsText}` : `four-step, ${params.fourstep_columns} columns, ${streamsText}`;
      const t0 = Date.now();
      try {
        const op = new n.PreparedOp('cuda', 'fft_conv', 'f32', [x, h, b], [y], params);
        const prepareMs = Date.now() - t0;
        op.run();
        const out = y.read();
        if (!reference) reference = out;
        const relErr = maxRelDiff(out, reference);
        await op.measure({ iterations: 2, samples: 2 });
        const ns = Array.from(await op.measure({ iterations: c.iterations, samples: c.samples }));
        variants[key] = { ...params, ns, median_ns: median(ns), prepareMs, relErr, ...(relErr > 1e-4 || !Number.isFinite(relErr) ? { invalid: `differs from the first variant by ${relErr}` } : {}) };
      } catch (e) {
        variants[key] = { ...params, error: `${e.code || ''} ${e.message}` };
        console.error(`fft_conv ${key}: ${e.message}`);
      }
    }
  } finally {
    [x, h, b, y].forEach((t) => t.free());
  }
  const ok = Object.entries(variants).filter(([, v]) => v.median_ns && !v.invalid);
  if (ok.length === 0) throw new Error(`every fft_conv variant failed: ${JSON.stringify(variants)}`);
  const best = ok.reduce((a, e) => (e[1].median_ns < a[1].median_ns ? e : a));
  const rows = s.B * s.C;
  return {
    ns: best[1].ns,
    median_ns: best[1].median_ns,
    best: best[0],
    method: best[1].method,
    streams: best[1].streams,
    ...(best[1].callbacks ? { callbacks: best[1].callbacks } : {}),
    variants,
    flops: 0,
    // Minimum traffic of the stage: read x (and the small h), write y.
    bytes: 4 * (2 * rows * s.N + s.C * nh * 2),
  };
}

async function main() {
  const cuda = new CudaBackend();
  const device = cuda.device();
  const casesFile = path.join(os.tmpdir(), 'abw-cuda-vs-torch-cases.json');
  fs.writeFileSync(casesFile, JSON.stringify(CASES));
  let peer;
  try {
    peer = JSON.parse(execFileSync(python, [path.join(__dirname, 'torch_peer.py'), casesFile], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] }));
  } catch (e) {
    peer = { error: String(e.message || e), cases: [], ceilings: {} };
  }
  const ceil = { ...(peer.ceilings || {}) };
  const rows = [];
  const wbResults = [];
  for (const c of CASES) {
    try {
      wbResults.push(await runWorkbench(cuda, c));
    } catch (e) {
      wbResults.push({ error: `${e.code || ''} ${e.message}` });
    }
  }
  // A ceiling is the best rate measured on this GPU: PyTorch's 8192³ matmul, or any faster
  // matmul of this run (either side), so no case exceeds 100%.
  CASES.forEach((c, i) => {
    if (c.op !== 'matmul') return;
    const key = `matmul_${c.dtype}_tflops`;
    const flops = 2 * c.shape.M * c.shape.N * c.shape.K;
    const pt = (peer.cases || []).find((p) => p.name === c.name && p.dtype === c.dtype);
    for (const ns of [wbResults[i].median_ns, pt && pt.median_ns]) if (ns) ceil[key] = Math.max(ceil[key] || 0, flops / ns / 1e3);
  });
  for (const [i, c] of CASES.entries()) {
    const wb = wbResults[i];
    const pt = (peer.cases || []).find((p) => p.name === c.name && p.dtype === c.dtype) || { error: 'no PyTorch result' };
    const ratio = wb.median_ns && pt.median_ns ? pt.median_ns / wb.median_ns : undefined;
    const peak = ceil[`matmul_${c.dtype}_tflops`];
    const pct = (ns) => {
      if (!ns) return undefined;
      if (wb.flops && peak) return (100 * wb.flops) / ns / 1e3 / peak;
      if (wb.bytes && ceil.copy_gbps) return (100 * wb.bytes) / ns / ceil.copy_gbps;
      return undefined;
    };
    const row = {
      name: c.name,
      op: c.op,
      dtype: c.dtype,
      shape: c.shape,
      target: c.target,
      ratio,
      meetsTarget: ratio === undefined ? false : ratio >= c.target,
      ceilingUsed: wb.flops ? `matmul_${c.dtype}_tflops` : 'copy_gbps',
      workbench: { ...wb, pctOfCeiling: pct(wb.median_ns) },
      torch: { ...pt, pctOfCeiling: pct(pt.median_ns) },
    };
    rows.push(row);
    const r = ratio === undefined ? '   n/a' : ratio.toFixed(3);
    console.log(`${c.name.padEnd(30)} ${c.dtype.padEnd(5)} abw ${(wb.median_ns / 1e3 || NaN).toFixed(1).padStart(9)} µs  torch ${(pt.median_ns / 1e3 || NaN).toFixed(1).padStart(9)} µs  ratio ${r} (target ${c.target})${wb.variants ? ` [best: ${wb.best}]` : ''}${wb.choices ? ` [${wb.choices.map((ch) => ch.summary).join('; ')}]` : ''}${wb.error ? ` abw error: ${wb.error}` : ''}${pt.error ? ` torch error: ${pt.error}` : ''}`);
  }
  const result = {
    bench: 'cuda-vs-torch',
    version: 1,
    date: new Date().toISOString(),
    machine: { device: device.name, computeCapability: device.computeCapability, multiprocessors: device.multiprocessors, memoryBytes: device.totalMemoryBytes, driver: device.driver, runtime: device.runtime, cpus: os.cpus().length },
    libraries: { cublasLt: device.cublasLt, cudnn: device.cudnn, cufft: device.cufft, torch: peer.torch, torchCuda: peer.cuda, torchCudnn: peer.cudnn },
    method: 'CUDA events around `iterations` back-to-back launches per sample, median of `samples`; after warm-up; same method on both sides',
    ceilings: ceil,
    peerError: peer.error,
    cases: rows,
  };
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, JSON.stringify(result, null, 1));
  console.log(`wrote ${outFile}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
