/**
 * CartPole-v1 as a GPU environment (Gymnasium 1.x, classic_control/cartpole.py): a pole hinged on a cart that moves
 * on a frictionless track; the action pushes the cart left (0) or right (1) with 10 N.
 *
 * State [x, x_dot, theta, theta_dot] (Gymnasium's layout), observation = state. Dynamics of Florian's
 * "Correct equations for the dynamics of the cart-pole system", integrated with explicit Euler (tau = 0.02 s):
 *   temp      = (F + m_p l theta_dot^2 sin theta) / (m_c + m_p)
 *   theta_acc = (g sin theta - cos theta temp) / (l (4/3 - m_p cos^2 theta / (m_c + m_p)))
 *   x_acc     = temp - m_p l theta_acc cos theta / (m_c + m_p)
 * then x, x_dot, theta, theta_dot each advance by tau times their old derivative. Terminated when |x| > 2.4 or
 * |theta| > 12 degrees (12 * 2 pi / 360 rad), compared as Gymnasium compares (float64 constants, see f32.ts).
 * Reward 1 on every step, the terminating one included. Reset: each component ~ U(-0.05, 0.05), drawn in order.
 * sin and cos come from trig.ts (about 1 ulp on every device). An environment module: compiled after the prelude
 * of src/envs/compose.ts.
 */
import { f32Above, f32Below, f32Literal } from '../../../shaders/f32.js';
import { trigWgsl } from '../../../shaders/trig.js';

export const CARTPOLE_X_THRESHOLD = 2.4;
export const CARTPOLE_THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;

export const cartpoleWgsl = /* wgsl */ `${trigWgsl}
const GRAVITY = 9.8;
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const TOTAL_MASS = MASS_POLE + MASS_CART;
const HALF_LENGTH = 0.5;
const POLE_MASS_LENGTH = MASS_POLE * HALF_LENGTH;
const FORCE_MAG: f32 = 10.0;
const TAU = 0.02;
// x > 2.4 is x >= X_ABOVE; x < -2.4 is x <= X_BELOW; the same for theta (f32 bounds on the correct side).
const X_ABOVE: f32 = ${f32Literal(f32Above(CARTPOLE_X_THRESHOLD))};
const X_BELOW: f32 = ${f32Literal(f32Below(-CARTPOLE_X_THRESHOLD))};
const THETA_ABOVE: f32 = ${f32Literal(f32Above(CARTPOLE_THETA_THRESHOLD))};
const THETA_BELOW: f32 = ${f32Literal(f32Below(-CARTPOLE_THETA_THRESHOLD))};

fn env_reset(rng: ptr<function, Rng>) -> EnvState {
  var state: EnvState;
  for (var i = 0u; i < 4u; i += 1u) {
    state[i] = rng_uniform(rng, -0.05, 0.05);
  }
  return state;
}

fn env_step(state: ptr<function, EnvState>, action: EnvAction, rng: ptr<function, Rng>) -> EnvStep {
  let x = (*state)[0];
  let x_dot = (*state)[1];
  let theta = (*state)[2];
  let theta_dot = (*state)[3];
  let force = select(-FORCE_MAG, FORCE_MAG, action == 1u);
  let sincos = trig_sincos(theta);
  let costheta = sincos.y;
  let sintheta = sincos.x;
  let temp = (force + POLE_MASS_LENGTH * (theta_dot * theta_dot) * sintheta) / TOTAL_MASS;
  let thetaacc = (GRAVITY * sintheta - costheta * temp) /
    (HALF_LENGTH * (4.0 / 3.0 - MASS_POLE * (costheta * costheta) / TOTAL_MASS));
  let xacc = temp - POLE_MASS_LENGTH * thetaacc * costheta / TOTAL_MASS;
  let new_x = x + TAU * x_dot;
  let new_theta = theta + TAU * theta_dot;
  (*state)[0] = new_x;
  (*state)[1] = x_dot + TAU * xacc;
  (*state)[2] = new_theta;
  (*state)[3] = theta_dot + TAU * thetaacc;
  let terminated = new_x <= X_BELOW || new_x >= X_ABOVE || new_theta <= THETA_BELOW || new_theta >= THETA_ABOVE;
  return EnvStep(1.0, terminated);
}

fn env_observe(state: ptr<function, EnvState>) -> EnvObs {
  return *state;
}
`;
