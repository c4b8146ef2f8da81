/**
 * Seeded input generation in FP64 (Int8Array / Int32Array for int8 / int32 inputs), following
 * each input's `init`.
 * Every input gets its own stream derived from (seed, input index), so one input's values do
 * not depend on another's shape. No input is ever all zeros.
 */
import { AbwError } from '../errors';
import type { Shape } from '../tensor';
import { expandInputs } from './plan-call';
import { resolveParams } from './resolve-params';
import { deriveSeed, Rng } from './rng';
import { product } from './shape-rules';
import type { InputDecl, Init, OpSpec, Params } from './types';

export type GeneratedInput = Float64Array | Int8Array | Int32Array | null;

/** Audio-like rows along the last dim: a few tones, a noise floor and decaying transients. */
function fillAudio(out: Float64Array, rowLen: number, rng: Rng): void {
  const sampleRate = 16000;
  for (let row = 0; row * rowLen < out.length; row++) {
    const base = row * rowLen;
    const tones = rng.int(2, 5);
    for (let k = 0; k < tones; k++) {
      // Log-uniform 40 Hz … 6 kHz.
      const freq = 40 * Math.pow(150, rng.uniform());
      const amp = rng.range(0.2, 1) / tones;
      const phase = rng.range(0, 2 * Math.PI);
      const w = (2 * Math.PI * freq) / sampleRate;
      // A rotating phasor instead of sin() per sample; re-anchored every 4096 samples.
      const cw = Math.cos(w);
      const sw = Math.sin(w);
      let re = 0;
      let im = 0;
      for (let t = 0; t < rowLen; t++) {
        if ((t & 4095) === 0) {
          re = Math.cos(w * t + phase);
          im = Math.sin(w * t + phase);
        }
        out[base + t] += amp * im;
        const r2 = re * cw - im * sw;
        im = re * sw + im * cw;
        re = r2;
      }
    }
    const noise = new Float64Array(rowLen);
    rng.fillNormal(noise, 0, 0.01);
    for (let t = 0; t < rowLen; t++) out[base + t] += noise[t];
    const transients = 2;
    for (let k = 0; k < transients; k++) {
      const start = rng.int(0, rowLen - 1);
      const tau = rng.range(0.002, 0.02) * sampleRate;
      const amp = rng.range(0.3, 0.8);
      for (let t = start; t < rowLen; t++) {
        const env = Math.exp(-(t - start) / tau);
        if (env < 1e-4) break;
        out[base + t] += amp * env * rng.normal();
      }
    }
    let peak = 0;
    for (let t = 0; t < rowLen; t++) peak = Math.max(peak, Math.abs(out[base + t]));
    if (peak > 0) {
      const g = 0.9 / peak;
      for (let t = 0; t < rowLen; t++) out[base + t] *= g;
    }
  }
}

function fanInOf(shape: Shape): number {
  return Math.max(1, product(shape.slice(1)));
}

function fill(
  init: Init,
  shape: Shape,
  rng: Rng,
  shapesByName: ReadonlyMap<string, Shape | null>,
  op: string,
  params: Params,
): Float64Array | Int8Array | Int32Array {
  const n = product(shape);
  switch (init.dist) {
    case 'grid': {
      const out = new Float64Array(n);
      rng.fillNormal(out, 0, init.std);
      for (let i = 0; i < n; i++) out[i] = Math.round(out[i] / init.step) * init.step;
      return out;
    }
    case 'index': {
      const of = shapesByName.get(init.of);
      if (!of) throw new AbwError('ABW_EINTERNAL', `[${op}] index source input '${init.of}' has no shape`);
      const d = params[init.dimParam] as number;
      const size = of[d < 0 ? d + of.length : d] ?? 0;
      const out = new Int32Array(n);
      if (size > 0) for (let i = 0; i < n; i++) out[i] = rng.int(0, size - 1);
      return out;
    }
    case 'int8': {
      const out = new Int8Array(n);
      for (let i = 0; i < n; i++) out[i] = rng.int(-128, 127);
      return out;
    }
    case 'ternary': {
      const out = new Int8Array(n);
      for (let i = 0; i < n; i++) out[i] = rng.int(-1, 1);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = rng.int(-init.max, init.max);
      return out;
    }
    case 'normal': {
      const out = new Float64Array(n);
      rng.fillNormal(out, init.mean ?? 0, init.std ?? 1);
      return out;
    }
    case 'complex': {
      const out = new Float64Array(n);
      rng.fillNormal(out, 0, init.std ?? 1);
      return out;
    }
    case 'uniform': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = rng.range(init.low, init.high);
      return out;
    }
    case 'fan_in': {
      let fanIn = init.fanIn;
      if (fanIn === undefined && init.fanInOf !== undefined) {
        const other = shapesByName.get(init.fanInOf);
        if (!other) throw new AbwError('ABW_EINTERNAL', `[${op}] fan_in source input '${init.fanInOf}' has no shape`);
        fanIn = fanInOf(other);
      }
      const bound = 1 / Math.sqrt(fanIn ?? fanInOf(shape));
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = rng.range(-bound, bound);
      return out;
    }
    case 'audio': {
      const out = new Float64Array(n);
      const rowLen = shape.length > 0 ? shape[shape.length - 1] : 1;
      if (n > 0) fillAudio(out, rowLen, rng);
      return out;
    }
  }
}

/**
 * Generates the inputs of one call. `shapes` as for planCall (null: omitted optional input;
 * trailing optional inputs may be left out); `params` resolved (unresolved ones are resolved).
 */
export function generateInputs(spec: OpSpec, shapes: readonly (Shape | null)[], params: Params | undefined, seed: number): GeneratedInput[] {
  const resolved = resolveParams(spec, params ?? {});
  const decls: InputDecl[] = expandInputs(spec.inputs(resolved), shapes.length);
  const byName = new Map<string, Shape | null>();
  decls.forEach((d, i) => byName.set(d.name, shapes[i] ?? null));
  return shapes.map((shape, i) => {
    if (shape === null || shape === undefined) return null;
    const decl = decls[i];
    if (!decl) throw new AbwError('ABW_EINVAL', `[${spec.name}] inputs: too many inputs (${shapes.length})`, 'inputs');
    const data = fill(decl.init, shape, new Rng(deriveSeed(seed, i)), byName, spec.name, resolved);
    // Indices must stay in range: index 0 is as valid as any other.
    if (decl.init.dist === 'index') return data;
    if (data.length > 0) {
      let nonzero = false;
      for (let j = 0; j < data.length && !nonzero; j++) nonzero = data[j] !== 0;
      // Tiny integer tensors can draw all zeros; one forced nonzero keeps every input live.
      if (!nonzero) data[0] = 1;
      for (let j = 0; j < data.length; j++) if (data[j] !== 0) return data;
      throw new AbwError('ABW_EINTERNAL', `[${spec.name}] generated input '${decl.name}' is all zeros`);
    }
    return data;
  });
}

/** The host dtype of a generated input: int8 / int32 for integer inputs, f64 otherwise. */
export function generatedDType(d: Float64Array | Int8Array | Int32Array): 'f64' | 'int8' | 'int32' {
  return d instanceof Int8Array ? 'int8' : d instanceof Int32Array ? 'int32' : 'f64';
}
