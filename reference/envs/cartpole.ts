/** CartPole-v1 in float64: Gymnasium's CartPoleEnv.step/reset (Euler integrator, default reward). */
import type { HostRng } from '../../shaders/rng.js';
import { actionIndex, type ReferenceEnv, type ReferenceOutcome } from './types.js';

const gravity = 9.8;
const masscart = 1.0;
const masspole = 0.1;
const total_mass = masspole + masscart;
const length = 0.5;
const polemass_length = masspole * length;
const force_mag = 10.0;
const tau = 0.02;
export const theta_threshold_radians = (12 * 2 * Math.PI) / 360;
export const x_threshold = 2.4;

export const cartPoleReference: ReferenceEnv = {
  id: 'CartPole-v1',
  stateSize: 4,
  observationSize: 4,
  reset(rng: HostRng, state: Float64Array): void {
    for (let i = 0; i < 4; i++) state[i] = rng.uniform(-0.05, 0.05);
  },
  step(state: Float64Array, action: number | ArrayLike<number>, out: ReferenceOutcome): void {
    let x = state[0]!;
    let x_dot = state[1]!;
    let theta = state[2]!;
    let theta_dot = state[3]!;
    const force = actionIndex(action) === 1 ? force_mag : -force_mag;
    const costheta = Math.cos(theta);
    const sintheta = Math.sin(theta);
    const temp = (force + polemass_length * theta_dot ** 2 * sintheta) / total_mass;
    const thetaacc = (gravity * sintheta - costheta * temp) / (length * (4.0 / 3.0 - (masspole * costheta ** 2) / total_mass));
    const xacc = temp - (polemass_length * thetaacc * costheta) / total_mass;
    x = x + tau * x_dot;
    x_dot = x_dot + tau * xacc;
    theta = theta + tau * theta_dot;
    theta_dot = theta_dot + tau * thetaacc;
    state[0] = x;
    state[1] = x_dot;
    state[2] = theta;
    state[3] = theta_dot;
    out.terminated = cartPoleReference.terminal(state);
    out.reward = 1.0;
  },
  observe(state: ArrayLike<number>, obs: Float64Array | Float32Array): void {
    for (let i = 0; i < 4; i++) obs[i] = state[i]!;
  },
  terminal(state: ArrayLike<number>): boolean {
    const x = state[0]!;
    const theta = state[2]!;
    return x < -x_threshold || x > x_threshold || theta < -theta_threshold_radians || theta > theta_threshold_radians;
  },
};
