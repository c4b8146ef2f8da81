#!/usr/bin/env node
// Checks of the cuda backend that the op matrix does not make, on the GPU machine (needs the
// compiled kernel-bridge in kernel-bridge/dist and the addon + CUDA module at ABW_NATIVE_BUILD):
//   sweep   every catalogue op × dtype once at small shapes (what compute-sanitizer memcheck runs)
//   checks  TF32 is a separate mode (matmul, conv1d), device timer + CUDA graphs + L2 flush, memory statistics,
//           out-of-memory becomes ABW_ENOMEM and the backend keeps working.
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
const { addon } = require(path.join(dist, 'backends/native/addon'));

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
  const storage = dtype === 'tf32' ? 'f32' : dtype === 'int8' ? 'f32' : dtype;
  return {
    planned,
    inputs: gen.map((d, i) => {
      const shape = shapes[i];
      if (!d || !shape) return null;
      if (d instanceof Int8Array) return { dtype: 'int8', shape, data: d };
      if (d instanceof Int32Array) return { dtype: 'int32', shape, data: d };
      return { dtype: storage, shape, data: roundToDType(d, storage) };
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

function maxRelErr(a, b) {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
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

  // The fused fft_conv stage (bench only, not a catalogue op) equals the composed ops
  // rfft → complex_mul → irfft → add_bias, with 1 and 3 streams.
  const B = 2, C = 3, N = 1024, nh = N / 2 + 1;
  const rnd = (n, k) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + k) * Math.cos(i * 0.011 * k));
  const xs = { dtype: 'f32', shape: [B, C, N], data: rnd(B * C * N, 1) };
  const hs = { dtype: 'f32', shape: [C, nh, 2], data: rnd(C * nh * 2, 2) };
  const bs = { dtype: 'f32', shape: [C], data: rnd(C, 3) };
  const [spectrum] = await runOp(cuda, 'rfft', [xs], {}, 'f32');
  const [prod] = await runOp(cuda, 'complex_mul', [spectrum, hs], {}, 'f32');
  const [time] = await runOp(cuda, 'irfft', [prod], { n: N }, 'f32');
  const [want] = await runOp(cuda, 'add_bias', [time, bs], { dim: 1 }, 'f32');
  const n = addon();
  const tx = n.tensor('f32', xs.shape, xs.data, 'cuda'), th = n.tensor('f32', hs.shape, hs.data, 'cuda'), tb = n.tensor('f32', bs.shape, bs.data, 'cuda');
  const errs = {};
  for (const callbacks of ['off', 'on']) {
    for (const streams of [1, 3]) {
      const ty = n.tensor('f32', xs.shape, null, 'cuda');
      try {
        new n.PreparedOp('cuda', 'fft_conv', 'f32', [tx, th, tb], [ty], { streams, callbacks }).run();
        errs[`callbacks ${callbacks}, ${streams} streams`] = maxRelErr(ty.read(), want.data);
      } catch (e) {
        errs[`callbacks ${callbacks}, ${streams} streams`] = `${e.code} ${e.message}`;
      }
      ty.free();
    }
  }
  [tx, th, tb].forEach((t) => t.free());
  report('fft_conv equals rfft → complex_mul → irfft → add_bias', Object.values(errs).every((e) => typeof e === 'number' && e < 1e-5), { maxRelErr: errs });
}

(mode === 'sweep' ? sweep(process.argv[3]) : checks()).then(
  () => process.exit(failures ? 1 : 0),
  (e) => {
    console.error(e);
    process.exit(2);
  },
);
