#!/usr/bin/env node
'use strict';
/**
 * bench/cpu-vs-peers: the workbench's cpu backend beside numpy and ONNX Runtime (CPU EP) on the
 * same shapes, in one run. Peers are timed inside a persistent Python worker (peers.py) so
 * inter-process overhead stays out of their numbers; cases are interleaved (abw, then peers,
 * case by case) to spread machine drift. Writes results/bench/cpu-vs-peers/<machine>.json and
 * prints a table of speed ratios (peer time / abw time: > 1 means abw is faster).
 *
 * Usage: node bench/cpu-vs-peers/run.js [--python python3] [--quick] [--out DIR]
 */
const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const { benchArgs } = require('../lib/args');
const readline = require('readline');

const kb = path.join(__dirname, '..', '..', 'kernel-bridge', 'dist');
const { getBackend } = require(path.join(kb, 'backend'));
const { measureCall } = require(path.join(kb, 'measure'));
const { machineInfo } = require(path.join(kb, 'backend', 'machine'));
const native = require('@abw/native');

const args = benchArgs(__filename, {
  python: { type: 'string', default: process.env.ABW_PYTHON || 'python3' },
  quick: { type: 'boolean', default: false },
  out: { type: 'string', default: path.join(__dirname, '..', '..', 'results', 'bench', 'cpu-vs-peers') },
});

// Targets from the workbench-core issue: abw speed / peer speed.
const CASES = [
  { id: 'matmul-1024', op: 'matmul', params: { m: 1024, k: 1024, n: 1024 }, peer: 'numpy', target: 0.9 },
  { id: 'matmul-2048', op: 'matmul', params: { m: 2048, k: 2048, n: 2048 }, peer: 'numpy', target: 0.9 },
  { id: 'matmul-4096', op: 'matmul', params: { m: 4096, k: 4096, n: 4096 }, peer: 'numpy', target: 0.9, slow: true },
  { id: 'rfft-64x8192', op: 'rfft', params: { batch: 64, n: 8192 }, peer: 'numpy', target: 0.8 },
  { id: 'rfft-2x441000', op: 'rfft', params: { batch: 2, n: 441000 }, peer: 'numpy', target: 0.8 },
  { id: 'stft-2ch-10s-4096', op: 'stft', params: { channels: 2, length: 441000, n_fft: 4096, hop: 1024 }, peer: 'numpy', target: 0.8 },
  { id: 'stft-2ch-10s-2048', op: 'stft', params: { channels: 2, length: 441000, n_fft: 2048, hop: 512 }, peer: 'numpy', target: 0.8 },
  { id: 'conv1d-64ch-1s-k7', op: 'conv1d', params: { batch: 1, cin: 64, cout: 64, length: 44100, k: 7 }, peer: 'onnxruntime', target: 0.8 },
  { id: 'conv1d-b8-256ch-16k-k7', op: 'conv1d', params: { batch: 8, cin: 256, cout: 256, length: 16384, k: 7 }, peer: 'onnxruntime', target: 0.8, slow: true },
  { id: 'lstm-2x512-b16-t100', op: 'lstm', params: { seq: 100, batch: 16, input: 512, hidden: 512, layers: 2 }, peer: 'onnxruntime', target: 0.8 },
  { id: 'lstm-1x256-b1-t500', op: 'lstm', params: { seq: 500, batch: 1, input: 256, hidden: 256, layers: 1 }, peer: 'onnxruntime', target: 0.8 },
];

const IDLE_GAP_MS = 1000;

function randn(n, seed, scale = 1) {
  // Small seeded generator; the bench only needs non-degenerate data.
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

function abwCall(cpu, c) {
  const p = c.params;
  const up = (shape, scale) => cpu.upload({ dtype: 'f32', shape, data: randn(shape.reduce((a, b) => a * b, 1), 7, scale) });
  switch (c.op) {
    case 'matmul':
      return { inputs: [up([p.m, p.k]), up([p.k, p.n])], params: {} };
    case 'rfft':
      return { inputs: [up([p.batch, p.n])], params: {} };
    case 'stft':
      return { inputs: [up([p.channels, p.length])], params: { n_fft: p.n_fft, hop_length: p.hop } };
    case 'conv1d':
      return {
        inputs: [up([p.batch, p.cin, p.length]), up([p.cout, p.cin, p.k], 1 / Math.sqrt(p.cin * p.k)), up([p.cout])],
        params: { padding: Math.floor(p.k / 2) },
      };
    case 'lstm': {
      const s = 1 / Math.sqrt(p.hidden);
      const inputs = [up([p.seq, p.batch, p.input]), null, null];
      for (let l = 0; l < p.layers; l++) {
        const isz = l === 0 ? p.input : p.hidden;
        inputs.push(up([4 * p.hidden, isz], s), up([4 * p.hidden, p.hidden], s), up([4 * p.hidden], s), up([4 * p.hidden], s));
      }
      return { inputs, params: { num_layers: p.layers } };
    }
    default:
      throw new Error(`no abw mapping for ${c.op}`);
  }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** JS → native → JS cost of a 1-element add, called synchronously in a JS loop. */
function dispatchOverhead() {
  const a = native.tensor('f32', [1], new Float32Array([1]));
  const b = native.tensor('f32', [1], new Float32Array([2]));
  const o = native.tensor('f32', [1]);
  const op = new native.PreparedOp('cpu', 'add', 'f32', [a, b], [o], { alpha: 1 });
  for (let i = 0; i < 20000; i++) op.run();
  const samples = [];
  for (let s = 0; s < 30; s++) {
    const n = 20000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) op.run();
    samples.push(Number(process.hrtime.bigint() - t0) / n);
  }
  return samples;
}

async function main() {
  const py = spawn(args.python, [path.join(__dirname, 'peers.py'), String(native.getThreads())], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: py.stdout });
  const queue = [];
  lines.on('line', (l) => queue.shift()?.(JSON.parse(l)));
  const next = () => new Promise((resolve) => queue.push(resolve));
  const ask = (msg) => { const p = next(); py.stdin.write(JSON.stringify(msg) + '\n'); return p; };
  py.on('error', (e) => { console.error(`bench: cannot start ${args.python}: ${e.message}`); process.exit(2); });
  const hello = (await next()).hello;

  const cpu = getBackend('cpu');
  const rows = [];
  const cases = CASES.filter((c) => !(args.quick && c.slow));
  for (const c of cases) {
    process.stderr.write(`bench: ${c.id} … `);
    const { inputs, params } = abwCall(cpu, c);
    const call = cpu.prepare(c.op, inputs, params, 'f32');
    const timing = await measureCall(call, { timer: 'host', target: 0.01, budgetMs: c.slow ? 20000 : 6000, minSamples: 10 });
    call.dispose();
    for (const t of inputs) if (t) cpu.free(t);
    const peer = await ask({ id: c.id, op: c.op, params: c.params });
    // Peers' pools (OpenBLAS, ONNX Runtime) spin-wait after work; let them go idle before the
    // next abw measurement shares the cores with them.
    await new Promise((r) => setTimeout(r, IDLE_GAP_MS));
    const peerSamples = peer.samples && peer.samples[c.peer];
    const abwMedian = timing.stats.median;
    const peerMedian = peerSamples ? median(peerSamples) : null;
    const ratio = peerMedian ? peerMedian / abwMedian : null;
    rows.push({
      id: c.id, op: c.op, params: c.params, peer: c.peer, target: c.target,
      abw: { medianNs: abwMedian, ciLowNs: timing.stats.ciLow, ciHighNs: timing.stats.ciHigh, samplesNs: timing.samplesNs, converged: timing.converged },
      peerResult: peerSamples ? { medianNs: peerMedian, samplesNs: peerSamples } : { error: peer.error || `${c.peer} unavailable: ${hello.ortProblem}` },
      ratio, pass: ratio !== null && ratio >= c.target,
    });
    process.stderr.write(`${(abwMedian / 1e6).toFixed(3)} ms vs ${c.peer} ${peerMedian ? (peerMedian / 1e6).toFixed(3) + ' ms' : 'n/a'} → ${ratio ? ratio.toFixed(2) : 'n/a'}×\n`);
  }
  py.stdin.end();

  const overhead = dispatchOverhead();
  const overheadMedian = median(overhead);
  rows.push({ id: 'dispatch-add-1', op: 'add', params: { elements: 1 }, peer: null, target: 2000,
    abw: { medianNs: overheadMedian, samplesNs: overhead }, ratio: null, pass: overheadMedian <= 2000 });

  const machine = machineInfo();
  const report = { bench: 'cpu-vs-peers', createdAt: new Date().toISOString(), machine, peers: hello, threads: native.getThreads(), rows };
  fs.mkdirSync(args.out, { recursive: true });
  const file = path.join(args.out, `${machine.key}.json`);
  fs.writeFileSync(file + '.tmp', JSON.stringify(report, null, 1));
  fs.renameSync(file + '.tmp', file);

  console.log(`\ncpu-vs-peers on ${machine.key} (${machine.cpu.model}, ${native.getThreads()} threads; numpy ${hello.numpy} [${hello.numpyBlas}], onnxruntime ${hello.onnxruntime})`);
  console.log('| case | abw median | peer | peer median | speed ratio (abw/peer) | target | ok |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    if (r.peer === null) {
      console.log(`| ${r.id} (JS→native→JS) | ${(r.abw.medianNs / 1000).toFixed(2)} µs | – | – | – | ≤ 2 µs | ${r.pass ? 'yes' : 'NO'} |`);
      continue;
    }
    const pm = r.peerResult.medianNs;
    console.log(`| ${r.id} | ${(r.abw.medianNs / 1e6).toFixed(3)} ms | ${r.peer} | ${pm ? (pm / 1e6).toFixed(3) + ' ms' : r.peerResult.error} | ${r.ratio ? r.ratio.toFixed(2) + '×' : 'n/a'} | ≥ ${r.target} | ${r.pass ? 'yes' : 'NO'} |`);
  }
  console.log(`\nwritten: ${path.relative(process.cwd(), file)}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
