#!/usr/bin/env node
'use strict';
/**
 * bench/pipelines-vs-torch: the workbench's pipelines on a backend (cuda on the GPU machine)
 * beside the same networks with the same weights in PyTorch (torch_pipelines.py: eager and
 * torch.compile, fp32 and fp16 autocast), in one run, on the same input (default 60 s of stereo
 * 44.1 kHz audio for mdx23c and fftconv, 60 s of mono 24 kHz for encodec, 60 s of 75 Hz frames
 * for bitnet). Weights and inputs go to PyTorch as safetensors / raw f32 files; the PyTorch fp32
 * eager output is compared with the workbench's (SNR, codec code matches) so the two are
 * checked to be the same network. Writes results/bench/pipelines-vs-torch/<machine>.json and
 * prints RTF per pipeline and variant, and whether the workbench beats the best PyTorch variant.
 *
 * Usage:
 *   node bench/pipelines-vs-torch/run.js [--backend cuda] [--device cuda] [--seconds 60]
 *        [--only mdx23c,fftconv,encodec,bitnet] [--reps 3] [--mdx-batch 4] [--python python3]
 *        [--mdx-layout auto|channels_first|channels_last]   (the workbench's mdx23c activation layout)
 *        [--variants eager-fp32,eager-fp16,compile-fp32,compile-fp16] [--no-torch] [--out DIR]
 *        [--torch-io host|pinned|device]   (host, the default: PyTorch's timed call includes the
 *                                    input's copy in and the output's copy out, as the workbench's
 *                                    does; pinned: the same from and to page-locked memory, as the
 *                                    workbench's cuda backend copies)
 *        [--config full|tiny]   (tiny: the test configurations, to check the set-up in seconds)
 *        [--profile]   (one more run with each op waited for and timed: the heaviest ops, the host's share)
 *   CPU comparison (the 2-core machine): --backend cpu --device cpu --seconds 3 --only mdx23c --no-torch
 */
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { benchArgs } = require('../lib/args');
const readline = require('readline');

const kb = path.join(__dirname, '..', '..', 'kernel-bridge', 'dist');
const { getBackend, disposeBackends } = require(path.join(kb, 'backend', 'registry'));
const { machineInfo } = require(path.join(kb, 'backend', 'machine'));
const pipelines = require(path.join(kb, 'pipelines'));
const { choiceLog, countChoices } = require('../lib/cuda-choices');

const args = benchArgs(__filename, {
  backend: { type: 'string', default: 'cuda' },
  device: { type: 'string', default: 'cuda' },
  seconds: { type: 'string', default: '60' },
  only: { type: 'string', default: 'mdx23c,fftconv,encodec,bitnet' },
  reps: { type: 'string', default: '3' },
  'mdx-batch': { type: 'string', default: '4' },
  'mdx-layout': { type: 'string', default: 'auto' },
  dtype: { type: 'string', default: 'f32' },
  config: { type: 'string', default: 'full' },
  python: { type: 'string', default: process.env.ABW_PYTHON || 'python3' },
  variants: { type: 'string', default: 'eager-fp32,eager-fp16,compile-fp32,compile-fp16' },
  'no-torch': { type: 'boolean', default: false },
  // One more run after the timed ones with every op waited for and timed: where the time goes.
  profile: { type: 'boolean', default: false },
  // PyTorch's timed call: 'host' moves the input from and the output to host memory inside it,
  // as the workbench's timed run does; 'device' keeps both on the device.
  'torch-io': { type: 'string', default: 'host' },
  out: { type: 'string', default: path.join(__dirname, '..', '..', 'results', 'bench', 'pipelines-vs-torch') },
});

// The cuda backend's library choices (cuDNN algorithms and engines) made while preparing a case.
const newChoices = choiceLog();

const seconds = Number(args.seconds);
const reps = Number(args.reps);
if (!(seconds > 0) || !(reps >= 1)) throw new Error('--seconds must be > 0 and --reps ≥ 1');
if (!['host', 'pinned', 'device'].includes(args['torch-io'])) throw new Error(`--torch-io must be 'host', 'pinned' or 'device', got '${args['torch-io']}'`);

/** The cases: full configurations at `seconds` of audio. */
function cases() {
  const s = seconds;
  const all = [
    { id: 'mdx23c', pipeline: 'mdx23c', params: { config: args.config, seconds: s, batch_size: Number(args['mdx-batch']), layout: args['mdx-layout'] } },
    ...[1, 2, 4, 8, 16].map((n) => ({ id: `fftconv-x${n}`, pipeline: 'fftconv', params: { channels: 16, length: Math.round(s * 44100), kernel: args.config === 'full' ? 65536 : 512, streams: n } })),
    { id: 'encodec-6kbps', pipeline: 'encodec', params: { config: args.config, seconds: s, bandwidth: '6' } },
    { id: 'encodec-24kbps', pipeline: 'encodec', params: { config: args.config, seconds: s, bandwidth: '24' } },
    { id: 'bitnet', pipeline: 'bitnet', params: { config: args.config, tokens: Math.round(s * 75) } },
  ];
  const only = args.only.split(',').map((x) => x.trim());
  return all.filter((c) => only.some((o) => c.id === o || c.pipeline === o));
}

function writeF32(file, values) {
  fs.writeFileSync(file, Buffer.from(Float32Array.from(values).buffer));
}

async function workbench(c, dir) {
  const spec = pipelines.getPipeline(c.pipeline);
  const { config, params } = spec.resolve(c.params);
  const weights = pipelines.seededWeights(spec.weights(config), 1);
  const input = spec.input(config, 1);
  const files = {
    weights: path.join(dir, `${c.id}.safetensors`),
    input: path.join(dir, `${c.id}.input.f32`),
    reference: path.join(dir, `${c.id}.workbench.f32`),
    referenceCodes: path.join(dir, `${c.id}.codes.i32`),
  };
  fs.writeFileSync(files.weights, pipelines.serializeSafetensors(weights, 'F32'));
  writeF32(files.input, input.data);
  const job = { id: c.id, pipeline: c.pipeline, params, config, inputShape: input.shape, audioSeconds: input.audioSeconds, ...files };
  const rec = { case: c.id, variant: `abw-${args.backend}-${args.dtype}`, backend: args.backend };
  let backend;
  try {
    backend = getBackend(args.backend);
  } catch (e) {
    return { job, rec: { ...rec, status: 'unsupported', reason: e.message } };
  }
  const support = pipelines.pipelineSupport(backend, spec, config, args.dtype);
  if (!support.ok) return { job, rec: { ...rec, status: 'unsupported', reason: support.reason } };
  const ex = new pipelines.PipelineExec(backend, args.dtype);
  try {
    const prepared = await spec.prepare(ex, weights, config);
    const first = await prepared.run(input);
    // An output that overflowed its dtype is not a result to time against a peer.
    let nonFinite = 0;
    for (const v of first.output) if (!Number.isFinite(v)) nonFinite++;
    if (nonFinite > 0) {
      prepared.dispose();
      return { job, rec: { ...rec, status: 'invalid', reason: `output has ${nonFinite} non-finite values of ${first.output.length} (${args.dtype} range exceeded)`, outputNonFinite: nonFinite } };
    }
    writeF32(files.reference, first.output);
    if (first.codes) fs.writeFileSync(files.referenceCodes, Buffer.from(Int32Array.from(first.codes.flatMap((q) => [...q])).buffer));
    else delete job.referenceCodes;
    backend.resetPeak();
    const m = await pipelines.measurePipeline(prepared, input, { minSamples: reps, maxSamples: reps, budgetMs: 1e9, warmupMs: 0, target: 1e-9 });
    let opProfile;
    if (args.profile) {
      ex.startProfile();
      await prepared.run(input);
      opProfile = ex.stopProfile();
      console.log(pipelines.formatProfile(opProfile));
    }
    prepared.dispose();
    const choices = newChoices();
    if (choices.length) console.log(`  library choices: ${Object.entries(countChoices(choices)).map(([k, n]) => `${k} ×${n}`).join(', ')}`);
    const streams = spec.streams ? spec.streams(config) : undefined;
    return {
      job,
      rec: {
        ...rec,
        medianS: m.timing.stats.median / 1e9,
        samplesS: m.timing.samplesNs.map((x) => x / 1e9),
        rtf: m.rtf,
        xRealTime: m.xRealTime,
        nativePeakBytes: backend.memory().peakBytes,
        hostStages: spec.hostStages(config),
        ...(opProfile ? { opProfile: { ...opProfile, entries: opProfile.entries.slice(0, 30), signatures: opProfile.signatures.slice(0, 30) } } : {}),
        ...(choices.length ? { choices } : {}),
        ...(streams ? { streams, streamsEffective: pipelines.effectiveStreams(backend.info().features, streams) } : {}),
        // Whether transfers ran on copy streams (cuda; ABW_CUDA_QUEUED_COPIES=0 turns them off).
        queuedCopies: backend.info().features.includes('queued-copies'),
      },
    };
  } catch (e) {
    return { job, rec: { ...rec, status: 'error', error: String(e && e.message) } };
  } finally {
    ex.freeAll();
  }
}

/** Per case: the workbench's RTF beside the best valid PyTorch variant's. */
function verdictsOf(results) {
  const verdicts = {};
  for (const c of cases()) {
    const abw = results.find((r) => r.case === c.id && r.variant.startsWith('abw-') && r.rtf);
    const torch = results.filter((r) => r.case === c.id && !r.variant.startsWith('abw-') && r.rtf && !r.outputNonFinite);
    if (!abw || torch.length === 0) continue;
    const best = torch.reduce((a, b) => (b.rtf < a.rtf ? b : a));
    verdicts[c.id] = { abwRtf: abw.rtf, bestTorch: best.variant, bestTorchRtf: best.rtf, speedup: best.rtf / abw.rtf, ahead: abw.rtf < best.rtf };
  }
  return verdicts;
}

/** Runs torch_pipelines.py on the jobs; each record goes to `onRecord` as it arrives. */
function runTorch(jobs, dir, onRecord) {
  return new Promise((resolve, reject) => {
    const jobFile = path.join(dir, 'job.json');
    fs.writeFileSync(jobFile, JSON.stringify({ device: args.device, variants: args.variants.split(','), warmup: 2, reps, io: args['torch-io'], cases: jobs }));
    const child = spawn(args.python, [path.join(__dirname, 'torch_pipelines.py'), jobFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    readline.createInterface({ input: child.stdout }).on('line', (l) => {
      try {
        const r = JSON.parse(l);
        onRecord(r);
        const snr = typeof r.snrVsWorkbenchDb === 'number' ? `, ${r.snrVsWorkbenchDb.toFixed(1)} dB vs workbench` : '';
        const bad = r.outputNonFinite ? ` (output has ${r.outputNonFinite} non-finite values: left out of the verdict)` : '';
        console.log(`  torch ${r.case} ${r.variant}: ${r.error ? `error ${r.error}` : `RTF ${r.rtf.toFixed(4)}${snr}${bad}`}`);
      } catch {
        console.log(`  torch: ${l}`);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${args.python} torch_pipelines.py exited with ${code}`))));
  });
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abw-pipelines-vs-torch-'));
  const machine = machineInfo();
  const results = [];
  const jobs = [];
  const file = path.join(args.out, `${machine.key}.json`);
  fs.mkdirSync(args.out, { recursive: true });
  // Rewritten after every record, so a run cut off by a time limit keeps what it measured.
  const write = (complete) =>
    fs.writeFileSync(file, JSON.stringify({ bench: 'pipelines-vs-torch', createdAt: new Date().toISOString(), complete, machine, options: args, results, verdicts: verdictsOf(results) }, null, 2) + '\n');
  for (const c of cases()) {
    const { job, rec } = await workbench(c, dir);
    console.log(`abw ${c.id} on ${args.backend}: ${rec.status ? `${rec.status}: ${rec.reason || rec.error}` : `RTF ${rec.rtf.toFixed(4)} (${rec.xRealTime.toFixed(1)}× real time)`}`);
    results.push(rec);
    write(false);
    if (!rec.status) jobs.push(job);
  }
  if (!args['no-torch'] && jobs.length) {
    await runTorch(jobs, dir, (r) => {
      results.push(r);
      write(false);
    });
  }
  write(true);
  const verdicts = verdictsOf(results);
  console.log('\ncase             abw RTF   best torch (variant)        speedup  ahead');
  for (const [id, v] of Object.entries(verdicts)) {
    console.log(`${id.padEnd(16)} ${v.abwRtf.toFixed(4).padStart(8)}   ${v.bestTorchRtf.toFixed(4).padStart(8)} (${v.bestTorch.padEnd(13)})  ${v.speedup.toFixed(2).padStart(6)}×  ${v.ahead ? 'yes' : 'NO'}`);
  }
  console.log(`\nwritten: ${file}`);
  fs.rmSync(dir, { recursive: true, force: true });
  disposeBackends();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
