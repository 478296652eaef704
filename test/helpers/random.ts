/**
 * Seeded inputs and tolerant comparison for kernel tests. Inputs come from a small xorshift generator
 * (reference/random.ts) so every failure reproduces; comparisons use |got - ref| <= atol + rtol * |ref| and report
 * the worst element.
 */
import { expect } from 'vitest';

export { seededRandom } from '../../reference/random.js';

/** Uniform values in [low, high), rounded to f32. */
export function randomArray(random: () => number, length: number, low = -1, high = 1): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = low + (high - low) * random();
  return out;
}

export interface Tolerance {
  atol: number;
  rtol: number;
}

/** Fails with the index, values and tolerance of the worst element when any element is out of tolerance. */
export function expectClose(got: ArrayLike<number>, ref: ArrayLike<number>, tolerance: Tolerance, what = 'values'): void {
  expect(got.length, `${what}: length`).toBe(ref.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < ref.length; i++) {
    const g = got[i]!;
    const r = ref[i]!;
    const allowed = tolerance.atol + tolerance.rtol * Math.abs(r);
    const excess = Number.isNaN(g) !== Number.isNaN(r) ? Infinity : Math.abs(g - r) - allowed;
    if (excess > worstExcess || (Number.isNaN(excess) && worst < 0)) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    const r = ref[worst]!;
    throw new Error(
      `${what}: element ${worst} is ${got[worst]}, reference ${r}, off by ${Math.abs(got[worst]! - r)} > ` +
        `atol ${tolerance.atol} + rtol ${tolerance.rtol} * |ref| = ${tolerance.atol + tolerance.rtol * Math.abs(r)}`,
    );
  }
}
