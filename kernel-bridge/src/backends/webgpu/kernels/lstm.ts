/**
 * lstm and lstm_cell. Per layer: the input projection of every time step at once on the shared
 * GEMM (x·W_ihᵀ + b_ih + b_hh, T·B rows), then one dispatch per time step for the recurrence
 * (one thread per (batch, hidden unit) computing its four gates against h_{t−1}·W_hhᵀ, then c
 * and h). Each layer's h sequence lives in a scratch of T+1 slots (slot 0 = h0), so step t reads
 * slot t and writes slot t+1 and no step waits on itself; the step index reaches the shared
 * pipeline as a uniform. Gate order i, f, g, o.
 */
import type { Binding, BufferRef, KernelCtx, KernelFamily, KernelPlan, Pass } from '../kernel-types';
import { inp, mapPass, out, ro, rw, scr, u } from '../wgsl';
import { ACTIVATION_HELPERS } from './activation';
import { gemmPass } from './gemm';
import { PlanBuilder } from './fft-radix';

/** x·W_ihᵀ + biases → xp[rows, 4H] (f32 scratch). `xElem`/`xOffset`: where the rows come from. */
function projection(
  label: string,
  rows: number,
  I: number,
  H: number,
  x: BufferRef,
  xElem: string,
  rowIndex: string,
  wih: BufferRef,
  bih: BufferRef | null,
  bhh: BufferRef | null,
  xp: number,
): Pass {
  const bias = [bih ? 'f32(bih[n])' : '', bhh ? 'f32(bhh[n])' : ''].filter(Boolean).join(' + ');
  const bindings: Binding[] = [
    { name: 'X', ref: x, elem: xElem },
    ro('Wih', wih),
    ...(bih ? [ro('bih', bih)] : []),
    ...(bhh ? [ro('bhh', bhh)] : []),
    rw('XP', scr(xp), 'f32'),
  ];
  return gemmPass({
    label,
    batch: 1,
    M: rows,
    N: 4 * H,
    K: I,
    helpers: `
fn xrow(m: u32) -> u32 { return ${rowIndex}; }
fn load_a(z: u32, m: u32, k: u32) -> f32 { return f32(X[xrow(m) * ${u(I)} + k]); }
fn load_b(z: u32, k: u32, n: u32) -> f32 { return f32(Wih[n * ${u(I)} + k]); }
fn store_c(z: u32, m: u32, n: u32, v: f32) { XP[m * ${u(4 * H)} + n] = v${bias ? ` + ${bias}` : ''}; }`,
    bindings,
    aKContiguous: true,
    bNContiguous: false,
  });
}

/**
 * One recurrence step: gates from XP row block `xpRow`, h_prev from `hp[hpOff + …]`, c read from
 * `cin` and written to `cout` (the same buffer in lstm), h written to `hn[hnOff + …]`.
 */
function stepCode(B: number, H: number, xpRow: string, hpOff: string, hnOff: string, n: { hp: string; hn: string; cin: string; cout: string }): string {
  return `${ACTIVATION_HELPERS}
fn gate(q: u32, b: u32, j: u32) -> f32 {
  let row = q * ${u(H)} + j;
  var s = XP[(${xpRow} + b) * ${u(4 * H)} + row];
  for (var k = 0u; k < ${u(H)}; k++) { s = fma(f32(${n.hp}[${hpOff} + b * ${u(H)} + k]), f32(Whh[row * ${u(H)} + k]), s); }
  return s;
}
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= ${u(B * H)}) { return; }
  let b = i / ${u(H)}; let j = i % ${u(H)};
  let ig = sigmoid_(gate(0u, b, j));
  let fg = sigmoid_(gate(1u, b, j));
  let gg = tanh_(gate(2u, b, j));
  let og = sigmoid_(gate(3u, b, j));
  let c = fg * f32(${n.cin}[i]) + ig * gg;
  ${n.cout}[i] = CT(c);
  ${n.hn}[${hnOff} + i] = HT(og * tanh_(c));
}`;
}

function lstm(c: KernelCtx): KernelPlan {
  const [d0, d1, I0] = c.inputs[0]!.shape;
  const batchFirst = c.p.batch_first === true;
  const [T, B] = batchFirst ? [d1, d0] : [d0, d1];
  const L = c.p.num_layers as number;
  const H = c.p.hidden_size as number;
  const bias = c.p.bias !== false;
  const per = bias ? 4 : 2;
  const BH = B * H;
  const pb = new PlanBuilder();
  const xp = pb.addScratch(T * B * 4 * H * 4);
  const seqs: number[] = [];
  const cs: number[] = [];
  for (let l = 0; l < L; l++) {
    const seq = pb.addScratch((T + 1) * BH * 4);
    const cb = pb.addScratch(BH * 4);
    seqs.push(seq);
    cs.push(cb);
    const h0 = c.inputs[1] ? inp(1) : null;
    const c0 = c.inputs[2] ? inp(2) : null;
    pb.passes.push(
      mapPass(
        `lstm layer ${l} init`,
        BH,
        [...(h0 ? [ro('h0', h0)] : []), ...(c0 ? [ro('c0', c0)] : []), rw('seq', scr(seq), 'f32'), rw('cb', scr(cb), 'f32')],
        `seq[i] = ${h0 ? `f32(h0[${u(l * BH)} + i])` : '0.0'}; cb[i] = ${c0 ? `f32(c0[${u(l * BH)} + i])` : '0.0'};`,
      ),
    );
    const w = 3 + l * per;
    const rowIndex = l > 0 ? `${u(B)} + m` : batchFirst ? `(m % ${u(B)}) * ${u(T)} + m / ${u(B)}` : 'm';
    pb.passes.push(
      projection(
        `lstm layer ${l} input projection`,
        T * B,
        l === 0 ? I0 : H,
        H,
        l === 0 ? inp(0) : scr(seqs[l - 1]),
        l === 0 ? 'T' : 'f32',
        rowIndex,
        inp(w),
        bias ? inp(w + 2) : null,
        bias ? inp(w + 3) : null,
        xp,
      ),
    );
    const code = `alias CT = f32; alias HT = f32;\n${stepCode(B, H, `U.x * ${u(B)}`, `U.x * ${u(BH)}`, `(U.x + 1u) * ${u(BH)}`, { hp: 'seq', hn: 'seq', cin: 'cb', cout: 'cb' })}`;
    for (let t = 0; t < T; t++) {
      pb.passes.push({
        label: `lstm layer ${l} step`,
        code,
        bindings: [ro('XP', scr(xp), 'f32'), ro('Whh', inp(w + 1)), rw('seq', scr(seq), 'f32'), rw('cb', scr(cb), 'f32')],
        workgroups: [Math.ceil(BH / 64), 1, 1],
        uniforms: [t],
      });
    }
  }
  // Outputs: the last layer's sequence (slots 1..T), h_n and c_n per layer.
  const last = seqs[L - 1];
  pb.passes.push(
    mapPass(
      'lstm output',
      T * BH,
      [ro('seq', scr(last), 'f32'), rw('y', out(0))],
      batchFirst
        ? `let b = i / ${u(T * H)}; let t = (i / ${u(H)}) % ${u(T)}; let j = i % ${u(H)};
  y[i] = T(seq[(t + 1u) * ${u(BH)} + b * ${u(H)} + j]);`
        : `y[i] = T(seq[${u(BH)} + i]);`,
    ),
  );
  for (let l = 0; l < L; l++) {
    pb.passes.push(
      mapPass(
        `lstm state ${l}`,
        BH,
        [ro('seq', scr(seqs[l]), 'f32'), ro('cb', scr(cs[l]), 'f32'), rw('hn', out(1)), rw('cn', out(2))],
        `hn[${u(l * BH)} + i] = T(seq[${u(T * BH)} + i]); cn[${u(l * BH)} + i] = T(cb[i]);`,
      ),
    );
  }
  return pb.build();
}

function lstmCell(c: KernelCtx): KernelPlan {
  const [B, I] = c.inputs[0]!.shape;
  const H = c.inputs[1]!.shape[1];
  const pb = new PlanBuilder();
  const xp = pb.addScratch(B * 4 * H * 4);
  pb.passes.push(projection('lstm_cell input projection', B, I, H, inp(0), 'T', 'm', inp(3), c.inputs[5] ? inp(5) : null, c.inputs[6] ? inp(6) : null, xp));
  pb.passes.push({
    label: 'lstm_cell step',
    code: `alias CT = T; alias HT = T;\n${stepCode(B, H, '0u', '0u', '0u', { hp: 'hp', hn: 'hn', cin: 'cin', cout: 'cout' })}`,
    bindings: [ro('XP', scr(xp), 'f32'), ro('Whh', inp(4)), ro('hp', inp(1)), ro('cin', inp(2)), rw('hn', out(0)), rw('cout', out(1))],
    workgroups: [Math.ceil((B * H) / 64), 1, 1],
  });
  return pb.build();
}

export const lstmKernels: KernelFamily = {
  lstm: { build: lstm },
  lstm_cell: { build: lstmCell },
};
