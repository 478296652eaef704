/**
 * A random permutation of [0, count) computed on the fly, per epoch, with no sort and no memory: a keyed
 * 4-round Feistel network on 2h bits (2^{2h} >= count, round function pcg4d) is a bijection of [0, 2^{2h}); walking
 * its cycle until the value falls below `count` ("cycle walking") restricts it to a bijection of [0, count).
 * Expected steps per index < 4, since 2^{2h} < 4 count. A library (WGSL + the same function on the host, for tests).
 */
import { rngHost, RngStream } from './rng.js';

/** Half the number of bits of the Feistel domain for `count` indices. */
export function feistelHalfBits(count: number): number {
  let bits = 0;
  while (2 ** bits < count) bits++;
  return Math.ceil(bits / 2);
}

/** Needs rngWgsl (pcg4d) in the module. */
export const permutationWgsl = /* wgsl */ `
fn feistel(x: u32, half: u32, key: vec4u) -> u32 {
  let mask = (1u << half) - 1u;
  var left = (x >> half) & mask;
  var right = x & mask;
  for (var round = 0u; round < 4u; round++) {
    let f = pcg4d(vec4u(right, key.x, key.y, key.z + round)).x & mask;
    let next = left ^ f;
    left = right;
    right = next;
  }
  return (left << half) | right;
}

// The image of index i under the permutation of [0, count) keyed by key.
fn permute(i: u32, count: u32, half: u32, key: vec4u) -> u32 {
  var x = feistel(i, half, key);
  loop {
    if (x < count) { break; }
    x = feistel(x, half, key);
  }
  return x;
}
`;

export function feistelHost(x: number, half: number, key: readonly [number, number, number, number]): number {
  const mask = half === 0 ? 0 : (2 ** half - 1) >>> 0;
  let left = (x >>> half) & mask;
  let right = x & mask;
  for (let round = 0; round < 4; round++) {
    const f = rngHost.pcg4d([right, key[0], key[1], (key[2] + round) >>> 0])[0] & mask;
    const next = (left ^ f) >>> 0;
    left = right;
    right = next;
  }
  return ((left << half) | right) >>> 0;
}

export function permuteHost(i: number, count: number, half: number, key: readonly [number, number, number, number]): number {
  let x = feistelHost(i, half, key);
  while (x >= count) x = feistelHost(x, half, key);
  return x;
}

/**
 * The whole sample order of one epoch of the PPO update, as the epoch kernel (shaders/minibatches.ts) computes it:
 * order[j] = permute(j) under the key (seed, RngStream.permutation, iteration, epoch); minibatch m takes positions
 * [m * MB, (m + 1) * MB).
 */
export function epochOrderHost(seed: number, iteration: number, epoch: number, count: number): Uint32Array {
  const key = [seed >>> 0, RngStream.permutation, iteration >>> 0, epoch >>> 0] as const;
  const half = feistelHalfBits(count);
  const order = new Uint32Array(count);
  for (let j = 0; j < count; j++) order[j] = permuteHost(j, count, half, key);
  return order;
}
