/**
 * Host-side helpers for writing the constants of the environment modules as WGSL f32 literals.
 *
 * Gymnasium compares float64 states with float64 constants (x > 2.4, position >= 0.45). Our states are f32, and a
 * constant like 2.4 has no exact f32 value, so `x > 2.4` in f32 (x > f32(2.4)) differs from Gymnasium's comparison
 * of the same f32 x in float64 for the one value x = f32(2.4) when f32(2.4) > 2.4. Comparing instead with the
 * nearest f32 on the correct side of the constant makes the decision identical to float64's for every f32 input:
 *   x >  c  <=>  x >= f32Above(c)        x <  c  <=>  x <= f32Below(c)
 *   x >= c  <=>  x >= f32AtLeast(c)      x <= c  <=>  x <= f32AtMost(c)
 */

const scratch = new Float32Array(1);
const bits = new Uint32Array(scratch.buffer);

/** The next f32 after `value` (an f32) towards +infinity (direction 1) or -infinity (direction -1). */
function nextF32(value: number, direction: 1 | -1): number {
  if (value === 0) return direction * 2 ** -149;
  scratch[0] = value;
  bits[0] = bits[0]! + ((value > 0) === (direction > 0) ? 1 : -1);
  return scratch[0]!;
}

/** The smallest f32 that is >= c. */
export function f32AtLeast(c: number): number {
  const rounded = Math.fround(c);
  return rounded >= c ? rounded : nextF32(rounded, 1);
}

/** The largest f32 that is <= c. */
export function f32AtMost(c: number): number {
  const rounded = Math.fround(c);
  return rounded <= c ? rounded : nextF32(rounded, -1);
}

/** The smallest f32 that is > c. */
export function f32Above(c: number): number {
  const atLeast = f32AtLeast(c);
  return atLeast > c ? atLeast : nextF32(atLeast, 1);
}

/** The largest f32 that is < c. */
export function f32Below(c: number): number {
  const atMost = f32AtMost(c);
  return atMost < c ? atMost : nextF32(atMost, -1);
}

/**
 * A WGSL literal of type f32 that denotes exactly the f32 value of `value` (the shortest decimal that round-trips,
 * with an `f` suffix so it is never an abstract float that a constant expression could combine at higher precision).
 */
export function f32Literal(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a WGSL f32 literal`);
  const f = Math.fround(value);
  const text = Object.is(f, -0) ? '-0.0' : String(f);
  return `${text.includes('e') || text.includes('.') ? text : `${text}.0`}f`;
}
