/** Pendulum-v1 in float64: Gymnasium's PendulumEnv (g = 10). */
import type { HostRng } from '../../shaders/rng.js';
import { actionValue, type ReferenceEnv, type ReferenceOutcome } from './types.js';

const max_speed = 8;
const max_torque = 2.0;
const dt = 0.05;
const g = 10.0;
const m = 1.0;
const l = 1.0;

/** ((x + pi) % (2 pi)) - pi with Python's % (the result takes the sign of the divisor). */
export function angle_normalize(x: number): number {
  const period = 2 * Math.PI;
  const r = (x + Math.PI) % period;
  return (r < 0 ? r + period : r) - Math.PI;
}

const clip = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);

export const pendulumReference: ReferenceEnv = {
  id: 'Pendulum-v1',
  stateSize: 2,
  observationSize: 3,
  reset(rng: HostRng, state: Float64Array): void {
    state[0] = rng.uniform(-Math.PI, Math.PI);
    state[1] = rng.uniform(-1.0, 1.0);
  },
  step(state: Float64Array, action: number | ArrayLike<number>, out: ReferenceOutcome): void {
    const th = state[0]!;
    const thdot = state[1]!;
    const u = clip(actionValue(action), -max_torque, max_torque);
    const costs = angle_normalize(th) ** 2 + 0.1 * thdot ** 2 + 0.001 * u ** 2;
    let newthdot = thdot + ((3 * g) / (2 * l) * Math.sin(th) + (3.0 / (m * l ** 2)) * u) * dt;
    newthdot = clip(newthdot, -max_speed, max_speed);
    const newth = th + newthdot * dt;
    state[0] = newth;
    state[1] = newthdot;
    out.reward = -costs;
    out.terminated = false;
  },
  observe(state: ArrayLike<number>, obs: Float64Array | Float32Array): void {
    obs[0] = Math.cos(state[0]!);
    obs[1] = Math.sin(state[0]!);
    obs[2] = state[1]!;
  },
  terminal(): boolean {
    return false;
  },
};
