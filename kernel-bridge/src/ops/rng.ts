/**
 * A small, fast, seeded PRNG: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator,
 * 32-bit, passes PractRand to many TB) seeded through splitmix32, with Box–Muller normals.
 * Same seed → same stream on every platform (only 32-bit integer ops and Math.log/cos/sin).
 */

/** splitmix32 step: a good 32-bit mixer for seeding. */
export function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/** Derives an independent seed for stream `index` of `seed`. */
export function deriveSeed(seed: number, index: number): number {
  return mix32(mix32(seed >>> 0) ^ Math.imul(index + 1, 0x85ebca6b));
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng seed must be a finite number, got ${seed}`);
    // Fold a seed beyond 32 bits in, so 2**32 + 1 and 1 differ.
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    this.a = mix32(lo);
    this.b = mix32(this.a ^ hi);
    this.c = mix32(this.b ^ 0x6a09e667);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** Uniform uint32. */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform in [low, high). */
  range(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Uniform integer in [low, high] (inclusive). */
  int(low: number, high: number): number {
    return low + Math.floor(this.uniform() * (high - low + 1));
  }

  /**
   * Fills `out[offset…]` with mean + std·N(0, 1) — the same values as repeated normal() calls
   * from a fresh spare, but with the generator state kept in locals (large inputs).
   */
  fillNormal(out: Float64Array, mean = 0, std = 1): void {
    let i = 0;
    const n = out.length;
    if (this.spare !== null && n > 0) {
      out[i++] = mean + std * this.normal();
    }
    let { a, b, c, d } = this;
    const next = (): number => {
      const t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      return (t >>> 0) / 4294967296;
    };
    const twoPi = 2 * Math.PI;
    for (; i + 1 < n; i += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - next()));
      const v = twoPi * next();
      out[i] = mean + std * r * Math.cos(v);
      out[i + 1] = mean + std * r * Math.sin(v);
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    if (i < n) out[i] = mean + std * this.normal();
  }

  /** Standard normal (Box–Muller, the second value kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    // 1 - u ∈ (0, 1]: log never sees 0.
    const u = 1 - this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}
