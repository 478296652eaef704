/** Acrobot-v1 in float64: Gymnasium's AcrobotEnv (book dynamics, rk4 over [0, dt], wrap, bound; no torque noise). */
import type { HostRng } from '../../shaders/rng.js';
import { actionIndex, type ReferenceEnv, type ReferenceOutcome } from './types.js';

const pi = Math.PI;
const dt = 0.2;
const LINK_LENGTH_1 = 1.0;
const LINK_MASS_1 = 1.0;
const LINK_MASS_2 = 1.0;
const LINK_COM_POS_1 = 0.5;
const LINK_COM_POS_2 = 0.5;
const LINK_MOI = 1.0;
export const MAX_VEL_1 = 4 * pi;
export const MAX_VEL_2 = 9 * pi;
const AVAIL_TORQUE = [-1.0, 0.0, +1];

/** ds/dt of the augmented state (theta1, theta2, dtheta1, dtheta2, torque), written into `d` (5 entries). */
function dsdt(s: Float64Array, d: Float64Array): void {
  const m1 = LINK_MASS_1;
  const m2 = LINK_MASS_2;
  const l1 = LINK_LENGTH_1;
  const lc1 = LINK_COM_POS_1;
  const lc2 = LINK_COM_POS_2;
  const I1 = LINK_MOI;
  const I2 = LINK_MOI;
  const g = 9.8;
  const a = s[4]!;
  const theta1 = s[0]!;
  const theta2 = s[1]!;
  const dtheta1 = s[2]!;
  const dtheta2 = s[3]!;
  const d1 = m1 * lc1 ** 2 + m2 * (l1 ** 2 + lc2 ** 2 + 2 * l1 * lc2 * Math.cos(theta2)) + I1 + I2;
  const d2 = m2 * (lc2 ** 2 + l1 * lc2 * Math.cos(theta2)) + I2;
  const phi2 = m2 * lc2 * g * Math.cos(theta1 + theta2 - pi / 2.0);
  const phi1 =
    -m2 * l1 * lc2 * dtheta2 ** 2 * Math.sin(theta2) -
    2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * Math.sin(theta2) +
    (m1 * lc1 + m2 * l1) * g * Math.cos(theta1 - pi / 2) +
    phi2;
  const ddtheta2 = (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * dtheta1 ** 2 * Math.sin(theta2) - phi2) / (m2 * lc2 ** 2 + I2 - d2 ** 2 / d1);
  const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  d[0] = dtheta1;
  d[1] = dtheta2;
  d[2] = ddtheta1;
  d[3] = ddtheta2;
  d[4] = 0.0;
}

export function wrap(x: number, m: number, M: number): number {
  const diff = M - m;
  while (x > M) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}

export function bound(x: number, m: number, M: number): number {
  return Math.min(Math.max(x, m), M);
}

// Scratch of rk4 (one stage's input and the four slopes).
const y0 = new Float64Array(5);
const yi = new Float64Array(5);
const k1 = new Float64Array(5);
const k2 = new Float64Array(5);
const k3 = new Float64Array(5);
const k4 = new Float64Array(5);

/** Gymnasium's rk4(derivs, y0, [0, dt]): one classic Runge-Kutta step; writes the first 4 entries into `ns`. */
function rk4(ns: Float64Array): void {
  const dt2 = dt / 2.0;
  dsdt(y0, k1);
  for (let i = 0; i < 5; i++) yi[i] = y0[i]! + dt2 * k1[i]!;
  dsdt(yi, k2);
  for (let i = 0; i < 5; i++) yi[i] = y0[i]! + dt2 * k2[i]!;
  dsdt(yi, k3);
  for (let i = 0; i < 5; i++) yi[i] = y0[i]! + dt * k3[i]!;
  dsdt(yi, k4);
  for (let i = 0; i < 4; i++) ns[i] = y0[i]! + (dt / 6.0) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!);
}

export const acrobotReference: ReferenceEnv = {
  id: 'Acrobot-v1',
  stateSize: 4,
  observationSize: 6,
  angleComponents: [0, 1],
  reset(rng: HostRng, state: Float64Array): void {
    for (let i = 0; i < 4; i++) state[i] = rng.uniform(-0.1, 0.1);
  },
  step(state: Float64Array, action: number | ArrayLike<number>, out: ReferenceOutcome): void {
    const torque = AVAIL_TORQUE[actionIndex(action)]!;
    for (let i = 0; i < 4; i++) y0[i] = state[i]!;
    y0[4] = torque;
    rk4(state);
    state[0] = wrap(state[0]!, -pi, pi);
    state[1] = wrap(state[1]!, -pi, pi);
    state[2] = bound(state[2]!, -MAX_VEL_1, MAX_VEL_1);
    state[3] = bound(state[3]!, -MAX_VEL_2, MAX_VEL_2);
    out.terminated = acrobotReference.terminal(state);
    out.reward = out.terminated ? 0.0 : -1.0;
  },
  observe(s: ArrayLike<number>, obs: Float64Array | Float32Array): void {
    obs[0] = Math.cos(s[0]!);
    obs[1] = Math.sin(s[0]!);
    obs[2] = Math.cos(s[1]!);
    obs[3] = Math.sin(s[1]!);
    obs[4] = s[2]!;
    obs[5] = s[3]!;
  },
  terminal(s: ArrayLike<number>): boolean {
    return -Math.cos(s[0]!) - Math.cos(s[1]! + s[0]!) > 1.0;
  },
};
