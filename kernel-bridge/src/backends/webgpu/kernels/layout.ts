/**
 * reshape, transpose, permute, concat, pad, slice: gathers with one thread per output element;
 * each output index is split into coordinates by constant divisors and mapped to the source.
 */
import { numel, type Shape } from '../../../tensor';
import type { KernelCtx, KernelFamily, KernelPlan, Pass } from '../kernel-types';
import { contiguousStrides, f, inp, mapPass, offsetOf, out, ro, rw, u } from '../wgsl';

function gather(c: KernelCtx, label: string, strides: readonly number[], base = 0): KernelPlan {
  const o = c.outputs[0].shape;
  const src = offsetOf('i', o, strides);
  return { passes: [mapPass(label, numel(o), [ro('x', inp(0)), rw('o', out(0))], `o[i] = x[${base ? `${u(base)} + ` : ''}${src}];`)] };
}

function permuteStrides(x: Shape, dims: readonly number[]): number[] {
  const s = contiguousStrides(x);
  return dims.map((d) => s[d]);
}

/** WGSL: the source coordinate of output coordinate `v` along one padded dim, or -1 (constant pad). */
function padCoord(v: string, size: number, before: number, mode: string): string {
  const t = `(i32(${v}) - ${before})`;
  if (mode === 'reflect') return `reflect_(${t}, ${size})`;
  if (mode === 'replicate') return `clamp(${t}, 0, ${size - 1})`;
  return t;
}

export const layoutKernels: KernelFamily = {
  reshape: { build: (c) => gather(c, 'reshape', contiguousStrides(c.outputs[0].shape)) },
  transpose: {
    build(c) {
      const x = c.inputs[0]!.shape;
      const dims = x.map((_, k) => k);
      const d0 = c.p.dim0 as number;
      const d1 = c.p.dim1 as number;
      [dims[d0], dims[d1]] = [dims[d1], dims[d0]];
      return gather(c, 'transpose', permuteStrides(x, dims));
    },
  },
  permute: { build: (c) => gather(c, 'permute', permuteStrides(c.inputs[0]!.shape, c.p.dims as number[])) },
  slice: {
    build(c) {
      const x = c.inputs[0]!.shape;
      const s = contiguousStrides(x);
      const dim = c.p.dim as number;
      const strides = s.map((v, k) => (k === dim ? v * (c.p.step as number) : v));
      return gather(c, 'slice', strides, (c.p.start as number) * s[dim]);
    },
  },
  concat: {
    build(c) {
      const o = c.outputs[0].shape;
      const dim = c.p.dim as number;
      const passes: Pass[] = [];
      let offset = 0;
      c.inputs.forEach((t, k) => {
        const x = t!.shape;
        // Each input scatters its elements into its slab of the output.
        const os = contiguousStrides(o);
        const dst = offsetOf('i', x, os);
        passes.push(
          mapPass(`concat[${k}]`, numel(x), [ro('x', inp(k)), rw('o', out(0))], `o[${offset ? `${u(offset * os[dim])} + ` : ''}${dst}] = x[i];`),
        );
        offset += x[dim];
      });
      return { passes };
    },
  },
  pad: {
    build(c) {
      const x = c.inputs[0]!.shape;
      const o = c.outputs[0].shape;
      const pads = c.p.pad as number[];
      const mode = c.p.mode as string;
      const xs = contiguousStrides(x);
      const os = contiguousStrides(o);
      const lines: string[] = ['var src = 0i; var inside = true;'];
      for (let d = 0; d < o.length; d++) {
        const k = o.length - 1 - d; // pads run from the last dim backwards
        const before = k < pads.length / 2 ? pads[2 * k] : 0;
        const coord = d === 0 ? `(i / ${u(os[d])})` : `((i / ${u(os[d])}) % ${u(o[d])})`;
        lines.push(`{ let s = ${padCoord(coord, x[d], before, before || k < pads.length / 2 ? mode : 'replicate')};`);
        if (mode === 'constant') lines.push(`  inside = inside && s >= 0 && s < ${x[d]};`);
        lines.push(`  src += s * ${xs[d]}; }`);
      }
      lines.push(mode === 'constant' ? `o[i] = select(T(${f(Number(c.p.value))}), x[u32(max(src, 0))], inside);` : 'o[i] = x[u32(src)];');
      const helpers = `fn reflect_(t: i32, n: i32) -> i32 { var s = select(t, -t, t < 0); return select(s, 2 * (n - 1) - s, s >= n); }`;
      return { passes: [mapPass('pad', numel(o), [ro('x', inp(0)), rw('o', out(0))], lines.join('\n  '), helpers)] };
    },
  },
};
