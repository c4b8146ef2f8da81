/**
 * The native f16/bf16 conversions against an independent pure-TS reference, on every bit
 * pattern, every midpoint between neighbours (ties to even), subnormals, overflow and -0.
 *
 * The reference decodes patterns by formula and rounds by nearest-neighbour search: for
 * lo ≤ a ≤ hi adjacent representables, a − lo and hi − a are exact in f64 (Sterbenz: hi ≤ 2·lo,
 * or lo = 0), so comparing them decides the rounding exactly; a tie takes the even pattern.
 * Past the largest finite value the next neighbour is Inf at max + ulp (what IEEE rounding
 * with unbounded exponent would give), so the overflow threshold is max + ulp/2, a tie to Inf.
 */
import { describe, expect, it } from 'vitest';
import * as native from '@abw/native';

interface Format {
  readonly name: 'f16' | 'bf16';
  readonly expBits: number;
  readonly mantBits: number;
}

const F16: Format = { name: 'f16', expBits: 5, mantBits: 10 };
const BF16: Format = { name: 'bf16', expBits: 8, mantBits: 7 };

function decode(f: Format, bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const expMax = (1 << f.expBits) - 1;
  const bias = (1 << (f.expBits - 1)) - 1;
  const exp = (bits >> f.mantBits) & expMax;
  const mant = bits & ((1 << f.mantBits) - 1);
  if (exp === expMax) return mant ? NaN : sign * Infinity;
  if (exp === 0) return sign * mant * 2 ** (1 - bias - f.mantBits);
  return sign * (2 ** f.mantBits + mant) * 2 ** (exp - bias - f.mantBits);
}

function isNaNPattern(f: Format, bits: number): boolean {
  const expMax = (1 << f.expBits) - 1;
  return ((bits >> f.mantBits) & expMax) === expMax && (bits & ((1 << f.mantBits) - 1)) !== 0;
}

/** Non-negative representables in order (patterns 0 … max finite), then Inf at max + ulp. */
function ladder(f: Format): { values: number[]; patterns: number[] } {
  const infBits = ((1 << f.expBits) - 1) << f.mantBits;
  const values: number[] = [];
  const patterns: number[] = [];
  for (let b = 0; b < infBits; b++) {
    values.push(decode(f, b));
    patterns.push(b);
  }
  const max = values[values.length - 1];
  values.push(max + (max - values[values.length - 2]));
  patterns.push(infBits);
  return { values, patterns };
}

function referenceRound(lad: { values: number[]; patterns: number[] }, x: number): number {
  if (Number.isNaN(x)) return -1; // any NaN pattern
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  const { values, patterns } = lad;
  const top = values.length - 1;
  if (a >= values[top]) return sign | patterns[top];
  let lo = 0;
  let hi = top;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (values[mid] <= a) lo = mid;
    else hi = mid;
  }
  if (values[lo] === a) return sign | patterns[lo];
  const below = a - values[lo];
  const above = values[hi] - a;
  const pick = below < above ? lo : above < below ? hi : patterns[lo] % 2 === 0 ? lo : hi;
  return sign | patterns[pick];
}

function allPatterns(): Uint16Array {
  return Uint16Array.from({ length: 65536 }, (_, i) => i);
}

function compare(f: Format, inputs: number[]): void {
  const lad = ladder(f);
  const got = native.roundTo(f.name, Float64Array.from(inputs));
  const mismatches: string[] = [];
  inputs.forEach((x, i) => {
    const want = referenceRound(lad, x);
    const ok = want === -1 ? isNaNPattern(f, got[i]) : got[i] === want;
    if (!ok && mismatches.length < 5) {
      mismatches.push(`${x} → 0x${got[i].toString(16)}, want 0x${want.toString(16)}`);
    }
  });
  expect(mismatches).toEqual([]);
}

describe.each([F16, BF16])('$name conversions', (f) => {
  it('widen decodes every pattern exactly', () => {
    const wide = native.widen(f.name, allPatterns());
    const bad: string[] = [];
    for (let b = 0; b < 65536; b++) {
      const want = decode(f, b);
      const ok = Number.isNaN(want) ? Number.isNaN(wide[b]) : Object.is(wide[b], want);
      if (!ok) bad.push(`0x${b.toString(16)}: ${wide[b]} ≠ ${want}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('roundTo(widen(bits)) gives the bits back (NaN stays NaN)', () => {
    const bits = allPatterns();
    const back = native.roundTo(f.name, native.widen(f.name, bits));
    let bad = 0;
    for (let b = 0; b < 65536; b++) {
      const ok = isNaNPattern(f, b) ? isNaNPattern(f, back[b]) : back[b] === b;
      if (!ok) bad++;
    }
    expect(bad).toBe(0);
  });

  it('agrees with the reference on every representable value and every midpoint (ties to even)', () => {
    const { values } = ladder(f);
    const inputs: number[] = [];
    for (let i = 0; i + 1 < values.length; i++) {
      const mid = (values[i] + values[i + 1]) / 2; // exact: one more bit than the format
      inputs.push(values[i], mid, -mid);
      // Just off the midpoint, both sides: must not be treated as ties.
      const eps = (values[i + 1] - values[i]) * 2 ** -20;
      inputs.push(mid - eps, mid + eps, -(mid + eps));
    }
    compare(f, inputs);
  });

  it('agrees on subnormals, underflow, overflow, signed zeros, infinities and NaN', () => {
    const minSub = decode(f, 1);
    const { values } = ladder(f);
    const max = values[values.length - 2];
    const overflowAt = values[values.length - 1];
    const inputs = [
      0,
      -0,
      minSub,
      minSub / 2, // tie between 0 and the smallest subnormal → 0 (even)
      (minSub / 2) * (1 + 2 ** -30), // just above the tie → smallest subnormal
      minSub / 4,
      -minSub / 2,
      -minSub / 4, // → -0
      1.5 * minSub, // tie between patterns 1 and 2 → 2
      2.5 * minSub, // tie between 2 and 3 → 2
      decode(f, 1 << f.mantBits), // smallest normal
      decode(f, (1 << f.mantBits) - 1), // largest subnormal
      max,
      (max + overflowAt) / 2, // tie between max and Inf → Inf
      (max + overflowAt) / 2 - (overflowAt - max) * 2 ** -20, // just below → max
      -max * 1.5,
      1e300,
      -1e300,
      Infinity,
      -Infinity,
      NaN,
      5e-324, // f64 subnormal → 0
      -5e-324,
      1,
      1 + 2 ** -30,
      Math.PI,
      -Math.E,
      1 / 3,
    ];
    compare(f, inputs);
    // -0 keeps its sign.
    expect(native.roundTo(f.name, Float64Array.of(-0))[0]).toBe(0x8000);
  });

  it('agrees on random values across the whole exponent range', () => {
    let state = 12345;
    const random = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    const lowExp = f.name === 'f16' ? -30 : -140;
    const highExp = f.name === 'f16' ? 17 : 129;
    const inputs = Array.from({ length: 50000 }, () => {
      const e = Math.floor(lowExp + random() * (highExp - lowExp));
      return (random() < 0.5 ? -1 : 1) * (1 + random()) * 2 ** e;
    });
    compare(f, inputs);
  });
});
