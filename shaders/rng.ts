/**
 * Counter-based randomness. Every random number is a pure function of (seed, stream, index, counter, draw), so
 * results never depend on dispatch order or on how work is split over invocations, and the same seed on the
 * same device gives the same run. The bijection is the pcg4d hash (Jarzynski and Olano, "Hash Functions for GPU
 * Rendering", JCGT 2020): four 32-bit lanes mixed by multiply-add rounds and a xorshift.
 *
 * `rngHost` and `HostRng` below are the same generator on the CPU, bit for bit (the CPU inference path, JavaScript
 * environments, parameter initialisation and the float64 references use them). The WGSL is a library: included into
 * kernels, never compiled alone.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';

/** Streams keep the draws of different consumers apart even with equal indices and counters. */
export const RngStream = {
  envReset: 1,
  envStep: 2,
  action: 3,
  permutation: 4,
  init: 5,
  opponent: 6,
  opponentAction: 7,
  test: 15,
} as const;

export const rngWgsl = wgsl/* wgsl */ `
// One generator: a hashed key plus the number of draws taken from it.
struct Rng {
  key: vec4u,
  draws: u32,
}

fn pcg4d(input: vec4u) -> vec4u {
  var v = input * 1664525u + 1013904223u;
  v.x += v.y * v.w; v.y += v.z * v.x; v.z += v.x * v.y; v.w += v.y * v.z;
  v = v ^ (v >> vec4u(16u));
  v.x += v.y * v.w; v.y += v.z * v.x; v.z += v.x * v.y; v.w += v.y * v.z;
  return v;
}

// The generator for (seed, stream, index, counter): e.g. (run seed, envReset, env index, episode number).
fn rng_create(seed: u32, stream: u32, index: u32, counter: u32) -> Rng {
  return Rng(pcg4d(vec4u(seed, stream, index, counter)), 0u);
}

// Four fresh 32-bit words; the n-th call returns pcg4d(key + (0, 0, 0, n)).
fn rng_next4(rng: ptr<function, Rng>) -> vec4u {
  let words = pcg4d((*rng).key + vec4u(0u, 0u, 0u, (*rng).draws));
  (*rng).draws += 1u;
  return words;
}

// A float in [0, 1) from the top 24 bits of a word (exact in f32).
fn rng_unit(word: u32) -> f32 {
  return f32(word >> 8u) * (1.0 / 16777216.0);
}

// Uniform in [low, high).
fn rng_uniform(rng: ptr<function, Rng>, low: f32, high: f32) -> f32 {
  return low + (high - low) * rng_unit(rng_next4(rng).x);
}

// Standard normal by Box-Muller over one draw of four words (u1 in (0, 1], so the log is finite).
fn rng_normal(rng: ptr<function, Rng>) -> f32 {
  let words = rng_next4(rng);
  let u1 = 1.0 - rng_unit(words.x);
  let u2 = rng_unit(words.y);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
`;

/** The same generator on the CPU, bit for bit (floats derived as in WGSL, then widened to f64). */
export const rngHost = {
  pcg4d(input: readonly [number, number, number, number]): [number, number, number, number] {
    let [x, y, z, w] = input.map((value) => (Math.imul(value >>> 0, 1664525) + 1013904223) >>> 0) as [number, number, number, number];
    x = (x + Math.imul(y, w)) >>> 0;
    y = (y + Math.imul(z, x)) >>> 0;
    z = (z + Math.imul(x, y)) >>> 0;
    w = (w + Math.imul(y, z)) >>> 0;
    x = (x ^ (x >>> 16)) >>> 0;
    y = (y ^ (y >>> 16)) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    w = (w ^ (w >>> 16)) >>> 0;
    x = (x + Math.imul(y, w)) >>> 0;
    y = (y + Math.imul(z, x)) >>> 0;
    z = (z + Math.imul(x, y)) >>> 0;
    w = (w + Math.imul(y, z)) >>> 0;
    return [x, y, z, w];
  },

  create(seed: number, stream: number, index: number, counter: number): HostRng {
    return new HostRng(rngHost.pcg4d([seed, stream, index, counter]));
  },

  unit(word: number): number {
    return (word >>> 8) * (1 / 16777216);
  },
};

export class HostRng {
  draws = 0;
  constructor(readonly key: [number, number, number, number]) {}

  next4(): [number, number, number, number] {
    const [x, y, z, w] = this.key;
    const words = rngHost.pcg4d([x, y, z, (w + this.draws) >>> 0]);
    this.draws += 1;
    return words;
  }

  uniform(low: number, high: number): number {
    const low32 = Math.fround(low);
    return Math.fround(low32 + Math.fround(Math.fround(Math.fround(high) - low32) * rngHost.unit(this.next4()[0])));
  }

  normal(): number {
    const words = this.next4();
    const u1 = 1 - rngHost.unit(words[0]);
    const u2 = rngHost.unit(words[1]);
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
