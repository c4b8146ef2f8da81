/**
 * max/avg pool 1d and 2d: one thread per output element, the window walked directly (pool
 * windows are small). 1-D pools are the 2-D kernel with a 1×… window. avg_pool's divisor follows
 * ATen (docs/ops.md): the window clipped to the padded input, then to the input unless
 * count_include_pad.
 */
import { numel } from '../../../tensor';
import type { KernelCtx, KernelFamily, KernelPlan } from '../kernel-types';
import { inp, mapPass, out, ro, rw, u } from '../wgsl';

interface Win {
  k: [number, number];
  s: [number, number];
  p: [number, number];
  d: [number, number];
}

function pool(c: KernelCtx, label: string, max: boolean, w: Win): KernelPlan {
  const x = c.inputs[0]!.shape;
  const o = c.outputs[0].shape;
  const [H, W] = x.length === 4 ? [x[2], x[3]] : [1, x[2]];
  const [Ho, Wo] = o.length === 4 ? [o[2], o[3]] : [1, o[2]];
  const head = `let plane = i / ${u(Ho * Wo)}; let oy = (i / ${u(Wo)}) % ${u(Ho)}; let ox = i % ${u(Wo)};
  let base = plane * ${u(H * W)};
  let y0 = i32(oy * ${u(w.s[0])}) - ${w.p[0]}; let x0 = i32(ox * ${u(w.s[1])}) - ${w.p[1]};`;
  let body: string;
  if (max) {
    body = `${head}
  var m = -3.402823e38; var seen = false;
  for (var ky = 0; ky < ${w.k[0]}; ky++) {
    let iy = y0 + ky * ${w.d[0]};
    if (iy < 0 || iy >= ${H}) { continue; }
    for (var kx = 0; kx < ${w.k[1]}; kx++) {
      let ix = x0 + kx * ${w.d[1]};
      if (ix < 0 || ix >= ${W}) { continue; }
      let v = f32(x[base + u32(iy) * ${u(W)} + u32(ix)]);
      m = select(m, v, !seen || v > m || v != v); seen = true;
    }
  }
  y[i] = T(m);`;
  } else {
    const includePad = c.p.count_include_pad !== false;
    body = `${head}
  var ys = y0; var ye = min(y0 + ${w.k[0]}, ${H + w.p[0]}); var xs = x0; var xe = min(x0 + ${w.k[1]}, ${W + w.p[1]});
  let size = f32((ye - ys) * (xe - xs));
  ys = max(ys, 0); ye = min(ye, ${H}); xs = max(xs, 0); xe = min(xe, ${W});
  var s = 0.0;
  for (var iy = ys; iy < ye; iy++) { for (var ix = xs; ix < xe; ix++) { s += f32(x[base + u32(iy) * ${u(W)} + u32(ix)]); } }
  y[i] = T(s / ${includePad ? 'size' : 'f32((ye - ys) * (xe - xs))'});`;
  }
  return { passes: [mapPass(label, numel(o), [ro('x', inp(0)), rw('y', out(0))], body)] };
}

const one = (c: KernelCtx, k: string, dflt = 1): [number, number] => [1, (c.p[k] as number | undefined) ?? dflt];
const two = (c: KernelCtx, k: string, dflt = 1): [number, number] => {
  const v = c.p[k] as number[] | undefined;
  return v ? [v[0], v[1]] : [dflt, dflt];
};

export const poolKernels: KernelFamily = {
  max_pool1d: { build: (c) => pool(c, 'max_pool1d', true, { k: one(c, 'kernel_size'), s: one(c, 'stride'), p: [0, c.p.padding as number], d: one(c, 'dilation') }) },
  avg_pool1d: { build: (c) => pool(c, 'avg_pool1d', false, { k: one(c, 'kernel_size'), s: one(c, 'stride'), p: [0, c.p.padding as number], d: [1, 1] }) },
  max_pool2d: { build: (c) => pool(c, 'max_pool2d', true, { k: two(c, 'kernel_size'), s: two(c, 'stride'), p: two(c, 'padding', 0), d: two(c, 'dilation') }) },
  avg_pool2d: { build: (c) => pool(c, 'avg_pool2d', false, { k: two(c, 'kernel_size'), s: two(c, 'stride'), p: two(c, 'padding', 0), d: [1, 1] }) },
};
