/**
 * sin and cos accurate to about 1 ulp on every device, for the built-in environments.
 *
 * WGSL only promises sin/cos within 2^-11 absolute on [-pi, pi] (and nothing beyond); Chrome's SwiftShader is off
 * by up to ~2e-4, which would put the environments' float32 steps visibly off Gymnasium's. These are computed
 * with arithmetic only (exact on any conforming device up to f32 rounding): Cody-Waite reduction by pi/2 with a
 * three-part constant (the products j * PIO2_A, j * PIO2_B are exact for |j| < 2^15, i.e. |x| < ~5e4), then the
 * minimax polynomials of Cephes' sinf/cosf on [-pi/4, pi/4], and the quadrant j mod 4 choosing signs and roles.
 * A library module: included into environment code, never compiled alone.
 */

export const trigWgsl = /* wgsl */ `
const TRIG_TWO_OVER_PI: f32 = 0.6366197723675814;
const TRIG_PIO2_A: f32 = 1.5703125;
const TRIG_PIO2_B: f32 = 4.837512969970703125e-4;
const TRIG_PIO2_C: f32 = 7.54978995489188216e-8;

// (sin x, cos x).
fn trig_sincos(x: f32) -> vec2f {
  let j = round(x * TRIG_TWO_OVER_PI);
  let r = ((x - j * TRIG_PIO2_A) - j * TRIG_PIO2_B) - j * TRIG_PIO2_C;
  let z = r * r;
  let s = ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
  let c = ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
  let quadrant = i32(j) & 3;
  if (quadrant == 0) {
    return vec2f(s, c);
  }
  if (quadrant == 1) {
    return vec2f(c, -s);
  }
  if (quadrant == 2) {
    return vec2f(-s, -c);
  }
  return vec2f(-c, s);
}

fn trig_sin(x: f32) -> f32 {
  return trig_sincos(x).x;
}

fn trig_cos(x: f32) -> f32 {
  return trig_sincos(x).y;
}
`;
