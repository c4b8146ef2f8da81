// The FP64 oracle (`ref`) against answers that do not come from it: closed forms, hand-worked
// examples, identities (Parseval, adjoints, round trips) and plain TypeScript loops. Every call
// goes through runOp, as the matrix runner uses the oracle.
import { describe, expect, it } from 'vitest';

import { getBackend, runOp } from '../../kernel-bridge/src/backend';
import { Rng } from '../../kernel-bridge/src/ops/rng';
import type { Params } from '../../kernel-bridge/src/ops/types';
import { tensorValues } from '../../kernel-bridge/src/precision/dtype-values';
import type { HostTensor, Shape } from '../../kernel-bridge/src/tensor';

const ref = getBackend('ref');

interface In {
  readonly shape: Shape;
  readonly data: ArrayLike<number>;
  readonly int8?: boolean;
}

const t = (shape: Shape, data: ArrayLike<number>): In => ({ shape, data });
const i8 = (shape: Shape, data: ArrayLike<number>): In => ({ shape, data, int8: true });

/** Runs `op` on the oracle (f64, or int8 when any input is int8); outputs as f64 values. */
async function run(op: string, inputs: readonly (In | null)[], params: Params = {}): Promise<Float64Array<ArrayBufferLike>[]> {
  const integer = inputs.some((x) => x?.int8);
  const host = inputs.map((x): HostTensor | null =>
    x ? (x.int8 ? { dtype: 'int8', shape: x.shape, data: Int8Array.from(x.data) } : { dtype: 'f64', shape: x.shape, data: Float64Array.from(x.data) }) : null,
  );
  const outs = await runOp(ref, op, host, params, integer ? 'int8' : 'f64');
  return outs.map((o) => Float64Array.from(tensorValues(o)));
}

async function run1(op: string, inputs: readonly (In | null)[], params: Params = {}): Promise<Float64Array<ArrayBufferLike>> {
  return (await run(op, inputs, params))[0];
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length, 'lengths').toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what = ''): void {
  const d = maxAbsDiff(actual, expected);
  if (!(d <= tol)) {
    const show = (a: ArrayLike<number>) => Array.from(a).slice(0, 24).map((v) => Number(v.toPrecision(8)));
    expect.fail(`${what}: max |diff| ${d} > ${tol}\n got      ${JSON.stringify(show(actual))}\n expected ${JSON.stringify(show(expected))}`);
  }
}

function normals(n: number, seed: number, std = 1): Float64Array {
  const out = new Float64Array(n);
  new Rng(seed).fillNormal(out, 0, std);
  return out;
}

const sum = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v) => s + v, 0);
const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

// ---------------------------------------------------------------------------------------------
// FFT family

/** Direct O(n²) DFT of interleaved complex data; sign −1 forward, +1 inverse (unscaled). */
function dft(x: ArrayLike<number>, sign = -1): Float64Array {
  const n = x.length / 2;
  const out = new Float64Array(2 * n);
  for (let k = 0; k < n; k++) {
    let re = 0;
    let im = 0;
    for (let j = 0; j < n; j++) {
      // Reduce k·j mod n first: exact twiddle angles for large products.
      const a = (sign * 2 * Math.PI * ((k * j) % n)) / n;
      const c = Math.cos(a);
      const s = Math.sin(a);
      re += x[2 * j] * c - x[2 * j + 1] * s;
      im += x[2 * j] * s + x[2 * j + 1] * c;
    }
    out[2 * k] = re;
    out[2 * k + 1] = im;
  }
  return out;
}

const realToComplex = (x: ArrayLike<number>): Float64Array => {
  const out = new Float64Array(2 * x.length);
  for (let i = 0; i < x.length; i++) out[2 * i] = x[i];
  return out;
};

const energy = (x: ArrayLike<number>): number => dot(x, x);

describe('oracle: fft, ifft, rfft, irfft', () => {
  it('an impulse at 0 has a flat spectrum; at m, the phase ramp e^{−2πikm/n}', async () => {
    for (const n of [16, 100, 97]) {
      const x = new Float64Array(2 * n);
      x[0] = 1;
      const X = await run1('fft', [t([n, 2], x)]);
      const flat = new Float64Array(2 * n);
      for (let k = 0; k < n; k++) flat[2 * k] = 1;
      expectClose(X, flat, 1e-15, `impulse n=${n}`);

      const m = 3;
      const y = new Float64Array(2 * n);
      y[2 * m] = 1;
      const Y = await run1('fft', [t([n, 2], y)]);
      const ramp = new Float64Array(2 * n);
      for (let k = 0; k < n; k++) {
        const a = (-2 * Math.PI * ((k * m) % n)) / n;
        ramp[2 * k] = Math.cos(a);
        ramp[2 * k + 1] = Math.sin(a);
      }
      expectClose(Y, ramp, 1e-13, `shifted impulse n=${n}`);
    }
  });

  it('a single-bin cosine puts n/2 in bins k and n−k and nothing elsewhere', async () => {
    for (const [n, k0] of [
      [64, 5],
      [100, 7],
      [441, 20],
    ]) {
      const x = new Float64Array(2 * n);
      for (let j = 0; j < n; j++) x[2 * j] = Math.cos((2 * Math.PI * k0 * j) / n);
      const X = await run1('fft', [t([n, 2], x)]);
      for (let k = 0; k < n; k++) {
        const mag = Math.hypot(X[2 * k], X[2 * k + 1]);
        const want = k === k0 || k === n - k0 ? n / 2 : 0;
        expect(Math.abs(mag - want), `n=${n} bin ${k}`).toBeLessThan(1e-11 * n);
      }
      // A sine: −i·n/2 at k0 and +i·n/2 at n−k0.
      const s = new Float64Array(2 * n);
      for (let j = 0; j < n; j++) s[2 * j] = Math.sin((2 * Math.PI * k0 * j) / n);
      const S = await run1('fft', [t([n, 2], s)]);
      expect(S[2 * k0 + 1]).toBeCloseTo(-n / 2, 9);
      expect(S[2 * (n - k0) + 1]).toBeCloseTo(n / 2, 9);
    }
  });

  it('matches a direct O(n²) DFT for n = 12 (mixed radix), 97 (prime), 100 and 128', async () => {
    for (const n of [12, 97, 100, 128]) {
      const x = normals(2 * n, n);
      const X = await run1('fft', [t([n, 2], x)]);
      expectClose(X, dft(x), 1e-12 * n, `fft n=${n}`);
      const Xi = await run1('ifft', [t([n, 2], x)]);
      expectClose(Xi, dft(x, +1).map((v) => v / n), 1e-13, `ifft n=${n}`);
      // rfft of a real signal is the first ⌊n/2⌋+1 bins of its DFT.
      const r = normals(n, 1000 + n);
      const R = await run1('rfft', [t([n], r)]);
      expect(R.length).toBe(2 * (Math.floor(n / 2) + 1));
      expectClose(R, dft(realToComplex(r)).slice(0, R.length), 1e-12 * n, `rfft n=${n}`);
    }
  });

  it('fft → ifft is the identity to ~1e-12', async () => {
    for (const n of [8, 97, 100, 441, 1000, 1024]) {
      const x = normals(2 * n, 7 * n);
      const back = await run1('ifft', [t([n, 2], await run1('fft', [t([n, 2], x)]))]);
      expectClose(back, x, 1e-12, `round trip n=${n}`);
    }
  });

  it('Parseval holds for fft and rfft', async () => {
    for (const n of [64, 97, 100, 441]) {
      const x = normals(2 * n, 3 * n);
      const X = await run1('fft', [t([n, 2], x)]);
      expect(energy(X) / n / energy(x)).toBeCloseTo(1, 12);

      const r = normals(n, 5 * n);
      const R = await run1('rfft', [t([n], r)]);
      // Bins 1 … ⌈n/2⌉−1 stand for two bins each; DC and (n even) Nyquist for one.
      let e = R[0] ** 2 + R[1] ** 2;
      const half = Math.floor(n / 2);
      for (let k = 1; k <= half; k++) {
        const b = R[2 * k] ** 2 + R[2 * k + 1] ** 2;
        e += n % 2 === 0 && k === half ? b : 2 * b;
      }
      expect(e / n / energy(r)).toBeCloseTo(1, 12);
    }
  });

  it('irfft(rfft(x)) = x for odd and even n', async () => {
    for (const n of [15, 16, 97, 100, 441, 1000]) {
      const x = normals(n, 11 * n);
      const R = await run1('rfft', [t([n], x)]);
      const m = Math.floor(n / 2) + 1;
      const back = await run1('irfft', [t([m, 2], R)], { n });
      expectClose(back, x, 1e-12, `n=${n}`);
      if (n % 2 === 0) {
        // The default length is 2·(m − 1) = n for even n.
        expectClose(await run1('irfft', [t([m, 2], R)]), x, 1e-12, `default n for even ${n}`);
      }
    }
  });

  it('irfft ignores the imaginary parts of bin 0 and (even n) bin n/2; zero-pads missing bins', async () => {
    const n = 10;
    const X = normals(2 * 6, 42);
    const base = await run1('irfft', [t([6, 2], X)], { n });
    const Y = Float64Array.from(X);
    Y[1] += 3;
    Y[11] -= 5;
    expectClose(await run1('irfft', [t([6, 2], Y)], { n }), base, 1e-14, 'imag of DC / Nyquist');
    // irfft as a Hermitian-completed inverse DFT.
    const full = new Float64Array(2 * n);
    for (let k = 0; k <= 5; k++) {
      full[2 * k] = X[2 * k];
      full[2 * k + 1] = k === 0 || k === 5 ? 0 : X[2 * k + 1];
    }
    for (let k = 6; k < n; k++) {
      full[2 * k] = X[2 * (n - k)];
      full[2 * k + 1] = -X[2 * (n - k) + 1];
    }
    const want = dft(full, +1).filter((_, i) => i % 2 === 0).map((v) => v / n);
    expectClose(base, want, 1e-14, 'Hermitian inverse');
    // Odd n = 9 uses bins 0..4; only bin 0's imaginary part is ignored (there is no Nyquist bin).
    const Z = normals(2 * 5, 43);
    const odd = new Float64Array(18);
    for (let k = 0; k <= 4; k++) {
      odd[2 * k] = Z[2 * k];
      odd[2 * k + 1] = k === 0 ? 0 : Z[2 * k + 1];
      if (k > 0) {
        odd[2 * (9 - k)] = Z[2 * k];
        odd[2 * (9 - k) + 1] = -Z[2 * k + 1];
      }
    }
    const oddWant = dft(odd, +1).filter((_, i) => i % 2 === 0).map((v) => v / 9);
    expectClose(await run1('irfft', [t([5, 2], Z)], { n: 9 }), oddWant, 1e-14, 'odd n Hermitian inverse');
    // n = 20 needs 11 bins; the 6 given are zero-padded.
    const padded = new Float64Array(22);
    padded.set(X);
    expectClose(await run1('irfft', [t([6, 2], X)], { n: 20 }), await run1('irfft', [t([11, 2], padded)], { n: 20 }), 1e-15, 'zero-padded bins');
  });

  it('norm modes scale correctly', async () => {
    const n = 48;
    const x = normals(2 * n, 5);
    const back = await run1('fft', [t([n, 2], x)]);
    expectClose(await run1('fft', [t([n, 2], x)], { norm: 'forward' }), back.map((v) => v / n), 1e-14, 'fft forward');
    expectClose(await run1('fft', [t([n, 2], x)], { norm: 'ortho' }), back.map((v) => v / Math.sqrt(n)), 1e-13, 'fft ortho');
    const ib = await run1('ifft', [t([n, 2], x)]);
    expectClose(await run1('ifft', [t([n, 2], x)], { norm: 'forward' }), ib.map((v) => v * n), 1e-12, 'ifft forward');
    expectClose(await run1('ifft', [t([n, 2], x)], { norm: 'ortho' }), ib.map((v) => v * Math.sqrt(n)), 1e-13, 'ifft ortho');
    // ortho is unitary: energy is preserved.
    expect(energy(await run1('fft', [t([n, 2], x)], { norm: 'ortho' })) / energy(x)).toBeCloseTo(1, 12);

    const r = normals(n, 6);
    const rb = await run1('rfft', [t([n], r)]);
    expectClose(await run1('rfft', [t([n], r)], { norm: 'forward' }), rb.map((v) => v / n), 1e-14, 'rfft forward');
    expectClose(await run1('rfft', [t([n], r)], { norm: 'ortho' }), rb.map((v) => v / Math.sqrt(n)), 1e-13, 'rfft ortho');
    const m = n / 2 + 1;
    for (const norm of ['backward', 'forward', 'ortho']) {
      const R = await run1('rfft', [t([n], r)], { norm });
      expectClose(await run1('irfft', [t([m, 2], R)], { n, norm }), r, 1e-13, `irfft∘rfft ${norm}`);
    }
  });

  it('n zero-pads or truncates, and dim picks the complex dim', async () => {
    const x = normals(2 * 10, 8);
    const padded = new Float64Array(2 * 16);
    padded.set(x);
    expectClose(await run1('fft', [t([10, 2], x)], { n: 16 }), dft(padded), 1e-13, 'n=16 pads');
    expectClose(await run1('fft', [t([10, 2], x)], { n: 6 }), dft(x.slice(0, 12)), 1e-13, 'n=6 truncates');
    // [4, 3] complex, transform along dim 0: each of the 3 columns.
    const y = normals(4 * 3 * 2, 9);
    const Y = await run1('fft', [t([4, 3, 2], y)], { dim: 0 });
    for (let col = 0; col < 3; col++) {
      const column = new Float64Array(8);
      for (let r = 0; r < 4; r++) column.set(y.slice(2 * (r * 3 + col), 2 * (r * 3 + col) + 2), 2 * r);
      const got = new Float64Array(8);
      for (let r = 0; r < 4; r++) got.set(Y.slice(2 * (r * 3 + col), 2 * (r * 3 + col) + 2), 2 * r);
      expectClose(got, dft(column), 1e-13, `column ${col}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Convolutions

interface Conv1dCfg {
  N: number;
  Cin: number;
  L: number;
  Cout: number;
  K: number;
  stride: number;
  padL: number;
  padR: number;
  dilation: number;
  groups: number;
}

function naiveConv1d(x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number> | null, c: Conv1dCfg): Float64Array {
  const Lout = Math.floor((c.L + c.padL + c.padR - c.dilation * (c.K - 1) - 1) / c.stride) + 1;
  const cinG = c.Cin / c.groups;
  const coutG = c.Cout / c.groups;
  const out = new Float64Array(c.N * c.Cout * Lout);
  for (let n = 0; n < c.N; n++)
    for (let co = 0; co < c.Cout; co++) {
      const g = Math.floor(co / coutG);
      for (let o = 0; o < Lout; o++) {
        let s = bias ? bias[co] : 0;
        for (let ci = 0; ci < cinG; ci++)
          for (let k = 0; k < c.K; k++) {
            const pos = o * c.stride - c.padL + k * c.dilation;
            if (pos < 0 || pos >= c.L) continue;
            s += x[(n * c.Cin + g * cinG + ci) * c.L + pos] * w[(co * cinG + ci) * c.K + k];
          }
        out[(n * c.Cout + co) * Lout + o] = s;
      }
    }
  return out;
}

interface Conv2dCfg {
  N: number;
  Cin: number;
  H: number;
  W: number;
  Cout: number;
  kH: number;
  kW: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
  groups: number;
}

function naiveConv2d(x: ArrayLike<number>, w: ArrayLike<number>, bias: ArrayLike<number> | null, c: Conv2dCfg): Float64Array {
  const Ho = Math.floor((c.H + 2 * c.ph - c.dh * (c.kH - 1) - 1) / c.sh) + 1;
  const Wo = Math.floor((c.W + 2 * c.pw - c.dw * (c.kW - 1) - 1) / c.sw) + 1;
  const cinG = c.Cin / c.groups;
  const coutG = c.Cout / c.groups;
  const out = new Float64Array(c.N * c.Cout * Ho * Wo);
  for (let n = 0; n < c.N; n++)
    for (let co = 0; co < c.Cout; co++) {
      const g = Math.floor(co / coutG);
      for (let oy = 0; oy < Ho; oy++)
        for (let ox = 0; ox < Wo; ox++) {
          let s = bias ? bias[co] : 0;
          for (let ci = 0; ci < cinG; ci++)
            for (let ky = 0; ky < c.kH; ky++)
              for (let kx = 0; kx < c.kW; kx++) {
                const y = oy * c.sh - c.ph + ky * c.dh;
                const xx = ox * c.sw - c.pw + kx * c.dw;
                if (y < 0 || y >= c.H || xx < 0 || xx >= c.W) continue;
                s += x[((n * c.Cin + g * cinG + ci) * c.H + y) * c.W + xx] * w[((co * cinG + ci) * c.kH + ky) * c.kW + kx];
              }
          out[((n * c.Cout + co) * Ho + oy) * Wo + ox] = s;
        }
    }
  return out;
}

describe('oracle: conv1d, conv2d, conv_transpose1d', () => {
  it('conv1d by hand: [1,2,3,4] ⋆ [1,0,−1], padding 1 (cross-correlation, as torch)', async () => {
    const out = await run1('conv1d', [t([1, 1, 4], [1, 2, 3, 4]), t([1, 1, 3], [1, 0, -1])], { padding: 1 });
    expect(Array.from(out)).toEqual([-2, -2, -2, 3]);
    const withBias = await run1('conv1d', [t([1, 1, 4], [1, 2, 3, 4]), t([1, 1, 3], [1, 0, -1]), t([1], [0.5])], { padding: 1 });
    expect(Array.from(withBias)).toEqual([-1.5, -1.5, -1.5, 3.5]);
    // stride 2, kernel [1, 1]: sums of pairs.
    const strided = await run1('conv1d', [t([1, 1, 7], [1, 2, 3, 4, 5, 6, 7]), t([1, 1, 2], [1, 1])], { stride: 2 });
    expect(Array.from(strided)).toEqual([3, 7, 11]);
    // dilation 2: x[i] − x[i+4].
    const dilated = await run1('conv1d', [t([1, 1, 6], [1, 2, 4, 8, 16, 32]), t([1, 1, 3], [1, 0, -1])], { dilation: 2 });
    expect(Array.from(dilated)).toEqual([1 - 16, 2 - 32]);
    // 'same' with an even kernel puts the extra zero on the right: pads (1, 2).
    const same = await run1('conv1d', [t([1, 1, 4], [1, 2, 3, 4]), t([1, 1, 4], [1, 10, 100, 1000])], { padding: 'same' });
    expect(Array.from(same)).toEqual([0 * 1 + 1 * 10 + 2 * 100 + 3 * 1000, 1 + 20 + 300 + 4000, 2 + 30 + 400, 3 + 40]);
  });

  it('conv1d with groups, dilation, stride and padding equals a naive loop', async () => {
    const cfgs: Conv1dCfg[] = [
      { N: 2, Cin: 6, L: 23, Cout: 4, K: 3, stride: 1, padL: 0, padR: 0, dilation: 1, groups: 2 },
      { N: 1, Cin: 4, L: 30, Cout: 8, K: 4, stride: 3, padL: 2, padR: 2, dilation: 2, groups: 4 },
      { N: 2, Cin: 3, L: 17, Cout: 6, K: 5, stride: 2, padL: 1, padR: 1, dilation: 3, groups: 3 },
      { N: 1, Cin: 4, L: 12, Cout: 2, K: 2, stride: 1, padL: 0, padR: 0, dilation: 1, groups: 1 },
    ];
    for (const [i, c] of cfgs.entries()) {
      const x = normals(c.N * c.Cin * c.L, 100 + i);
      const w = normals(c.Cout * (c.Cin / c.groups) * c.K, 200 + i);
      const b = normals(c.Cout, 300 + i);
      const out = await run1('conv1d', [t([c.N, c.Cin, c.L], x), t([c.Cout, c.Cin / c.groups, c.K], w), t([c.Cout], b)], {
        stride: c.stride,
        padding: c.padL,
        dilation: c.dilation,
        groups: c.groups,
      });
      expectClose(out, naiveConv1d(x, w, b, c), 1e-12, `conv1d cfg ${i}`);
    }
    // 'same' with an even dilated kernel: total 2·(4−1) = 6 → (3, 3); K=4, d=1 → (1, 2).
    const c: Conv1dCfg = { N: 1, Cin: 2, L: 11, Cout: 2, K: 4, stride: 1, padL: 1, padR: 2, dilation: 1, groups: 2 };
    const x = normals(22, 1);
    const w = normals(8, 2);
    const out = await run1('conv1d', [t([1, 2, 11], x), t([2, 1, 4], w)], { padding: 'same', groups: 2 });
    expectClose(out, naiveConv1d(x, w, null, c), 1e-12, "conv1d 'same' even kernel");
  });

  it('conv2d by hand and against a naive loop', async () => {
    const x = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const w = [1, 0, 0, -1];
    expect(Array.from(await run1('conv2d', [t([1, 1, 3, 3], x), t([1, 1, 2, 2], w)]))).toEqual([-4, -4, -4, -4]);
    expect(Array.from(await run1('conv2d', [t([1, 1, 3, 3], x), t([1, 1, 2, 2], w)], { padding: 1 }))).toEqual([
      -1, -2, -3, 0, -4, -4, -4, 3, -7, -4, -4, 6, 0, 7, 8, 9,
    ]);
    const cfgs: Conv2dCfg[] = [
      { N: 2, Cin: 4, H: 7, W: 9, Cout: 6, kH: 3, kW: 2, sh: 2, sw: 1, ph: 1, pw: 0, dh: 1, dw: 2, groups: 2 },
      { N: 1, Cin: 3, H: 8, W: 8, Cout: 3, kH: 3, kW: 3, sh: 1, sw: 1, ph: 2, pw: 2, dh: 2, dw: 2, groups: 3 },
    ];
    for (const [i, c] of cfgs.entries()) {
      const xi = normals(c.N * c.Cin * c.H * c.W, 10 + i);
      const wi = normals(c.Cout * (c.Cin / c.groups) * c.kH * c.kW, 20 + i);
      const b = normals(c.Cout, 30 + i);
      const out = await run1(
        'conv2d',
        [t([c.N, c.Cin, c.H, c.W], xi), t([c.Cout, c.Cin / c.groups, c.kH, c.kW], wi), t([c.Cout], b)],
        { stride: [c.sh, c.sw], padding: [c.ph, c.pw], dilation: [c.dh, c.dw], groups: c.groups },
      );
      expectClose(out, naiveConv2d(xi, wi, b, c), 1e-12, `conv2d cfg ${i}`);
    }
  });

  it('conv_transpose1d is the adjoint of conv1d: ⟨conv(x), y⟩ = ⟨x, convT(y)⟩', async () => {
    const cfgs = [
      { N: 1, Cin: 2, L: 16, Cout: 3, K: 3, stride: 1, padding: 0, dilation: 1, groups: 1 },
      { N: 2, Cin: 4, L: 21, Cout: 6, K: 4, stride: 2, padding: 1, dilation: 1, groups: 2 },
      { N: 1, Cin: 3, L: 25, Cout: 3, K: 3, stride: 3, padding: 2, dilation: 2, groups: 3 },
      { N: 1, Cin: 2, L: 30, Cout: 4, K: 5, stride: 4, padding: 2, dilation: 1, groups: 1 },
    ];
    for (const [i, c] of cfgs.entries()) {
      const x = normals(c.N * c.Cin * c.L, 400 + i);
      const w = normals(c.Cout * (c.Cin / c.groups) * c.K, 500 + i);
      const y1 = await run1('conv1d', [t([c.N, c.Cin, c.L], x), t([c.Cout, c.Cin / c.groups, c.K], w)], {
        stride: c.stride,
        padding: c.padding,
        dilation: c.dilation,
        groups: c.groups,
      });
      const Lout = y1.length / (c.N * c.Cout);
      const outputPadding = c.L - ((Lout - 1) * c.stride - 2 * c.padding + c.dilation * (c.K - 1) + 1);
      const y = normals(y1.length, 600 + i);
      // The same weight read as a transposed-conv weight [Cin_T = Cout, Cout_T/groups = Cin/groups, K].
      const xt = await run1('conv_transpose1d', [t([c.N, c.Cout, Lout], y), t([c.Cout, c.Cin / c.groups, c.K], w)], {
        stride: c.stride,
        padding: c.padding,
        output_padding: outputPadding,
        dilation: c.dilation,
        groups: c.groups,
      });
      expect(xt.length, `cfg ${i} length`).toBe(x.length);
      const lhs = dot(y1, y);
      const rhs = dot(x, xt);
      expect(Math.abs(lhs - rhs), `cfg ${i}: ${lhs} vs ${rhs}`).toBeLessThan(1e-12 * Math.max(1, Math.abs(lhs)) * 10);
    }
  });

  it('conv_transpose1d by hand: stride 2 scatters the kernel, bias added once', async () => {
    // x = [1, 2], w = [1, 10, 100], stride 2: out = [1, 10, 100+2, 20, 200], then + bias.
    const out = await run1('conv_transpose1d', [t([1, 1, 2], [1, 2]), t([1, 1, 3], [1, 10, 100]), t([1], [0.25])], { stride: 2 });
    expect(Array.from(out)).toEqual([1.25, 10.25, 102.25, 20.25, 200.25]);
    // padding 1 trims one from each side; output_padding 1 adds one at the end.
    const trimmed = await run1('conv_transpose1d', [t([1, 1, 2], [1, 2]), t([1, 1, 3], [1, 10, 100])], { stride: 2, padding: 1, output_padding: 1 });
    expect(Array.from(trimmed)).toEqual([10, 102, 20, 200]);
  });
});

// ---------------------------------------------------------------------------------------------
// STFT

describe('oracle: stft, istft', () => {
  it('stft → istft reconstructs the signal (hann, n_fft 512, hop 128, center) to < 1e-10', async () => {
    const L = 4000;
    const rng = new Rng(77);
    const x = new Float64Array(L);
    for (let i = 0; i < L; i++) x[i] = 0.5 * Math.sin(0.031 * i) + 0.3 * Math.sin(0.4 * i + 1) + 0.1 * rng.normal();
    const params = { n_fft: 512, hop_length: 128, window: 'hann', center: true };
    const S = await run1('stft', [t([L], x)], params);
    const frames = 1 + Math.floor(L / 128);
    expect(S.length).toBe(257 * frames * 2);
    const back = await run1('istft', [t([257, frames, 2], S)], { ...params, length: L });
    expect(maxAbsDiff(back, x)).toBeLessThan(1e-10);
    // Batched, normalized, n_fft 400 hop 100: the same.
    const xb = normals(2 * 1600, 5);
    const p2 = { n_fft: 400, hop_length: 100, normalized: true };
    const frames2 = 1 + Math.floor(1600 / 100);
    const S2 = await run1('stft', [t([2, 1600], xb)], p2);
    expect(maxAbsDiff(await run1('istft', [t([2, 201, frames2, 2], S2)], { ...p2, length: 1600 }), xb)).toBeLessThan(1e-10);
    // center=false with a rectangular window and an exact frame count.
    const L3 = 512 + 128 * 20;
    const x3 = normals(L3, 6);
    const p3 = { n_fft: 512, hop_length: 128, window: 'ones', center: false };
    const S3 = await run1('stft', [t([L3], x3)], p3);
    expect(maxAbsDiff(await run1('istft', [t([257, 21, 2], S3)], p3), x3)).toBeLessThan(1e-10);
  });

  it('stft of a bin-centred tone peaks in its bin with the Hann magnitudes N/4 and N/8 beside it', async () => {
    const nFft = 512;
    const k0 = 20;
    const L = 4096;
    const x = Float64Array.from({ length: L }, (_, i) => Math.cos((2 * Math.PI * k0 * i) / nFft));
    const S = await run1('stft', [t([L], x)], { n_fft: nFft, hop_length: 128 });
    const frames = 1 + Math.floor(L / 128);
    const nFreq = nFft / 2 + 1;
    const mag = (k: number, f: number) => Math.hypot(S[(k * frames + f) * 2], S[(k * frames + f) * 2 + 1]);
    // Frames that lie wholly inside the signal (away from the reflect-padded edges).
    for (let f = 2; f <= frames - 3; f++) {
      let best = 0;
      for (let k = 1; k < nFreq; k++) if (mag(k, f) > mag(best, f)) best = k;
      expect(best, `frame ${f}`).toBe(k0);
      expect(mag(k0, f)).toBeCloseTo(nFft / 4, 9);
      expect(mag(k0 - 1, f)).toBeCloseTo(nFft / 8, 9);
      expect(mag(k0 + 1, f)).toBeCloseTo(nFft / 8, 9);
      for (let k = 0; k < nFreq; k++) if (Math.abs(k - k0) > 1) expect(mag(k, f), `frame ${f} bin ${k}`).toBeLessThan(1e-9);
    }
    // A tone between bins: the nearest bin wins.
    const y = Float64Array.from({ length: L }, (_, i) => Math.sin((2 * Math.PI * 33.3 * i) / nFft));
    const Y = await run1('stft', [t([L], y)], { n_fft: nFft, hop_length: 128 });
    const f = 10;
    let best = 0;
    for (let k = 1; k < nFreq; k++) {
      const m = Math.hypot(Y[(k * frames + f) * 2], Y[(k * frames + f) * 2 + 1]);
      if (m > Math.hypot(Y[(best * frames + f) * 2], Y[(best * frames + f) * 2 + 1])) best = k;
    }
    expect(best).toBe(33);
  });

  it('stft by hand: n_fft 4, hop 2, rectangular, reflect centre padding', async () => {
    // x = [1..5] padded by 2 reflect: [3,2,1,2,3,4,5,4,3]; frames [3,2,1,2], [1,2,3,4], [3,4,5,4].
    const S = await run1('stft', [t([5], [1, 2, 3, 4, 5])], { n_fft: 4, hop_length: 2, window: 'ones' });
    // Layout [n_freq = 3, n_frames = 3, 2].
    const want = [
      [8, 0, 10, 0, 16, 0], // bin 0
      [2, 0, -2, 2, -2, 0], // bin 1: Σ x_t (−i)^t
      [0, 0, -2, 0, 0, 0], // bin 2: Σ x_t (−1)^t
    ].flat();
    expectClose(S, want, 1e-14, 'stft by hand');
    // constant pad mode, normalized: ×1/√n_fft.
    const C = await run1('stft', [t([5], [1, 2, 3, 4, 5])], { n_fft: 4, hop_length: 2, window: 'ones', pad_mode: 'constant', normalized: true });
    // frames [0,0,1,2], [1,2,3,4], [3,4,5,0]; DC 3, 10, 12.
    expect(C[0]).toBeCloseTo(3 / 2, 14);
    expect(C[2]).toBeCloseTo(10 / 2, 14);
    expect(C[4]).toBeCloseTo(12 / 2, 14);
  });

  it('a window shorter than n_fft is zero-padded on both sides, left ⌊(n_fft − win_length)/2⌋', async () => {
    // n_fft 8, win_length 3 ones: padded window [0, 0, 1, 1, 1, 0, 0, 0]; center=false, one frame.
    const x = [1, 2, 4, 8, 16, 32, 64, 128];
    const S = await run1('stft', [t([8], x)], { n_fft: 8, hop_length: 8, win_length: 3, window: 'ones', center: false });
    expect(S.length).toBe(5 * 1 * 2);
    expect(S[0]).toBeCloseTo(4 + 8 + 16, 12);
    // hann of win_length 4 (periodic: [0, 0.5, 1, 0.5]) centred in n_fft 8: [0, 0, 0, .5, 1, .5, 0, 0].
    const H = await run1('stft', [t([8], x)], { n_fft: 8, hop_length: 8, win_length: 4, center: false });
    expect(H[0]).toBeCloseTo(0.5 * 8 + 16 + 0.5 * 32, 12);
  });

  it('stft → istft also reconstructs for odd n_fft, win_length < n_fft, and two-sided spectra', async () => {
    const L = 2000;
    const x = normals(L, 31);
    const cases: { n_fft: number; hop_length: number; win_length?: number; onesided?: boolean; normalized?: boolean }[] = [
      { n_fft: 255, hop_length: 64 },
      { n_fft: 256, hop_length: 64, win_length: 200 },
      { n_fft: 128, hop_length: 32, onesided: false },
      { n_fft: 401, hop_length: 100, onesided: false, normalized: true },
    ];
    for (const p of cases) {
      const S = await run1('stft', [t([L], x)], p as Params);
      const frames = 1 + Math.floor((L + 2 * Math.floor(p.n_fft / 2) - p.n_fft) / p.hop_length);
      const nFreq = p.onesided === false ? p.n_fft : Math.floor(p.n_fft / 2) + 1;
      expect(S.length, JSON.stringify(p)).toBe(nFreq * frames * 2);
      const back = await run1('istft', [t([nFreq, frames, 2], S)], { ...(p as Params), length: L });
      expect(maxAbsDiff(back, x), JSON.stringify(p)).toBeLessThan(1e-10);
    }
  });

  it('istft divides by the overlap-added squared window', async () => {
    // One frame, rectangular window of 4, constant spectrum of an impulse: out = impulse.
    const spec = [1, 0, 1, 0, 1, 0]; // n_freq 3, 1 frame: the rfft of [1, 0, 0, 0]
    const out = await run1('istft', [t([3, 1, 2], spec)], { n_fft: 4, hop_length: 4, window: 'ones', center: false });
    expectClose(out, [1, 0, 0, 0], 1e-15, 'one frame');
  });
});

// ---------------------------------------------------------------------------------------------
// LSTM

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** One LSTM step in plain TS: gates i, f, g, o stacked along the 4H rows. */
function lstmStep(
  x: ArrayLike<number>,
  h: ArrayLike<number>,
  c: ArrayLike<number>,
  wih: ArrayLike<number>,
  whh: ArrayLike<number>,
  bih: ArrayLike<number> | null,
  bhh: ArrayLike<number> | null,
  B: number,
  I: number,
  H: number,
): { h1: Float64Array; c1: Float64Array } {
  const h1 = new Float64Array(B * H);
  const c1 = new Float64Array(B * H);
  for (let b = 0; b < B; b++) {
    const gate = (r: number) => {
      let s = (bih ? bih[r] : 0) + (bhh ? bhh[r] : 0);
      for (let k = 0; k < I; k++) s += wih[r * I + k] * x[b * I + k];
      for (let k = 0; k < H; k++) s += whh[r * H + k] * h[b * H + k];
      return s;
    };
    for (let j = 0; j < H; j++) {
      const i = sigmoid(gate(j));
      const f = sigmoid(gate(H + j));
      const g = Math.tanh(gate(2 * H + j));
      const o = sigmoid(gate(3 * H + j));
      const cn = f * c[b * H + j] + i * g;
      c1[b * H + j] = cn;
      h1[b * H + j] = o * Math.tanh(cn);
    }
  }
  return { h1, c1 };
}

describe('oracle: lstm_cell, lstm', () => {
  const B = 3;
  const I = 5;
  const H = 4;
  const x = normals(B * I, 1);
  const h = normals(B * H, 2, 0.5);
  const c = normals(B * H, 3, 0.5);
  const wih = normals(4 * H * I, 4, 0.5);
  const whh = normals(4 * H * H, 5, 0.5);
  const bih = normals(4 * H, 6, 0.5);
  const bhh = normals(4 * H, 7, 0.5);

  it('lstm_cell equals a TS step (gate order i, f, g, o), with and without biases', async () => {
    const want = lstmStep(x, h, c, wih, whh, bih, bhh, B, I, H);
    const [h1, c1] = await run('lstm_cell', [t([B, I], x), t([B, H], h), t([B, H], c), t([4 * H, I], wih), t([4 * H, H], whh), t([4 * H], bih), t([4 * H], bhh)]);
    expectClose(h1, want.h1, 1e-14, 'h1');
    expectClose(c1, want.c1, 1e-14, 'c1');
    const nb = lstmStep(x, h, c, wih, whh, null, null, B, I, H);
    const [h2, c2] = await run('lstm_cell', [t([B, I], x), t([B, H], h), t([B, H], c), t([4 * H, I], wih), t([4 * H, H], whh)]);
    expectClose(h2, nb.h1, 1e-14, 'h1 no bias');
    expectClose(c2, nb.c1, 1e-14, 'c1 no bias');
  });

  it('lstm with T = 1 equals the same step; h0/c0 omitted are zeros', async () => {
    const want = lstmStep(x, h, c, wih, whh, bih, bhh, B, I, H);
    const [out, hn, cn] = await run('lstm', [
      t([1, B, I], x),
      t([1, B, H], h),
      t([1, B, H], c),
      t([4 * H, I], wih),
      t([4 * H, H], whh),
      t([4 * H], bih),
      t([4 * H], bhh),
    ]);
    expectClose(out, want.h1, 1e-14, 'out');
    expectClose(hn, want.h1, 1e-14, 'h_n');
    expectClose(cn, want.c1, 1e-14, 'c_n');
    const zeros = new Float64Array(B * H);
    const z = lstmStep(x, zeros, zeros, wih, whh, bih, bhh, B, I, H);
    const [o0, h0n, c0n] = await run('lstm', [t([1, B, I], x), null, null, t([4 * H, I], wih), t([4 * H, H], whh), t([4 * H], bih), t([4 * H], bhh)]);
    expectClose(o0, z.h1, 1e-14, 'out, zero state');
    expectClose(h0n, z.h1, 1e-14, 'h_n, zero state');
    expectClose(c0n, z.c1, 1e-14, 'c_n, zero state');
  });

  it('multi-step, multi-layer lstm equals repeated lstm_cell; batch_first is the same sequence transposed', async () => {
    const T = 6;
    const L = 2;
    const xs = normals(T * B * I, 10);
    const h0 = normals(L * B * H, 11, 0.5);
    const c0 = normals(L * B * H, 12, 0.5);
    const W = [0, 1].map((l) => ({
      ih: normals(4 * H * (l === 0 ? I : H), 20 + l, 0.5),
      hh: normals(4 * H * H, 30 + l, 0.5),
      bih: normals(4 * H, 40 + l, 0.5),
      bhh: normals(4 * H, 50 + l, 0.5),
    }));
    for (const bias of [true, false]) {
      // Expected: layer by layer, step by step, through lstm_cell on the oracle.
      let seq: Float64Array[] = Array.from({ length: T }, (_, s) => xs.slice(s * B * I, (s + 1) * B * I));
      const hn: Float64Array[] = [];
      const cn: Float64Array[] = [];
      for (let l = 0; l < L; l++) {
        const inSize = l === 0 ? I : H;
        let hh: Float64Array<ArrayBufferLike> = h0.slice(l * B * H, (l + 1) * B * H);
        let cc: Float64Array<ArrayBufferLike> = c0.slice(l * B * H, (l + 1) * B * H);
        const next: Float64Array[] = [];
        for (let s = 0; s < T; s++) {
          const inputs: (In | null)[] = [t([B, inSize], seq[s]), t([B, H], hh), t([B, H], cc), t([4 * H, inSize], W[l].ih), t([4 * H, H], W[l].hh)];
          if (bias) inputs.push(t([4 * H], W[l].bih), t([4 * H], W[l].bhh));
          const ts = lstmStep(seq[s], hh, cc, W[l].ih, W[l].hh, bias ? W[l].bih : null, bias ? W[l].bhh : null, B, inSize, H);
          [hh, cc] = await run('lstm_cell', inputs);
          // The cell agrees with the plain TS step at every step, too.
          expectClose(hh, ts.h1, 1e-14, `cell h, layer ${l} step ${s}`);
          next.push(hh);
        }
        hn.push(hh);
        cn.push(cc);
        seq = next;
      }
      const wantOut = new Float64Array(T * B * H);
      seq.forEach((v, s) => wantOut.set(v, s * B * H));
      const weights: In[] = [];
      for (let l = 0; l < L; l++) {
        weights.push(t([4 * H, l === 0 ? I : H], W[l].ih), t([4 * H, H], W[l].hh));
        if (bias) weights.push(t([4 * H], W[l].bih), t([4 * H], W[l].bhh));
      }
      const [out, hN, cN] = await run('lstm', [t([T, B, I], xs), t([L, B, H], h0), t([L, B, H], c0), ...weights], { num_layers: L, bias });
      expectClose(out, wantOut, 1e-13, `out bias=${bias}`);
      expectClose(hN, [...hn[0], ...hn[1]], 1e-13, `h_n bias=${bias}`);
      expectClose(cN, [...cn[0], ...cn[1]], 1e-13, `c_n bias=${bias}`);

      // batch_first: x [B, T, I], out [B, T, H]; h_n / c_n unchanged.
      const xbf = new Float64Array(T * B * I);
      for (let s = 0; s < T; s++) for (let b = 0; b < B; b++) for (let k = 0; k < I; k++) xbf[(b * T + s) * I + k] = xs[(s * B + b) * I + k];
      const [obf, hbf, cbf] = await run('lstm', [t([B, T, I], xbf), t([L, B, H], h0), t([L, B, H], c0), ...weights], {
        num_layers: L,
        bias,
        batch_first: true,
      });
      const wantBf = new Float64Array(T * B * H);
      for (let s = 0; s < T; s++) for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) wantBf[(b * T + s) * H + j] = wantOut[(s * B + b) * H + j];
      expectClose(obf, wantBf, 1e-13, `batch_first out bias=${bias}`);
      expectClose(hbf, hN, 1e-13, `batch_first h_n bias=${bias}`);
      expectClose(cbf, cN, 1e-13, `batch_first c_n bias=${bias}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Pooling

describe('oracle: pooling edge cases', () => {
  const seq = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  it('ceil_mode keeps a last partial window only if it starts inside the input or left padding', async () => {
    expect(Array.from(await run1('max_pool1d', [t([1, 1, 5], seq(5))], { kernel_size: 2 }))).toEqual([2, 4]);
    expect(Array.from(await run1('max_pool1d', [t([1, 1, 5], seq(5))], { kernel_size: 2, ceil_mode: true }))).toEqual([2, 4, 5]);
    // L=5, k=2, s=2, p=1, ceil: ⌈5/2⌉+1 = 4 windows, but the 4th would start at 6 ≥ L+p: dropped.
    expect(Array.from(await run1('max_pool1d', [t([1, 1, 5], seq(5))], { kernel_size: 2, stride: 2, padding: 1, ceil_mode: true }))).toEqual([1, 3, 5]);
    expect(Array.from(await run1('avg_pool1d', [t([1, 1, 5], seq(5))], { kernel_size: 2, ceil_mode: true }))).toEqual([1.5, 3.5, 5]);
  });

  it('max pooling pads with −∞, not 0', async () => {
    const out = await run1('max_pool1d', [t([1, 1, 4], [-5, -1, -4, -7])], { kernel_size: 3, stride: 1, padding: 1 });
    expect(Array.from(out)).toEqual([-1, -1, -1, -4]);
    const out2 = await run1('max_pool2d', [t([1, 1, 2, 2], [-1, -2, -3, -4])], { kernel_size: 2, stride: 1, padding: 1 });
    expect(Array.from(out2)).toEqual([-1, -1, -2, -1, -1, -2, -3, -3, -4]);
  });

  it('avg pooling divisors: count_include_pad, and the ceil-mode window past the padding (ATen)', async () => {
    const x = t([1, 1, 4], [1, 2, 3, 4]);
    expectClose(await run1('avg_pool1d', [x], { kernel_size: 3, stride: 1, padding: 1 }), [1, 2, 3, 7 / 3], 1e-15, 'include pad');
    expectClose(await run1('avg_pool1d', [x], { kernel_size: 3, stride: 1, padding: 1, count_include_pad: false }), [1.5, 2, 3, 3.5], 1e-15, 'exclude pad');
    // L=6, k=3, s=2, p=1, ceil: 4 windows; the last covers [5, 8) ∩ [−1, 7) = [5, 7): size 2 with
    // padding, only x[5] inside. Divisor 2 (count_include_pad) or 1.
    const y = t([1, 1, 6], seq(6));
    const inc = await run1('avg_pool1d', [y], { kernel_size: 3, stride: 2, padding: 1, ceil_mode: true });
    expectClose(inc, [(1 + 2) / 3, (2 + 3 + 4) / 3, (4 + 5 + 6) / 3, 6 / 2], 1e-15, 'ceil include pad');
    const exc = await run1('avg_pool1d', [y], { kernel_size: 3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: false });
    expectClose(exc, [(1 + 2) / 2, 3, 5, 6], 1e-15, 'ceil exclude pad');
    // 2-D: 3×3 ones, k=2, s=2, p=1: corner windows hold 1 real element of 4.
    const ones = t([1, 1, 3, 3], new Array(9).fill(1));
    expectClose(await run1('avg_pool2d', [ones], { kernel_size: 2, stride: 2, padding: 1 }), [0.25, 0.5, 0.5, 1], 1e-15, '2d include');
    expectClose(await run1('avg_pool2d', [ones], { kernel_size: 2, stride: 2, padding: 1, count_include_pad: false }), [1, 1, 1, 1], 1e-15, '2d exclude');
  });

  it('dilation spreads the max window', async () => {
    const out = await run1('max_pool1d', [t([1, 1, 7], [1, 5, 2, 8, 3, 0, 4])], { kernel_size: 2, stride: 1, dilation: 3 });
    expect(Array.from(out)).toEqual([8, 5, 2, 8]);
    // 2-D, dilation [1, 2], kernel [2, 2]: rows (r, r+1), cols (c, c+2).
    const x = [1, 9, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2];
    const out2 = await run1('max_pool2d', [t([1, 1, 3, 4], x)], { kernel_size: 2, stride: 1, dilation: [1, 2] });
    expect(Array.from(out2)).toEqual([6, 9, 8, 7]);
  });
});


/** ATen's pooling output size: floor or ceil, and a ceil-mode window must start inside input or left padding. */
function poolOut(L: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = L + 2 * p - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= L + p) out--;
  return out;
}

/** One axis of an avg window, as ATen: [start, end) in the input, and the divisor with padding. */
function avgAxis(o: number, k: number, s: number, p: number, L: number): { lo: number; hi: number; padded: number } {
  let lo = o * s - p;
  let hi = Math.min(lo + k, L + p);
  const padded = hi - lo;
  lo = Math.max(lo, 0);
  hi = Math.min(hi, L);
  return { lo, hi, padded };
}

interface Pool2d {
  k: [number, number];
  s: [number, number];
  p: [number, number];
  d: [number, number];
  ceil: boolean;
  cip: boolean;
}

function naivePool2d(kind: 'max' | 'avg', x: ArrayLike<number>, NC: number, H: number, W: number, c: Pool2d): Float64Array {
  const Ho = poolOut(H, c.k[0], c.s[0], c.p[0], c.d[0], c.ceil);
  const Wo = poolOut(W, c.k[1], c.s[1], c.p[1], c.d[1], c.ceil);
  const out = new Float64Array(NC * Ho * Wo);
  for (let nc = 0; nc < NC; nc++)
    for (let oy = 0; oy < Ho; oy++)
      for (let ox = 0; ox < Wo; ox++) {
        let v: number;
        if (kind === 'max') {
          v = -Infinity;
          for (let ky = 0; ky < c.k[0]; ky++)
            for (let kx = 0; kx < c.k[1]; kx++) {
              const y = oy * c.s[0] - c.p[0] + ky * c.d[0];
              const xx = ox * c.s[1] - c.p[1] + kx * c.d[1];
              if (y >= 0 && y < H && xx >= 0 && xx < W) v = Math.max(v, x[(nc * H + y) * W + xx]);
            }
        } else {
          const ay = avgAxis(oy, c.k[0], c.s[0], c.p[0], H);
          const ax = avgAxis(ox, c.k[1], c.s[1], c.p[1], W);
          let sumv = 0;
          for (let y = ay.lo; y < ay.hi; y++) for (let xx = ax.lo; xx < ax.hi; xx++) sumv += x[(nc * H + y) * W + xx];
          const div = c.cip ? ay.padded * ax.padded : (ay.hi - ay.lo) * (ax.hi - ax.lo);
          v = sumv / div;
        }
        out[(nc * Ho + oy) * Wo + ox] = v;
      }
  return out;
}

describe('oracle: pooling against naive ATen-style loops', () => {
  it('max_pool1d / avg_pool1d over a grid of kernel, stride, padding, dilation, ceil_mode, count_include_pad', async () => {
    let checked = 0;
    for (const L of [7, 10, 13])
      for (const k of [1, 2, 3, 4])
        for (const st of [1, 2, 3])
          for (const p of [0, 1, 2])
            for (const ceil of [false, true]) {
              if (p > Math.floor(k / 2)) continue;
              const x = normals(2 * L, L * 100 + k * 10 + st);
              for (const d of [1, 2]) {
                if (poolOut(L, k, st, p, d, ceil) < 1) continue;
                const want = naivePool2d('max', x, 2, 1, L, { k: [1, k], s: [1, st], p: [0, p], d: [1, d], ceil, cip: true });
                const got = await run1('max_pool1d', [t([1, 2, L], x)], { kernel_size: k, stride: st, padding: p, dilation: d, ceil_mode: ceil });
                expectClose(got, want, 0, `max_pool1d L=${L} k=${k} s=${st} p=${p} d=${d} ceil=${ceil}`);
                checked++;
              }
              if (poolOut(L, k, st, p, 1, ceil) < 1) continue;
              for (const cip of [true, false]) {
                const want = naivePool2d('avg', x, 2, 1, L, { k: [1, k], s: [1, st], p: [0, p], d: [1, 1], ceil, cip });
                const got = await run1('avg_pool1d', [t([1, 2, L], x)], { kernel_size: k, stride: st, padding: p, ceil_mode: ceil, count_include_pad: cip });
                expectClose(got, want, 1e-15, `avg_pool1d L=${L} k=${k} s=${st} p=${p} ceil=${ceil} cip=${cip}`);
                checked++;
              }
            }
    expect(checked).toBeGreaterThan(300);
  });

  it('max_pool2d / avg_pool2d with unequal axes', async () => {
    const cfgs: Pool2d[] = [
      { k: [3, 2], s: [2, 1], p: [1, 1], d: [1, 2], ceil: true, cip: true },
      { k: [2, 3], s: [2, 2], p: [1, 1], d: [2, 1], ceil: false, cip: false },
      { k: [3, 3], s: [2, 3], p: [1, 0], d: [1, 1], ceil: true, cip: false },
      { k: [4, 2], s: [3, 2], p: [2, 1], d: [1, 1], ceil: true, cip: true },
    ];
    for (const [i, c] of cfgs.entries()) {
      const [H, W] = [9, 8];
      const x = normals(3 * H * W, 70 + i);
      const got = await run1('max_pool2d', [t([1, 3, H, W], x)], { kernel_size: c.k, stride: c.s, padding: c.p, dilation: c.d, ceil_mode: c.ceil });
      expectClose(got, naivePool2d('max', x, 3, H, W, c), 0, `max_pool2d cfg ${i}`);
      const ca = { ...c, d: [1, 1] as [number, number] };
      const ga = await run1('avg_pool2d', [t([1, 3, H, W], x)], { kernel_size: c.k, stride: c.s, padding: c.p, ceil_mode: c.ceil, count_include_pad: c.cip });
      expectClose(ga, naivePool2d('avg', x, 3, H, W, ca), 1e-15, `avg_pool2d cfg ${i}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Layout

describe('oracle: pad', () => {
  it('reflect, replicate and constant by hand (torch semantics)', async () => {
    const x = t([1, 4], [1, 2, 3, 4]);
    expect(Array.from(await run1('pad', [x], { pad: [2, 1], mode: 'reflect' }))).toEqual([3, 2, 1, 2, 3, 4, 3]);
    expect(Array.from(await run1('pad', [x], { pad: [2, 1], mode: 'replicate' }))).toEqual([1, 1, 1, 2, 3, 4, 4]);
    expect(Array.from(await run1('pad', [x], { pad: [1, 2], mode: 'constant', value: 9 }))).toEqual([9, 1, 2, 3, 4, 9, 9]);
    expect(Array.from(await run1('pad', [x], { pad: [-1, 1] }))).toEqual([2, 3, 4, 0]);
    expect(Array.from(await run1('pad', [x], { pad: [3, 3], mode: 'reflect' }))).toEqual([4, 3, 2, 1, 2, 3, 4, 3, 2, 1]);
    const m = t([1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(await run1('pad', [m], { pad: [1, 1, 1, 1], mode: 'reflect' }))).toEqual([
      5, 4, 5, 6, 5, 2, 1, 2, 3, 2, 5, 4, 5, 6, 5, 8, 7, 8, 9, 8, 5, 4, 5, 6, 5,
    ]);
    expect(Array.from(await run1('pad', [m], { pad: [0, 1, 2, 0], mode: 'replicate' }))).toEqual([
      1, 2, 3, 3, 1, 2, 3, 3, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 9, 9,
    ]);
    // constant mode pads any dim, and crops with negative pads.
    expect(Array.from(await run1('pad', [m], { pad: [-1, 0, 1, -2], value: -1 }))).toEqual([-1, -1, 2, 3]);
  });
});

describe('oracle: layout copies', () => {
  it('transpose, permute, slice and concat move the right elements', async () => {
    const x = Array.from({ length: 24 }, (_, i) => i);
    const at = (a: number, b: number, c: number) => x[(a * 3 + b) * 4 + c];
    const tr = await run1('transpose', [t([2, 3, 4], x)], { dim0: 0, dim1: -1 });
    const wantTr: number[] = [];
    for (let c = 0; c < 4; c++) for (let b = 0; b < 3; b++) for (let a = 0; a < 2; a++) wantTr.push(at(a, b, c));
    expect(Array.from(tr)).toEqual(wantTr);
    const pm = await run1('permute', [t([2, 3, 4], x)], { dims: [1, 2, 0] });
    const wantPm: number[] = [];
    for (let b = 0; b < 3; b++) for (let c = 0; c < 4; c++) for (let a = 0; a < 2; a++) wantPm.push(at(a, b, c));
    expect(Array.from(pm)).toEqual(wantPm);
    const ten = Array.from({ length: 10 }, (_, i) => i);
    expect(Array.from(await run1('slice', [t([10], ten)], { dim: 0, start: 1, end: -1, step: 3 }))).toEqual([1, 4, 7]);
    expect(Array.from(await run1('concat', [t([2, 1], [1, 2]), t([2, 2], [3, 4, 5, 6])], { dim: 1 }))).toEqual([1, 3, 4, 2, 5, 6]);
    expect(Array.from(await run1('reshape', [t([2, 3], [1, 2, 3, 4, 5, 6])], { shape: [3, -1] }))).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

// ---------------------------------------------------------------------------------------------
// Activations and softmax

describe('oracle: activations', () => {
  it('softmax sums to 1 along dim and is stable at ±1000', async () => {
    const x = normals(4 * 7, 3, 4);
    const out = await run1('softmax', [t([4, 7], x)]);
    for (let r = 0; r < 4; r++) expect(sum(out.slice(r * 7, r * 7 + 7))).toBeCloseTo(1, 14);
    const col = await run1('softmax', [t([4, 7], x)], { dim: 0 });
    for (let c = 0; c < 7; c++) expect(col[c] + col[7 + c] + col[14 + c] + col[21 + c]).toBeCloseTo(1, 14);
    const big = await run1('softmax', [t([1, 3], [1000, -1000, 999])]);
    const e = Math.exp(-1);
    expectClose(big, [1 / (1 + e), 0, e / (1 + e)], 1e-15, 'softmax ±1000');
    expectClose(await run1('softmax', [t([2, 2], [1000, 1000, -1000, -1000])]), [0.5, 0.5, 0.5, 0.5], 0, 'softmax equal extremes');
    // A TS softmax of moderate values.
    const v = [0.5, -1, 2, 0];
    const ex = v.map(Math.exp);
    expectClose(await run1('softmax', [t([4], v)]), ex.map((a) => a / sum(ex)), 1e-15, 'softmax values');
  });

  it('gelu exact and tanh at known points', async () => {
    const pts = [0, 1, -1, 0.5, 2, -2, 3];
    // x·Φ(x) with Φ to full double precision.
    const phi = [0.5, 0.8413447460685429, 0.15865525393145707, 0.6914624612740131, 0.9772498680518208, 0.022750131948179195, 0.9986501019683699];
    const exact = await run1('gelu', [t([pts.length], pts)]);
    expectClose(exact, pts.map((x, i) => x * phi[i]), 1e-15, 'gelu none');
    const tanhApprox = await run1('gelu', [t([pts.length], pts)], { approximate: 'tanh' });
    const k = Math.sqrt(2 / Math.PI);
    expectClose(tanhApprox, pts.map((x) => 0.5 * x * (1 + Math.tanh(k * (x + 0.044715 * x ** 3)))), 1e-15, 'gelu tanh');
    // The two differ where they should (≈ 1e-4 around |x| ≈ 2).
    expect(Math.abs(tanhApprox[4] - exact[4])).toBeGreaterThan(1e-5);
  });

  it('relu, sigmoid, tanh, silu, elu at known points', async () => {
    const pts = [-3, -1, -0.25, 0, 0.25, 1, 3, -40, 40];
    const x = t([pts.length], pts);
    expect(Array.from(await run1('relu', [x]))).toEqual(pts.map((v) => Math.max(0, v)));
    expectClose(await run1('sigmoid', [x]), pts.map(sigmoid), 1e-16, 'sigmoid');
    expectClose(await run1('tanh', [x]), pts.map(Math.tanh), 1e-16, 'tanh');
    expectClose(await run1('silu', [x]), pts.map((v) => v * sigmoid(v)), 1e-15, 'silu');
    expectClose(await run1('elu', [x]), pts.map((v) => (v > 0 ? v : Math.expm1(v))), 1e-16, 'elu');
    expectClose(await run1('elu', [x], { alpha: 0.5 }), pts.map((v) => (v > 0 ? v : 0.5 * Math.expm1(v))), 1e-16, 'elu alpha 0.5');
  });
});

// ---------------------------------------------------------------------------------------------
// Norms

function meanVar(v: ArrayLike<number>): [number, number] {
  const m = sum(v) / v.length;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] - m) ** 2;
  return [m, s / v.length];
}

describe('oracle: layer, group, instance and batch norm', () => {
  const N = 2;
  const C = 4;
  const S = 6;
  const x = normals(N * C * S, 1, 2).map((v) => v + 0.5);
  const w = normals(C, 2, 0.3).map((v) => v + 1);
  const b = normals(C, 3, 0.5);
  const eps = 1e-5;

  it('layer_norm over the trailing dims, with and without affine', async () => {
    // normalized_shape [C, S]: one statistic per sample.
    const wl = normals(C * S, 4, 0.3).map((v) => v + 1);
    const bl = normals(C * S, 5, 0.3);
    const want = new Float64Array(x.length);
    const plain = new Float64Array(x.length);
    for (let n = 0; n < N; n++) {
      const row = x.slice(n * C * S, (n + 1) * C * S);
      const [m, v] = meanVar(row);
      for (let i = 0; i < C * S; i++) {
        plain[n * C * S + i] = (row[i] - m) / Math.sqrt(v + eps);
        want[n * C * S + i] = plain[n * C * S + i] * wl[i] + bl[i];
      }
    }
    expectClose(await run1('layer_norm', [t([N, C, S], x), t([C, S], wl), t([C, S], bl)], { normalized_shape: [C, S] }), want, 1e-13, 'affine');
    expectClose(await run1('layer_norm', [t([N, C, S], x)], { normalized_shape: [C, S] }), plain, 1e-13, 'plain');
    // normalized_shape S: one statistic per (n, c) row.
    const rows = new Float64Array(x.length);
    for (let r = 0; r < N * C; r++) {
      const row = x.slice(r * S, (r + 1) * S);
      const [m, v] = meanVar(row);
      for (let i = 0; i < S; i++) rows[r * S + i] = (row[i] - m) / Math.sqrt(v + 1e-3);
    }
    expectClose(await run1('layer_norm', [t([N, C, S], x)], { normalized_shape: S, eps: 1e-3 }), rows, 1e-13, 'last dim');
  });

  it('group_norm per (sample, group), affine per channel', async () => {
    for (const G of [1, 2, 4]) {
      const want = new Float64Array(x.length);
      const per = (C / G) * S;
      for (let n = 0; n < N; n++)
        for (let g = 0; g < G; g++) {
          const off = n * C * S + g * per;
          const [m, v] = meanVar(x.slice(off, off + per));
          for (let i = 0; i < per; i++) {
            const ch = g * (C / G) + Math.floor(i / S);
            want[off + i] = ((x[off + i] - m) / Math.sqrt(v + eps)) * w[ch] + b[ch];
          }
        }
      expectClose(await run1('group_norm', [t([N, C, S], x), t([C], w), t([C], b)], { num_groups: G }), want, 1e-13, `G=${G}`);
    }
  });

  it('instance_norm with input statistics and with running statistics', async () => {
    const rm = normals(C, 6, 0.5);
    const rv = normals(C, 7, 0.3).map((v) => 1 + Math.abs(v));
    const want = new Float64Array(x.length);
    const running = new Float64Array(x.length);
    for (let n = 0; n < N; n++)
      for (let ch = 0; ch < C; ch++) {
        const off = (n * C + ch) * S;
        const [m, v] = meanVar(x.slice(off, off + S));
        for (let i = 0; i < S; i++) {
          want[off + i] = ((x[off + i] - m) / Math.sqrt(v + eps)) * w[ch] + b[ch];
          running[off + i] = ((x[off + i] - rm[ch]) / Math.sqrt(rv[ch] + eps)) * w[ch] + b[ch];
        }
      }
    expectClose(await run1('instance_norm', [t([N, C, S], x), null, null, t([C], w), t([C], b)]), want, 1e-13, 'input stats');
    expectClose(
      await run1('instance_norm', [t([N, C, S], x), t([C], rm), t([C], rv), t([C], w), t([C], b)], { use_input_stats: false }),
      running,
      1e-13,
      'running stats',
    );
  });

  it('batch_norm (inference) uses the running statistics per channel', async () => {
    const rm = normals(C, 8, 0.5);
    const rv = normals(C, 9, 0.3).map((v) => 1 + Math.abs(v));
    const want = new Float64Array(x.length);
    const plain = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const ch = Math.floor(i / S) % C;
      plain[i] = (x[i] - rm[ch]) / Math.sqrt(rv[ch] + eps);
      want[i] = plain[i] * w[ch] + b[ch];
    }
    expectClose(await run1('batch_norm', [t([N, C, S], x), t([C], rm), t([C], rv), t([C], w), t([C], b)]), want, 1e-14, 'affine');
    expectClose(await run1('batch_norm', [t([N, C, S], x), t([C], rm), t([C], rv)]), plain, 1e-14, 'plain');
  });
});

// ---------------------------------------------------------------------------------------------
// Elementwise

describe('oracle: elementwise', () => {
  it('add with alpha and broadcasting, mul, add_bias, complex_mul', async () => {
    expect(Array.from(await run1('add', [t([2, 3], [1, 2, 3, 4, 5, 6]), t([3], [10, 20, 30])], { alpha: -0.5 }))).toEqual([
      -4, -8, -12, -1, -5, -9,
    ]);
    expect(Array.from(await run1('mul', [t([2, 1], [2, 3]), t([1, 3], [1, 10, 100])]))).toEqual([2, 20, 200, 3, 30, 300]);
    expect(Array.from(await run1('add_bias', [t([1, 2, 3], [0, 0, 0, 1, 1, 1]), t([2], [5, 7])]))).toEqual([5, 5, 5, 8, 8, 8]);
    // (1+2i)(3−i) = 5+5i; (0+1i)(0+1i) = −1.
    expect(Array.from(await run1('complex_mul', [t([2, 2], [1, 2, 0, 1]), t([2, 2], [3, -1, 0, 1])]))).toEqual([5, 5, -1, 0]);
  });
});

// ---------------------------------------------------------------------------------------------
// BitNet quantisation

describe('oracle: quantize_ternary, quantize_int8, ternary_matmul', () => {
  it('quantize_ternary: absmean scale, round half to even, clamp to ±1', async () => {
    // mean|w| = 1.2: w/scale = [0.42, −0.42, 1.25, −2.17, −0.75] → [0, 0, 1, −1 (clamped), −1].
    const [q, scale] = await run('quantize_ternary', [t([5], [0.5, -0.5, 1.5, -2.6, -0.9])]);
    expect(Array.from(scale)).toEqual([(0.5 + 0.5 + 1.5 + 2.6 + 0.9) / 5]);
    expect(Array.from(q)).toEqual([0, 0, 1, -1, -1]);
    // mean|w| = 1, so w/scale = w exactly: the ties 0.5 → 0 and −0.5 → 0 (half to even, not
    // away from zero), 1.5 → 2 → clamped to 1.
    const [q2, s2] = await run('quantize_ternary', [t([4], [0.5, -0.5, 1.5, 1.5])]);
    expect(Array.from(s2)).toEqual([1]);
    expect(Array.from(q2)).toEqual([0, 0, 1, 1]);
    // mean|w| = 5e-6 < 1e-5: the scale is clamped to 1e-5 (unclamped, q would be [1, −1, 1, 0]).
    const [q3, s3] = await run('quantize_ternary', [t([2, 2], [3e-6, -4e-6, 1.2e-5, -1e-6])]);
    expect(s3[0]).toBe(1e-5);
    expect(Array.from(q3)).toEqual([0, 0, 1, 0]);
    const [q4, s4] = await run('quantize_ternary', [t([3], [0, 0, 0])]);
    expect(s4[0]).toBe(1e-5);
    expect(Array.from(q4)).toEqual([0, 0, 0]);
  });

  it('quantize_int8: absmax scale per row, round half to even, the 1e-5 clamp', async () => {
    // max|x| = 127: scale 1, so the products are exact and the ties are real ties.
    const [q, scale] = await run('quantize_int8', [t([1, 7], [127, 62.5, -0.5, 1.5, -2.5, 0.5, -126.5])]);
    expect(Array.from(scale)).toEqual([1]);
    expect(Array.from(q)).toEqual([127, 62, 0, 2, -2, 0, -126]);
    // Per row along dim -1 (default), and along dim 0.
    const x = [0.5, -1, 0.25, 1, 2, -4, 1, 0];
    const [qr, sr] = await run('quantize_int8', [t([2, 4], x)]);
    expect(Array.from(sr)).toEqual([127, 127 / 4]);
    expect(Array.from(qr)).toEqual([64, -127, 32, 127, 64, -127, 32, 0]); // 63.5 → 64 (even), 31.75 → 32
    const [qc, sc] = await run('quantize_int8', [t([2, 4], x)], { dim: 0 });
    expect(Array.from(sc)).toEqual([127 / 2, 127 / 4, 127 / 1, 127 / 1]);
    expect(Array.from(qc)).toEqual([32, -32, 32, 127, 127, -127, 127, 0]); // 31.75 → 32, −31.75 → −32
    // max|x| = 2e-6 < 1e-5: scale 127/1e-5; 12.7 → 13, −25.4 → −25.
    const [qt, st] = await run('quantize_int8', [t([2], [1e-6, -2e-6])]);
    expect(st[0]).toBeCloseTo(127 / 1e-5, 6);
    expect(Array.from(qt)).toEqual([13, -25]);
  });

  it('ternary_matmul is exact on hand-worked integers, including sums beyond int16', async () => {
    const out = await run1('ternary_matmul', [i8([2, 3], [1, 2, 3, -128, 127, 0]), i8([2, 3], [1, 0, -1, 1, 1, 1])]);
    expect(Array.from(out)).toEqual([-2, 6, -128, -1]);
    const K = 1000;
    const big = await run1('ternary_matmul', [
      i8([2, K], [...new Array(K).fill(127), ...new Array(K).fill(-128)]),
      i8([3, K], [...new Array(K).fill(1), ...new Array(K).fill(-1), ...Array.from({ length: K }, (_, k) => (k % 2 ? 1 : -1))]),
    ]);
    expect(Array.from(big)).toEqual([127 * K, -127 * K, 0, -128 * K, 128 * K, 0]);
    // Leading dims of xq are kept: [2, 1, 3] × [2, 3]ᵀ → [2, 1, 2].
    const lead = await run1('ternary_matmul', [i8([2, 1, 3], [1, 1, 1, 2, 3, 4]), i8([2, 3], [1, -1, 0, 0, 1, 1])]);
    expect(Array.from(lead)).toEqual([0, 2, -1, 7]);
  });

  it('dequantize_int32: acc · weight_scale / scale in f64, the scale broadcast along dim', async () => {
    const i32 = (shape: Shape, data: number[]): HostTensor => ({ dtype: 'int32', shape, data: Int32Array.from(data) });
    const f = (shape: Shape, data: number[]): HostTensor => ({ dtype: 'f64', shape, data: Float64Array.from(data) });
    const acc = [1000, -2000, 2 ** 20, 0, -(2 ** 31), 2 ** 31 - 1];
    const [rows] = await runOp(ref, 'dequantize_int32', [i32([2, 3], acc), f([2, 1], [50, 0.25])], { weight_scale: 0.5 }, 'f64');
    expect(Array.from(tensorValues(rows))).toEqual([10, -20, 2 ** 20 / 100, 0, -(2 ** 32), (2 ** 31 - 1) * 2]);
    // Along dim 0: one scale per column.
    const [cols] = await runOp(ref, 'dequantize_int32', [i32([2, 3], acc), f([1, 3], [1, 2, 4])], { dim: 0 }, 'f64');
    expect(Array.from(tensorValues(cols))).toEqual([1000, -1000, 2 ** 18, 0, -(2 ** 30), (2 ** 31 - 1) / 4]);
  });
});

// ---------------------------------------------------------------------------------------------
// argmax, index_select

describe('oracle: argmax, index_select', () => {
  const f = (shape: Shape, data: number[]): HostTensor => ({ dtype: 'f64', shape, data: Float64Array.from(data) });
  const i32 = (shape: Shape, data: number[]): HostTensor => ({ dtype: 'int32', shape, data: Int32Array.from(data) });

  it('argmax: the first maximal index wins a tie; NaN counts as the maximum, the first NaN wins', async () => {
    const x = f([4, 5], [1, 3, 3, 2, 3, -1, -1, -5, -1, -2, 0, NaN, 7, NaN, 1, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity]);
    const [last] = await runOp(ref, 'argmax', [x], {}, 'f64');
    expect(last.dtype).toBe('int32');
    expect(last.shape).toEqual([4]);
    expect(Array.from(last.data as Int32Array)).toEqual([1, 0, 1, 0]);
    const [first, keep] = [
      (await runOp(ref, 'argmax', [x], { dim: 0 }, 'f64'))[0],
      (await runOp(ref, 'argmax', [x], { dim: 0, keepdim: true }, 'f64'))[0],
    ];
    // Columns: [1, −1, 0, −∞], [3, −1, NaN, −∞], [3, −5, 7, −∞], [2, −1, NaN, −∞], [3, −2, 1, −∞].
    expect(Array.from(first.data as Int32Array)).toEqual([0, 2, 2, 2, 0]);
    expect(keep.shape).toEqual([1, 5]);
  });

  it('index_select: gathers slices along dim, repeats allowed; an index out of range names the input and the range', async () => {
    const x = f([3, 2], [1, 2, 3, 4, 5, 6]);
    const [rows] = await runOp(ref, 'index_select', [x, i32([4], [2, 0, 2, 1])], {}, 'f64');
    expect(Array.from(tensorValues(rows))).toEqual([5, 6, 1, 2, 5, 6, 3, 4]);
    const [cols] = await runOp(ref, 'index_select', [x, i32([1], [1])], { dim: 1 }, 'f64');
    expect(Array.from(tensorValues(cols))).toEqual([2, 4, 6]);
    for (const [backend, dtype] of [[ref, 'f64'], [getBackend('cpu'), 'f32']] as const) {
      const xs: HostTensor = dtype === 'f64' ? x : { dtype: 'f32', shape: [3, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
      for (const bad of [3, -1]) {
        const err = await runOp(backend, 'index_select', [xs, i32([2], [0, bad])], {}, dtype).then(
          () => undefined,
          (e: unknown) => e as { code?: string; message: string },
        );
        expect(err?.code, `${backend.id} ${bad}`).toBe('ABW_EINVAL');
        expect(err?.message).toContain('[index_select] input `index`: element 1 is ' + bad + ', outside [0, 3)');
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// matmul / linear

describe('oracle: matmul, linear', () => {
  it('small hand cases, transposes and broadcast batches', async () => {
    const a = [1, 2, 3, 4, 5, 6]; // [2, 3]
    const b = [1, 0, 0, 1, 1, 1]; // [3, 2]
    expect(Array.from(await run1('matmul', [t([2, 3], a), t([3, 2], b)]))).toEqual([4, 5, 10, 11]);
    // aᵀ with a stored [3, 2]: aᵀ = [[1, 3, 5], [2, 4, 6]].
    expect(Array.from(await run1('matmul', [t([3, 2], a), t([3, 2], b)], { transpose_a: true }))).toEqual([6, 8, 8, 10]);
    // bᵀ with b stored [2, 3].
    expect(Array.from(await run1('matmul', [t([2, 3], a), t([2, 3], [1, 0, 1, 0, 1, 0])], { transpose_b: true }))).toEqual([4, 2, 10, 5]);
    // batch [2, 1] × [3] → [2, 3] of 1×1 products.
    const out = await run1('matmul', [t([2, 1, 1, 1], [2, 3]), t([3, 1, 1], [1, 10, 100])]);
    expect(Array.from(out)).toEqual([2, 20, 200, 3, 30, 300]);
    // Batched and broadcast shapes against a naive loop.
    const naive = (A: Float64Array, B: Float64Array, ba: number[], bb: number[], M: number, K: number, N: number, ta: boolean, tb: boolean) => {
      const rank = Math.max(ba.length, bb.length);
      const pa = [...new Array(rank - ba.length).fill(1), ...ba];
      const pb = [...new Array(rank - bb.length).fill(1), ...bb];
      const bo = pa.map((v, i) => Math.max(v, pb[i]));
      const count = bo.reduce((x, y) => x * y, 1);
      const out = new Float64Array(count * M * N);
      for (let flat = 0; flat < count; flat++) {
        let rem = flat;
        let ia = 0;
        let ib = 0;
        let sa = 1;
        let sb = 1;
        for (let dd = rank - 1; dd >= 0; dd--) {
          const idx = rem % bo[dd];
          rem = Math.floor(rem / bo[dd]);
          ia += (pa[dd] === 1 ? 0 : idx) * sa;
          ib += (pb[dd] === 1 ? 0 : idx) * sb;
          sa *= pa[dd];
          sb *= pb[dd];
        }
        for (let m = 0; m < M; m++)
          for (let n = 0; n < N; n++) {
            let acc = 0;
            for (let k = 0; k < K; k++) {
              const av = ta ? A[ia * M * K + k * M + m] : A[ia * M * K + m * K + k];
              const bv = tb ? B[ib * K * N + n * K + k] : B[ib * K * N + k * N + n];
              acc += av * bv;
            }
            out[flat * M * N + m * N + n] = acc;
          }
      }
      return out;
    };
    const combos: [number[], number[], boolean, boolean][] = [
      [[2, 1], [3], false, false],
      [[4], [], true, false],
      [[], [2, 3], false, true],
      [[3, 1, 2], [1, 4, 1], true, true],
    ];
    for (const [i, [ba, bb, ta, tb]] of combos.entries()) {
      const [M, K, N] = [3, 5, 4];
      const A = normals(ba.reduce((x, y) => x * y, 1) * M * K, 90 + i);
      const B = normals(bb.reduce((x, y) => x * y, 1) * K * N, 95 + i);
      const got = await run1('matmul', [t([...ba, ...(ta ? [K, M] : [M, K])], A), t([...bb, ...(tb ? [N, K] : [K, N])], B)], { transpose_a: ta, transpose_b: tb });
      expectClose(got, naive(A, B, ba, bb, M, K, N, ta, tb), 1e-13, `matmul combo ${i}`);
    }
    // linear: x Wᵀ + b.
    expect(Array.from(await run1('linear', [t([1, 3], [1, 2, 3]), t([2, 3], [1, 1, 1, 0, 0, 1]), t([2], [0.5, -1])]))).toEqual([6.5, 2]);
  });
});
