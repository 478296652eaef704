/**
 * A random permutation of [0, count) computed on the fly, per epoch, with no sort and no memory: a keyed
 * 4-round Feistel network on 2h bits (2^{2h} >= count, round function pcg4d) is a bijection of [0, 2^{2h}); walking
 * its cycle until the value falls below `count` ("cycle walking") restricts it to a bijection of [0, count).
 * Expected steps per index < 4, since 2^{2h} < 4 count. A library (WGSL + the same function on the host, bit for
 * bit, for tests and references).
 *
 * Keys. The PPO update's epoch key is (seed, RngStream.permutation, iteration, epoch) (`epochKeyWgsl` /
 * `epochKeyHost`: one definition for the kernel and the host). Round r of the network is keyed by
 *
 *   K_r = pcg4d(key.x, 4 key.y + r, key.z, key.w)        r = 0..3
 *
 * pcg4d is a bijection of 128-bit words and (key, r) -> (key.x, 4 key.y + r, key.z, key.w) is injective for
 * key.y < 2^30 (stream constants are small), so every word of the key reaches every round and no two
 * (seed, iteration, epoch, round) share a round key: epochs of one iteration and neighbouring iterations are
 * independent permutations. The round function of half-word R is F_r(R) = pcg4d(K_r ^ (R, 0, 0, 0)).x.
 */
import { RngStream } from './rng.js';
import { rngHost } from './rng.js';

/** Half the number of bits of the Feistel domain for `count` indices. */
export function feistelHalfBits(count: number): number {
  let bits = 0;
  while (2 ** bits < count) bits++;
  return Math.ceil(bits / 2);
}

export type PermutationKey = readonly [number, number, number, number];

/** Needs rngWgsl (pcg4d) in the module. */
export const permutationWgsl = /* wgsl */ `
// The four round keys K_r = pcg4d(key.x, 4 key.y + r, key.z, key.w).
fn feistel_round_keys(key: vec4u) -> array<vec4u, 4> {
  var keys: array<vec4u, 4>;
  for (var round = 0u; round < 4u; round++) {
    keys[round] = pcg4d(vec4u(key.x, (key.y << 2u) | round, key.z, key.w));
  }
  return keys;
}

fn feistel(x: u32, half: u32, keys: ptr<function, array<vec4u, 4>>) -> u32 {
  let mask = (1u << half) - 1u;
  var left = (x >> half) & mask;
  var right = x & mask;
  for (var round = 0u; round < 4u; round++) {
    let f = pcg4d((*keys)[round] ^ vec4u(right, 0u, 0u, 0u)).x & mask;
    let next = left ^ f;
    left = right;
    right = next;
  }
  return (left << half) | right;
}

// The image of index i under the permutation of [0, count) keyed by key (half = feistelHalfBits(count)).
fn permute(i: u32, count: u32, half: u32, key: vec4u) -> u32 {
  var keys = feistel_round_keys(key);
  var x = feistel(i, half, &keys);
  loop {
    if (x < count) { break; }
    x = feistel(x, half, &keys);
  }
  return x;
}
`;

/** The key of one epoch's minibatch order: (seed, stream, iteration, epoch), all u32. */
export const epochKeyWgsl = /* wgsl */ `
fn epoch_key(seed: u32, iteration: u32, epoch: u32) -> vec4u {
  return vec4u(seed, ${RngStream.permutation}u, iteration, epoch);
}
`;

export function epochKeyHost(seed: number, iteration: number, epoch: number): PermutationKey {
  return [seed >>> 0, RngStream.permutation, iteration >>> 0, epoch >>> 0];
}

export function feistelRoundKeysHost(key: PermutationKey): [number, number, number, number][] {
  return [0, 1, 2, 3].map((round) => rngHost.pcg4d([key[0], ((key[1] << 2) | round) >>> 0, key[2], key[3]]));
}

export function feistelHost(x: number, half: number, keys: readonly (readonly [number, number, number, number])[]): number {
  const mask = half === 0 ? 0 : (2 ** half - 1) >>> 0;
  let left = (x >>> half) & mask;
  let right = x & mask;
  for (let round = 0; round < 4; round++) {
    const k = keys[round]!;
    const f = rngHost.pcg4d([(k[0] ^ right) >>> 0, k[1], k[2], k[3]])[0] & mask;
    const next = (left ^ f) >>> 0;
    left = right;
    right = next;
  }
  return ((left << half) | right) >>> 0;
}

export function permuteHost(i: number, count: number, half: number, key: PermutationKey): number {
  const keys = feistelRoundKeysHost(key);
  let x = feistelHost(i, half, keys);
  while (x >= count) x = feistelHost(x, half, keys);
  return x;
}

/**
 * The minibatch order of one epoch as the epoch kernel (src/ppo/epoch.wgsl.ts) computes it: order[j] is the
 * sample at position j, so minibatch b is order[b MB .. (b + 1) MB).
 */
export function epochOrderHost(seed: number, iteration: number, epoch: number, count: number): Uint32Array {
  if (!Number.isInteger(count) || count < 1 || count > 2 ** 31) {
    throw new RangeError(`epochOrderHost: count is ${count}; expected an integer in [1, 2^31]`);
  }
  const key = epochKeyHost(seed, iteration, epoch);
  const keys = feistelRoundKeysHost(key);
  const half = feistelHalfBits(count);
  const order = new Uint32Array(count);
  for (let j = 0; j < count; j++) {
    let x = feistelHost(j, half, keys);
    while (x >= count) x = feistelHost(x, half, keys);
    order[j] = x;
  }
  return order;
}
