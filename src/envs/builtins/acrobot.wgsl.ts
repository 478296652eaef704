/**
 * Acrobot-v1 as a GPU environment (Gymnasium 1.x, classic_control/acrobot.py, "book" dynamics of Sutton and Barto):
 * two links hanging from a fixed pivot, torque only at the joint between them; actions 0, 1, 2 apply torque
 * -1, 0, +1 (torque noise 0, so the step draws nothing).
 *
 * State [theta1, theta2, dtheta1, dtheta2]; observation [cos theta1, sin theta1, cos theta2, sin theta2, dtheta1,
 * dtheta2]. One step integrates ds/dt over dt = 0.2 with a single classic RK4 stage set (Gymnasium's rk4 over
 * t = [0, dt]): s' = s + dt/6 (k1 + 2 k2 + 2 k3 + k4), the torque held constant. Then, in this order: theta1 and
 * theta2 wrapped into [-pi, pi] by adding or subtracting 2 pi (Gymnasium's wrap()), dtheta1 bounded to +-4 pi and
 * dtheta2 to +-9 pi (bound()). Terminated when the tip is above the bar: -cos(theta1) - cos(theta2 + theta1) > 1.
 * Reward -1 per step, 0 on the terminating step. Reset: each component ~ U(-0.1, 0.1), drawn in order.
 * sin and cos come from trig.ts (about 1 ulp on every device). An environment module: compiled after the prelude
 * of src/envs/compose.ts.
 */
import { f32Above, f32Below, f32Literal } from '../../../shaders/f32.js';
import { trigWgsl } from '../../../shaders/trig.js';

export const ACROBOT_MAX_VEL_1 = 4 * Math.PI;
export const ACROBOT_MAX_VEL_2 = 9 * Math.PI;

export const acrobotWgsl = /* wgsl */ `${trigWgsl}
const DT: f32 = 0.2;
const LINK_LENGTH_1 = 1.0;
const LINK_MASS_1 = 1.0;
const LINK_MASS_2 = 1.0;
const LINK_COM_POS_1 = 0.5;
const LINK_COM_POS_2 = 0.5;
const LINK_MOI = 1.0;
const G = 9.8;
const PI = 3.141592653589793;
const MAX_VEL_1: f32 = ${f32Literal(ACROBOT_MAX_VEL_1)};
const MAX_VEL_2: f32 = ${f32Literal(ACROBOT_MAX_VEL_2)};
// wrap(): x > pi is x >= PI_ABOVE and x < -pi is x <= MINUS_PI_BELOW, as in float64.
const PI_ABOVE: f32 = ${f32Literal(f32Above(Math.PI))};
const MINUS_PI_BELOW: f32 = ${f32Literal(f32Below(-Math.PI))};
const TWO_PI: f32 = 2.0 * PI;

// Time derivative of s = (theta1, theta2, dtheta1, dtheta2) under joint torque a (Gymnasium's _dsdt, "book").
fn acrobot_dsdt(s: vec4f, a: f32) -> vec4f {
  let m1 = LINK_MASS_1;
  let m2 = LINK_MASS_2;
  let l1 = LINK_LENGTH_1;
  let lc1 = LINK_COM_POS_1;
  let lc2 = LINK_COM_POS_2;
  let i1 = LINK_MOI;
  let i2 = LINK_MOI;
  let theta1 = s.x;
  let theta2 = s.y;
  let dtheta1 = s.z;
  let dtheta2 = s.w;
  let d1 = m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2.0 * l1 * lc2 * trig_cos(theta2)) + i1 + i2;
  let d2 = m2 * (lc2 * lc2 + l1 * lc2 * trig_cos(theta2)) + i2;
  let phi2 = m2 * lc2 * G * trig_cos(theta1 + theta2 - PI / 2.0);
  let phi1 = -m2 * l1 * lc2 * dtheta2 * dtheta2 * trig_sin(theta2)
    - 2.0 * m2 * l1 * lc2 * dtheta2 * dtheta1 * trig_sin(theta2)
    + (m1 * lc1 + m2 * l1) * G * trig_cos(theta1 - PI / 2.0)
    + phi2;
  let ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1 * dtheta1 * trig_sin(theta2) - phi2) /
    (m2 * lc2 * lc2 + i2 - d2 * d2 / d1);
  let ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  return vec4f(dtheta1, dtheta2, ddtheta1, ddtheta2);
}

// Gymnasium's wrap(x, -pi, pi). The loops are capped so that a state set far outside the state space cannot hang
// the device; from any state with |theta| < 64 pi the result is Gymnasium's.
fn acrobot_wrap(value: f32) -> f32 {
  var x = value;
  for (var i = 0u; i < 32u && x >= PI_ABOVE; i += 1u) {
    x = x - TWO_PI;
  }
  for (var i = 0u; i < 32u && x <= MINUS_PI_BELOW; i += 1u) {
    x = x + TWO_PI;
  }
  return x;
}

fn env_reset(rng: ptr<function, Rng>) -> EnvState {
  var state: EnvState;
  for (var i = 0u; i < 4u; i += 1u) {
    state[i] = rng_uniform(rng, -0.1, 0.1);
  }
  return state;
}

fn env_step(state: ptr<function, EnvState>, action: EnvAction, rng: ptr<function, Rng>) -> EnvStep {
  let torque = f32(action) - 1.0;
  let s0 = vec4f((*state)[0], (*state)[1], (*state)[2], (*state)[3]);
  let half = DT / 2.0;
  let k1 = acrobot_dsdt(s0, torque);
  let k2 = acrobot_dsdt(s0 + half * k1, torque);
  let k3 = acrobot_dsdt(s0 + half * k2, torque);
  let k4 = acrobot_dsdt(s0 + DT * k3, torque);
  let ns = s0 + DT / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
  let theta1 = acrobot_wrap(ns.x);
  let theta2 = acrobot_wrap(ns.y);
  (*state)[0] = theta1;
  (*state)[1] = theta2;
  (*state)[2] = min(max(ns.z, -MAX_VEL_1), MAX_VEL_1);
  (*state)[3] = min(max(ns.w, -MAX_VEL_2), MAX_VEL_2);
  let terminated = -trig_cos(theta1) - trig_cos(theta2 + theta1) > 1.0;
  return EnvStep(select(-1.0, 0.0, terminated), terminated);
}

fn env_observe(state: ptr<function, EnvState>) -> EnvObs {
  let s = *state;
  let a = trig_sincos(s[0]);
  let b = trig_sincos(s[1]);
  return EnvObs(a.y, a.x, b.y, b.x, s[2], s[3]);
}
`;
