/**
 * Pendulum-v1 as a GPU environment (Gymnasium 1.x, classic_control/pendulum.py): swing a pendulum up and hold it,
 * with a torque u in [-2, 2] (g = 10, m = l = 1, dt = 0.05).
 *
 * State [theta, theta_dot] (theta = 0 upright, never wrapped); observation [cos theta, sin theta, theta_dot].
 * One step, in Gymnasium's order:
 *   u = clip(a, -2, 2)
 *   cost = angle_normalize(theta)^2 + 0.1 theta_dot^2 + 0.001 u^2      (from the state BEFORE the update)
 *   theta_dot' = clip(theta_dot + (3 g / (2 l) sin theta + 3 / (m l^2) u) dt, -8, 8)
 *   theta' = theta + theta_dot' dt                                         (semi-implicit Euler)
 * where angle_normalize(x) = ((x + pi) mod 2 pi) - pi with Python's floored modulo. Reward -cost; never
 * terminates. Reset: theta ~ U(-pi, pi), then theta_dot ~ U(-1, 1).
 * sin and cos come from trig.ts (about 1 ulp on every device). An environment module: compiled after the prelude
 * of src/envs/compose.ts.
 */
import { trigWgsl } from '../../../shaders/trig.js';

export const pendulumWgsl = /* wgsl */ `${trigWgsl}
const MAX_SPEED: f32 = 8.0;
const MAX_TORQUE: f32 = 2.0;
const DT = 0.05;
const G = 10.0;
const M = 1.0;
const L = 1.0;
const PI = 3.141592653589793;
const TWO_PI: f32 = 2.0 * PI;

// ((x + pi) mod 2 pi) - pi, the modulo floored as Python's %.
fn pendulum_angle_normalize(x: f32) -> f32 {
  let shifted = x + PI;
  return shifted - floor(shifted / TWO_PI) * TWO_PI - PI;
}

fn env_reset(rng: ptr<function, Rng>) -> EnvState {
  let theta = rng_uniform(rng, -PI, PI);
  let theta_dot = rng_uniform(rng, -1.0, 1.0);
  return EnvState(theta, theta_dot);
}

fn env_step(state: ptr<function, EnvState>, action: EnvAction, rng: ptr<function, Rng>) -> EnvStep {
  let th = (*state)[0];
  let thdot = (*state)[1];
  let u = min(max(action[0], -MAX_TORQUE), MAX_TORQUE);
  let angle = pendulum_angle_normalize(th);
  let costs = angle * angle + 0.1 * (thdot * thdot) + 0.001 * (u * u);
  var newthdot = thdot + (3.0 * G / (2.0 * L) * trig_sin(th) + 3.0 / (M * L * L) * u) * DT;
  newthdot = min(max(newthdot, -MAX_SPEED), MAX_SPEED);
  let newth = th + newthdot * DT;
  (*state)[0] = newth;
  (*state)[1] = newthdot;
  return EnvStep(-costs, false);
}

fn env_observe(state: ptr<function, EnvState>) -> EnvObs {
  let sincos = trig_sincos((*state)[0]);
  return EnvObs(sincos.y, sincos.x, (*state)[1]);
}
`;
