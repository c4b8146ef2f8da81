/**
 * Pipeline weights: declared once per pipeline (name, shape, how to initialise), filled either
 * with deterministic seeded values or from a safetensors checkpoint, then uploaded once per run.
 */
import type { DeviceTensor } from '../backend/types';
import { AbwError } from '../errors';
import { deriveSeed, Rng } from '../ops/rng';
import { hash32 } from '../matrix/case-key';
import { numel, shapeStr, type Shape } from '../tensor';
import type { PipelineExec } from './exec';

/**
 * fan_in: PyTorch's default layer init U(±1/√fan_in), fan_in = product of dims after the first
 * (conv_transpose weights `[Cin, Cout, k…]` name their fan-in explicitly); `scale`: one plus a
 * small spread (norm weights); `shift`: a small spread around zero (norm biases);
 * `normal`: N(0, std²) (codebooks).
 */
export type WeightInit =
  | { readonly kind: 'fan_in'; readonly fanIn?: number }
  | { readonly kind: 'scale' }
  | { readonly kind: 'shift' }
  | { readonly kind: 'normal'; readonly std: number };

export interface WeightDecl {
  readonly name: string;
  readonly shape: Shape;
  readonly init: WeightInit;
}

/** Host weights by name, FP64 values (checkpoints in f32/f16/bf16 are widened exactly). */
export type WeightSet = ReadonlyMap<string, { readonly shape: Shape; readonly data: Float64Array }>;

export function fanIn(shape: Shape): number {
  return shape.length > 1 ? numel(shape.slice(1)) : shape[0] ?? 1;
}

/** Same seed, same weights on every machine: each tensor draws from a stream keyed by its name. */
export function seededWeights(decls: readonly WeightDecl[], seed: number): WeightSet {
  const out = new Map<string, { shape: Shape; data: Float64Array }>();
  for (const d of decls) {
    const rng = new Rng(deriveSeed(seed, hash32(d.name)));
    const data = new Float64Array(numel(d.shape));
    const init = d.init;
    if (init.kind === 'fan_in') {
      const bound = 1 / Math.sqrt(init.fanIn ?? fanIn(d.shape));
      for (let i = 0; i < data.length; i++) data[i] = rng.range(-bound, bound);
    } else if (init.kind === 'scale') {
      for (let i = 0; i < data.length; i++) data[i] = 1 + rng.range(-0.1, 0.1);
    } else if (init.kind === 'shift') {
      for (let i = 0; i < data.length; i++) data[i] = rng.range(-0.1, 0.1);
    } else {
      for (let i = 0; i < data.length; i++) data[i] = rng.normal() * init.std;
    }
    out.set(d.name, { shape: d.shape, data });
  }
  return out;
}

/**
 * Checks a weight set against the declarations: every declared tensor present with its shape.
 * A mismatch names the tensor and both shapes; extra tensors are an error too (a checkpoint of
 * another configuration should not half-load).
 */
export function checkWeights(decls: readonly WeightDecl[], weights: WeightSet, source: string): void {
  for (const d of decls) {
    const w = weights.get(d.name);
    if (!w) throw new AbwError('ABW_ESHAPE', `${source}: tensor "${d.name}" is missing (expected shape ${shapeStr(d.shape)})`, d.name);
    if (w.shape.length !== d.shape.length || w.shape.some((x, i) => x !== d.shape[i])) {
      throw new AbwError('ABW_ESHAPE', `${source}: tensor "${d.name}" has shape ${shapeStr(w.shape)}, expected ${shapeStr(d.shape)}`, d.name);
    }
  }
  const declared = new Set(decls.map((d) => d.name));
  const extra = [...weights.keys()].filter((k) => !declared.has(k));
  if (extra.length > 0) {
    throw new AbwError('ABW_ESHAPE', `${source}: ${extra.length} tensor(s) this configuration does not have: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}`, extra[0]);
  }
}

/** Weights on a backend, by name; freed together. */
export class DeviceWeights {
  private readonly map = new Map<string, DeviceTensor>();
  constructor(private readonly ex: PipelineExec) {}

  static upload(ex: PipelineExec, weights: WeightSet): DeviceWeights {
    const dw = new DeviceWeights(ex);
    for (const [name, w] of weights) dw.map.set(name, ex.upload(w.data, w.shape));
    return dw;
  }

  get(name: string): DeviceTensor {
    const t = this.map.get(name);
    if (!t) throw new AbwError('ABW_EINTERNAL', `pipeline weight "${name}" was not uploaded`);
    return t;
  }

  set(name: string, t: DeviceTensor): void {
    this.map.set(name, t);
  }

  free(): void {
    for (const t of this.map.values()) this.ex.free(t);
    this.map.clear();
  }
}
