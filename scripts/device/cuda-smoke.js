#!/usr/bin/env node
// Checks of the cuda backend that the op matrix does not make, on the GPU machine (needs the
// compiled kernel-bridge in kernel-bridge/dist and the addon + CUDA module at ABW_NATIVE_BUILD):
//   sweep   every catalogue op × dtype once at small shapes (what compute-sanitizer memcheck runs)
//   checks  TF32 is a separate mode (matmul, conv1d), f16/bf16 convolutions (legacy API against graph API) equal cpu,
//           device timer + CUDA graphs + L2 flush, memory statistics, out-of-memory becomes ABW_ENOMEM and the
//           backend keeps working, the BitNet ops equal cpu bit for bit.
// Prints one JSON line per check and exits non-zero when any check fails.
'use strict';
const path = require('node:path');

const dist = path.resolve(__dirname, '../../kernel-bridge/dist');
const { getBackend, runOp } = require(path.join(dist, 'backend'));
const { CudaBackend } = require(path.join(dist, 'backends/native/cuda-backend'));
const { OPS } = require(path.join(dist, 'ops/catalogue'));
const { generateInputs } = require(path.join(dist, 'ops/generate'));
const { planCall } = require(path.join(dist, 'ops/plan-call'));
const { roundToDType, tensorValues } = require(path.join(dist, 'precision/dtype-values'));
const { kindStorage } = require(path.join(dist, 'ops/tensor-kind'));
const { UNIT_ROUNDOFF } = require(path.join(dist, 'precision/tolerance'));
const { addon } = require(path.join(dist, 'backends/native/addon'));
const { maxRelDiff: maxRelErr } = require('../../bench/lib/compare');

const mode = process.argv[2] || 'checks';
// Where the CUDA module records its cuDNN choices (native/src/cuda/choices.h).
const fs = require('node:fs');
const os = require('node:os');
process.env.ABW_CUDA_CHOICES = process.env.ABW_CUDA_CHOICES || path.join(os.tmpdir(), `abw-cuda-smoke-choices-${process.pid}.jsonl`);
function choices() {
  try {
    return fs.readFileSync(process.env.ABW_CUDA_CHOICES, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}
let failures = 0;
function report(name, ok, detail) {
  if (!ok) failures++;
  console.log(JSON.stringify({ check: name, ok, ...detail }));
}

function hostInputs(spec, shapes, params, dtype, seed) {
  const planned = planCall(spec, shapes, params);
  const gen = generateInputs(spec, shapes, planned.params, seed);
  // Per-input storage where the declarations line up with the inputs (not variadic): a 'wide'
  // input (dequantize_int32's scale) stays f32 in an f16 case.
  const decls = spec.inputs(planned.params);
  return {
    planned,
    inputs: gen.map((d, i) => {
      const shape = shapes[i];
      if (!d || !shape) return null;
      if (d instanceof Int8Array) return { dtype: 'int8', shape, data: d };
      if (d instanceof Int32Array) return { dtype: 'int32', shape, data: d };
      const st = kindStorage(decls.length === gen.length ? decls[i].kind : 'float', dtype);
      return { dtype: st, shape, data: roundToDType(d, st) };
    }),
  };
}

async function sweep(matrixPath) {
  const cuda = getBackend('cuda');
  const m = require(path.resolve(matrixPath));
  let ran = 0;
  for (const c of m.cases) {
    const spec = OPS.find((o) => o.name === c.op);
    if (!spec) continue;
    for (const dt of c.dtypes || m.defaults.dtypes) {
      if (!cuda.supports(c.op, dt, c.params || {}).ok) continue;
      const small = c.shapes.every((s) => !s || s.reduce((a, b) => a * b, 1) <= 1 << 20);
      if (!small) continue;
      try {
        const { planned, inputs } = hostInputs(spec, c.shapes, c.params || {}, dt, 7);
        const outs = await runOp(cuda, c.op, inputs, planned.params, dt);
        const finite = outs.every((o) => Array.from(tensorValues(o)).every((v) => Number.isFinite(v) || Number.isNaN(v)));
        ran++;
        if (!finite) report(`sweep ${c.label} ${dt}`, false, { reason: 'non-finite output' });
      } catch (e) {
        report(`sweep ${c.label} ${dt}`, false, { code: e.code, message: e.message });
      }
    }
  }
  report('sweep', failures === 0, { ran });
}

// The fused fft_conv stage (a native op, not in the catalogue) equals the composed ops
// rfft → complex_mul → irfft → add_bias: the cuFFT method (callbacks off/on, 1 and 3 streams) at
// n = 1024, and at n = 65536 the four-step method (1 and 2 streams) beside cuFFT, with 3 rows so
// that the last row pair has one row.
async function fftConvChecks(cuda) {
  const n = addon();
  const rnd = (count, k) => Float32Array.from({ length: count }, (_, i) => Math.sin(i * 0.37 + k) * Math.cos(i * 0.011 * k));
  const geometries = [
    { B: 2, C: 3, N: 1024, variants: [['off', 1], ['off', 3], ['on', 1], ['on', 3]].map(([callbacks, streams]) => ({ method: 'cufft', callbacks, streams })) },
    {
      B: 1,
      C: 3,
      N: 65536,
      variants: [
        { method: 'fourstep', fourstep_columns: 16, streams: 1 },
        { method: 'fourstep', fourstep_columns: 32, streams: 2 },
        { method: 'cufft', callbacks: 'off', streams: 1 },
        { method: 'cufft', callbacks: 'on', streams: 1 },
      ],
    },
  ];
  const errs = {};
  for (const { B, C, N, variants } of geometries) {
    const nh = N / 2 + 1;
    const xs = { dtype: 'f32', shape: [B, C, N], data: rnd(B * C * N, 1) };
    const hs = { dtype: 'f32', shape: [C, nh, 2], data: rnd(C * nh * 2, 2) };
    const bs = { dtype: 'f32', shape: [C], data: rnd(C, 3) };
    const [spectrum] = await runOp(cuda, 'rfft', [xs], {}, 'f32');
    const [prod] = await runOp(cuda, 'complex_mul', [spectrum, hs], {}, 'f32');
    const [time] = await runOp(cuda, 'irfft', [prod], { n: N }, 'f32');
    const [want] = await runOp(cuda, 'add_bias', [time, bs], { dim: 1 }, 'f32');
    const tx = n.tensor('f32', xs.shape, xs.data, 'cuda'), th = n.tensor('f32', hs.shape, hs.data, 'cuda'), tb = n.tensor('f32', bs.shape, bs.data, 'cuda');
    for (const v of variants) {
      const key = `n ${N}: ${v.method}${v.callbacks ? `, callbacks ${v.callbacks}` : ''}${v.fourstep_columns ? `, ${v.fourstep_columns} columns` : ''}, ${v.streams} stream${v.streams > 1 ? 's' : ''}`;
      const ty = n.tensor('f32', xs.shape, null, 'cuda');
      try {
        new n.PreparedOp('cuda', 'fft_conv', 'f32', [tx, th, tb], [ty], v).run();
        errs[key] = maxRelErr(ty.read(), want.data);
      } catch (e) {
        errs[key] = `${e.code} ${e.message}`;
      }
      ty.free();
    }
    [tx, th, tb].forEach((t) => t.free());
  }
  report('fft_conv equals rfft → complex_mul → irfft → add_bias', Object.values(errs).every((e) => typeof e === 'number' && e < 1e-5), { maxRelErr: errs });
  // The four-step method serves one length; any other is a clear error naming the parameter.
  let code = null, message = '';
  const x = n.tensor('f32', [1, 1, 1024], null, 'cuda'), h = n.tensor('f32', [1, 513, 2], null, 'cuda'), y = n.tensor('f32', [1, 1, 1024], null, 'cuda');
  try {
    new n.PreparedOp('cuda', 'fft_conv', 'f32', [x, h], [y], { method: 'fourstep' });
  } catch (e) {
    ({ code, message } = e);
  }
  [x, h, y].forEach((t) => t.free());
  report("fft_conv method 'fourstep' at n = 1024 → a clear error", /EINVAL/.test(code || '') && /method 'fourstep' needs n = 65536/.test(message), { code, message });
}


async function checks() {
  const cuda = getBackend('cuda');
  const ref = getBackend('ref');
  const info = cuda.info();
  report('info', info.timer === 'device', { device: info.device, libraries: info.libraries });

  // TF32 is its own mode: f32 matches the FP64 oracle closely, tf32 measurably less so.
  const spec = OPS.find((o) => o.name === 'matmul');
  const shapes = [[256, 512], [512, 256]];
  const { planned, inputs } = hostInputs(spec, shapes, {}, 'f32', 3);
  const wide = inputs.map((t) => ({ dtype: 'f64', shape: t.shape, data: Float64Array.from(t.data) }));
  const oracle = tensorValues((await runOp(ref, 'matmul', wide, planned.params, 'f64'))[0]);
  const f32 = tensorValues((await runOp(cuda, 'matmul', inputs, planned.params, 'f32'))[0]);
  const tf32 = tensorValues((await runOp(cuda, 'matmul', inputs, planned.params, 'tf32'))[0]);
  const e32 = maxRelErr(f32, oracle), etf = maxRelErr(tf32, oracle);
  report('tf32 is a separate mode', e32 < 1e-5 && etf > 10 * e32, { f32MaxRelErr: e32, tf32MaxRelErr: etf });

  // conv1d too: tf32 goes through cuDNN's graph API to tensor cores (docs/decisions.md, 20), so
  // it is measurably less exact than f32 (FMA) yet within TF32's reach; bias and 'same' padding
  // included. The record says which API and engine ran.
  {
    const cspec = OPS.find((o) => o.name === 'conv1d');
    const cshapes = [[2, 64, 512], [64, 64, 7], [64]];
    const c = hostInputs(cspec, cshapes, { padding: 3 }, 'f32', 5);
    const cwide = c.inputs.map((t) => ({ dtype: 'f64', shape: t.shape, data: Float64Array.from(t.data) }));
    const coracle = tensorValues((await runOp(ref, 'conv1d', cwide, c.planned.params, 'f64'))[0]);
    const cf32 = tensorValues((await runOp(cuda, 'conv1d', c.inputs, c.planned.params, 'f32'))[0]);
    const ctf32 = tensorValues((await runOp(cuda, 'conv1d', c.inputs, c.planned.params, 'tf32'))[0]);
    const ce32 = maxRelErr(cf32, coracle), cetf = maxRelErr(ctf32, coracle);
    const picked = choices().filter((ch) => ch.op === 'conv1d').map((ch) => `${ch.mode}: ${ch.summary}`);
    report('conv1d tf32 is a separate mode (tensor cores)', ce32 < 1e-5 && cetf > 10 * ce32 && cetf < 1e-2, { f32MaxRelErr: ce32, tf32MaxRelErr: cetf, choices: picked });
  }

  await halfConvChecks(cuda);

  // Device timer, graph replay and cold (L2-flushed) samples all give positive per-call times.
  const x = cuda.upload({ dtype: 'f32', shape: [2048, 2048], data: new Float32Array(2048 * 2048).fill(0.5) });
  const call = cuda.prepare('matmul', [x, x], {}, 'f32');
  await call.run();
  const hot = await call.measure({ iterations: 10, samples: 5 });
  const cold = await call.measure({ iterations: 1, samples: 5, cold: true });
  const graphed = new CudaBackend({ graphs: true });
  const gcall = graphed.prepare('relu', [x], {}, 'f32');
  const g = await gcall.measure({ iterations: 100, samples: 5 });
  const ghot = await cuda.prepare('relu', [x], {}, 'f32').measure({ iterations: 100, samples: 5 });
  const tflops = (2 * 2048 ** 3) / Math.min(...hot) / 1e3;
  report('device timer', [...hot, ...cold, ...g].every((v) => v > 0), { matmulHotNs: hot, matmulColdNs: cold, reluGraphNs: g, reluLaunchNs: ghot, matmulTflops: tflops });

  // Memory statistics: the caching allocator's current/peak and cudaMemGetInfo.
  cuda.resetPeak();
  const before = cuda.memory();
  const big = cuda.upload({ dtype: 'f32', shape: [1 << 24], data: new Float32Array(1 << 24) });
  const during = cuda.memory();
  cuda.free(big);
  const after = cuda.memory();
  report('memory statistics', during.currentBytes - before.currentBytes === 4 << 24 && after.currentBytes === before.currentBytes && during.peakBytes >= during.currentBytes && during.deviceTotalBytes > 0, { before, during, after });

  // Out of memory: a 4 TiB tensor and an op whose output does not fit are ABW_ENOMEM, and the
  // backend keeps working afterwards.
  let code1, code2;
  try {
    addon().tensor('f32', [1 << 30, 1024], null, 'cuda');
  } catch (e) {
    code1 = e.code;
  }
  const small = cuda.upload({ dtype: 'f32', shape: [1, 4, 4], data: new Float32Array(16).fill(1) });
  try {
    cuda.prepare('pad', [small], { pad: [0, 4_000_000_000, 0, 30] }, 'f32');
  } catch (e) {
    code2 = e.code;
  }
  const [out] = await runOp(cuda, 'relu', [{ dtype: 'f32', shape: [4], data: new Float32Array([-1, 2, -3, 4]) }], {}, 'f32');
  report('out of memory → ABW_ENOMEM, then the backend goes on', code1 === 'ABW_ENOMEM' && code2 === 'ABW_ENOMEM' && Array.from(out.data).join() === '0,2,0,4', { code1, code2, after: Array.from(out.data) });
  cuda.free(small);
  cuda.free(x);

  await fftConvChecks(cuda);
  await bitnetChecks(cuda);
}

// Deterministic integers in [0, 2^32) (LCG), for inputs that must be the same on both backends.
function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

// f16/bf16 convolutions without a bias run the faster of the legacy API's algorithm and the graph
// API's best engine (docs/decisions.md, 25). Whichever runs must match the cpu backend: both
// accumulate in f32 and round once, so an element may be a rounding off either way (4·u of the
// largest output covers two roundings at the top of its binade). Cases: conv2d on an MDX23C-like
// shape, conv1d with 'same' padding and an even kernel (asymmetric: the graph API takes it as
// pre/post padding, the legacy path zero-pads a copy), and conv_transpose1d (the data-gradient
// path). The record says which API ran, with both times (legacyMs, graphMs) and, where a side
// had no candidate, why (graphFallback, legacyFallback).
async function halfConvChecks(cuda) {
  const cpu = getBackend('cpu');
  const cases = [
    ['conv2d', [[4, 128, 64, 64], [128, 128, 3, 3], null], { padding: 1 }, ['f16', 'bf16']],
    ['conv1d', [[4, 128, 2048], [128, 128, 4], null], { padding: 'same' }, ['f16']],
    ['conv_transpose1d', [[4, 128, 512], [128, 64, 8], null], { stride: 4, padding: 2 }, ['f16', 'bf16']],
  ];
  const errs = {};
  const tolerance = {};
  let ok = true;
  for (const [op, shapes, params, dtypes] of cases) {
    const ospec = OPS.find((o) => o.name === op);
    for (const dt of dtypes) {
      const label = `${op} ${shapes[0].join('x')} w ${shapes[1].join('x')} ${JSON.stringify(params)} ${dt}`;
      tolerance[dt] = 4 * UNIT_ROUNDOFF[dt];
      try {
        const { planned, inputs } = hostInputs(ospec, shapes, params, dt, 13);
        const want = tensorValues((await runOp(cpu, op, inputs, planned.params, dt))[0]);
        const got = tensorValues((await runOp(cuda, op, inputs, planned.params, dt))[0]);
        const e = got.length === want.length ? maxRelErr(got, want) : NaN;
        errs[label] = e;
        if (!(e <= tolerance[dt])) ok = false; // NaN fails too
      } catch (e) {
        errs[label] = `${e.code} ${e.message}`;
        ok = false;
      }
    }
  }
  const picked = choices()
    .filter((ch) => ['conv1d', 'conv2d', 'conv_transpose1d'].includes(ch.op) && (ch.mode === 'f16' || ch.mode === 'bf16'))
    .map((ch) => ({
      op: ch.op,
      mode: ch.mode,
      api: ch.api,
      legacyMs: ch.legacyMs,
      graphMs: ch.graphMs,
      summary: ch.summary,
      ...(ch.graphFallback ? { graphFallback: ch.graphFallback } : {}),
      ...(ch.legacyFallback ? { legacyFallback: ch.legacyFallback } : {}),
      key: ch.key,
    }));
  const raced = picked.filter((ch) => ch.legacyMs !== undefined || ch.graphMs !== undefined).length;
  report('f16/bf16 conv without bias (faster of legacy and graph API) equals cpu', ok && raced > 0, { maxRelErr: errs, tolerance, raced, choices: picked });
}

// How many elements of two outputs differ (NaN equals NaN; -0 equals 0, as the cpu compares).
function differing(a, b) {
  const x = tensorValues(a), y = tensorValues(b);
  if (x.length !== y.length) return Infinity;
  let d = 0;
  for (let i = 0; i < x.length; i++) if (!(x[i] === y[i] || (Number.isNaN(x[i]) && Number.isNaN(y[i])))) d++;
  return d;
}

// The BitNet ops against the cpu backend, bit for bit: ternary_matmul on both of its paths
// (cuBLASLt's int8 IMMA GEMM; the dp4a kernel where K or N is not a multiple of 4) with ternary
// and full-range int8 weights, and quantize_int8's block-per-row kernel (dim last, 4-element and
// 1-element loads) and its strided kernel (another dim), NaN and ±Inf rows included. The record
// says which path each matmul shape took.
async function bitnetChecks(cuda) {
  const cpu = getBackend('cpu');
  const rnd = lcg(11);
  const int8 = (shape, ternary) => ({
    dtype: 'int8',
    shape,
    data: Int8Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (ternary ? (rnd() % 3) - 1 : (rnd() >>> 24) - 128)),
  });
  const mm = {};
  // [x shape, N]: cuBLASLt shapes (BitNet's, M = 1, M = 16, a leading batch dim), then K % 4 != 0 and N % 4 != 0 (dp4a).
  const mmCases = [[[257, 2560], 384], [[1, 2560], 6912], [[16, 6912], 2560], [[2, 3, 64], 96], [[33, 37], 40], [[5, 64], 30], [[3, 1], 7]];
  for (const [xs, N] of mmCases) {
    const K = xs[xs.length - 1];
    for (const ternary of [true, false]) {
      const xq = int8(xs, false), wq = int8([N, K], ternary);
      const key = `${xs.join('x')}·${N}x${K}${ternary ? ' ternary' : ' int8'}`;
      try {
        const [want] = await runOp(cpu, 'ternary_matmul', [xq, wq], {}, 'int8');
        const [got] = await runOp(cuda, 'ternary_matmul', [xq, wq], {}, 'int8');
        mm[key] = differing(got, want);
      } catch (e) {
        mm[key] = `${e.code} ${e.message}`;
      }
    }
  }
  const paths = choices().filter((ch) => ch.op === 'ternary_matmul').map((ch) => `${ch.key}: ${ch.summary}`);
  report('ternary_matmul equals cpu bit for bit (cuBLASLt and dp4a paths)', Object.values(mm).every((d) => d === 0), { differing: mm, paths });

  const qspec = OPS.find((o) => o.name === 'quantize_int8');
  const q = {};
  // [shape, dim, dtypes]: BitNet's per-token rows (4-element loads), odd rows (1-element loads), a middle dim.
  const qCases = [[[4500, 2560], -1], [[64, 6912], -1], [[7, 1001], -1], [[3, 5], -1], [[3, 50, 8], 1], [[6, 33], 0]];
  for (const [shape, dim] of qCases) {
    for (const dt of ['f32', 'bf16']) {
      if (!cpu.supports('quantize_int8', dt, { dim }).ok) continue;
      const planned = planCall(qspec, [shape], { dim });
      const n = shape.reduce((a, b) => a * b, 1);
      const v = Float32Array.from({ length: n }, (_, i) => (((rnd() >>> 8) / 2 ** 24) * 2 - 1) * (1 + (i % 97)));
      // Specials: a NaN in the first row / line, ±Inf in the second, the third all zeros (the 1e-5 clamp).
      const len = shape[dim < 0 ? shape.length + dim : dim];
      const stride = dim < 0 || dim === shape.length - 1 ? 1 : shape.slice((dim < 0 ? shape.length + dim : dim) + 1).reduce((a, b) => a * b, 1);
      const lineStart = (o) => (stride === 1 ? o * len : o);
      if (n >= 3 * len) {
        v[lineStart(0) + stride * Math.floor(len / 2)] = NaN;
        v[lineStart(1)] = Infinity;
        v[lineStart(1) + stride * (len - 1)] = -Infinity;
        for (let i = 0; i < len; i++) v[lineStart(2) + stride * i] = 0;
      }
      const x = { dtype: dt, shape, data: roundToDType(v, dt) };
      const key = `${shape.join('x')} dim ${dim} ${dt}`;
      try {
        const want = await runOp(cpu, 'quantize_int8', [x], planned.params, dt);
        const got = await runOp(cuda, 'quantize_int8', [x], planned.params, dt);
        q[key] = { q: differing(got[0], want[0]), scale: differing(got[1], want[1]) };
      } catch (e) {
        q[key] = `${e.code} ${e.message}`;
      }
    }
  }
  report('quantize_int8 equals cpu bit for bit (row and strided kernels, NaN/Inf rows)', Object.values(q).every((d) => d.q === 0 && d.scale === 0), { differing: q });

  await pinnedCopies(cuda);
  await queuedCopies(cuda);
}

// Page-locked host copies (decision 24): a staged array from cudaHostArray and every download of
// 1 MiB or more use the module's pinned blocks. Values survive the round trip at every size
// (pinned and pageable), a pinned upload may be overwritten as soon as upload() returns, blocks
// come back through the garbage collector, and the bandwidth is reported beside a pageable copy.
async function pinnedCopies(cuda) {
  const sizes = [1000, (1 << 18) - 3, 1 << 20, 3 * (1 << 20) + 5];
  const bad = [];
  for (const n of sizes) {
    const pinned = cuda.hostArray('f32', n);
    const plain = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 1000);
    const src = pinned ?? new Float32Array(n);
    src.set(plain);
    const t = cuda.upload({ dtype: 'f32', shape: [n], data: src });
    src.fill(7); // after upload() returns the buffer is the caller's again
    const back = (await cuda.download(t)).data;
    cuda.free(t);
    let diff = 0;
    for (let i = 0; i < n; i++) if (back[i] !== plain[i]) diff++;
    if (diff) bad.push({ n, pinned: !!pinned, differing: diff });
  }
  const small = cuda.hostArray('f32', 1000);
  const big = 1 << 26; // 256 MiB of f32
  const host = cuda.hostArray('f32', big);
  const pageable = new Float32Array(big).fill(1);
  if (host) host.fill(1);
  const gbps = (bytes, ns) => bytes / ns;
  const time = async (data) => {
    const t0 = process.hrtime.bigint();
    const d = cuda.upload({ dtype: 'f32', shape: [big], data });
    const t1 = process.hrtime.bigint();
    await cuda.download(d);
    const t2 = process.hrtime.bigint();
    cuda.free(d);
    return { uploadGBps: gbps(4 * big, Number(t1 - t0)), downloadGBps: gbps(4 * big, Number(t2 - t1)) };
  };
  await time(pageable); // first touch, plan caches
  const rates = { pageable: await time(pageable), pinned: host ? await time(host) : null };
  // Blocks return to the cache when collected: 20 downloads of 256 MiB must not pin 5 GiB.
  let gcOk = null;
  if (global.gc) {
    const d = cuda.upload({ dtype: 'f32', shape: [big], data: pageable });
    for (let i = 0; i < 20; i++) {
      await cuda.download(d);
      global.gc();
    }
    cuda.free(d);
    gcOk = true;
  }
  report('page-locked host copies', bad.length === 0 && small === undefined && host !== undefined, { bad, rates, gcLoop: gcOk });
}

// Queued copies (copy_queue.cpp, decision 30): 16 bands of 1 Mi values each go up on the upload
// stream, through an op on the compute stream, and back on the download stream into their place
// in one page-locked output; every band's source is freed right after its download is queued and
// the freed blocks are reused at once by an upload of other values, so a missing wait shows as
// wrong values. Then the same work with whole-tensor copies beside it, for the overlap (timing is
// recorded, not judged).
async function queuedCopies(cuda) {
  const bands = 16, per = 1 << 20, n = bands * per;
  const input = cuda.hostArray('f32', n);
  const output = cuda.hostArray('f32', n);
  if (!input || !output) return report('queued copies', false, { reason: 'no page-locked memory' });
  for (let i = 0; i < n; i++) input[i] = Math.sin(i * 1e-3) * 4;
  const banded = async () => {
    const xs = Array.from({ length: bands }, (_, b) => cuda.uploadQueued({ dtype: 'f32', shape: [per], data: input.subarray(b * per, (b + 1) * per) }));
    const junk = [];
    for (let b = 0; b < bands; b++) {
      const [y] = await cuda.run('mul', [xs[b], xs[b]], {}, 'f32');
      cuda.downloadQueued(y, output.subarray(b * per, (b + 1) * per));
      cuda.free(xs[b]);
      cuda.free(y);
      junk.push(cuda.upload({ dtype: 'f32', shape: [per], data: new Float32Array(per).fill(-1) }));
      const [z] = await cuda.run('mul', [junk.at(-1), junk.at(-1)], {}, 'f32');
      junk.push(z);
    }
    await cuda.sync();
    junk.forEach((t) => cuda.free(t));
  };
  const whole = async () => {
    const x = cuda.upload({ dtype: 'f32', shape: [n], data: input });
    const [y] = await cuda.run('mul', [x, x], {}, 'f32');
    await cuda.downloadInto(y, output);
    cuda.free(x);
    cuda.free(y);
  };
  output.fill(0);
  await banded();
  let wrong = 0;
  for (let i = 0; i < n; i++) if (output[i] !== Math.fround(input[i] * input[i])) wrong++;
  const time = async (f) => {
    await f();
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < 5; k++) await f();
    return Number(process.hrtime.bigint() - t0) / 5e6;
  };
  const wholeMs = await time(whole), bandedMs = await time(banded);
  report('queued copies', wrong === 0, { wrong, wholeMs, bandedMs, note: 'banded includes 16 extra uploads and ops of reused blocks' });
}

(mode === 'sweep' ? sweep(process.argv[3]) : checks()).then(
  () => process.exit(failures ? 1 : 0),
  (e) => {
    console.error(e);
    process.exit(2);
  },
);
