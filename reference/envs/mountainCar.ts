/** MountainCar-v0 in float64: Gymnasium's MountainCarEnv (goal_velocity 0). */
import type { HostRng } from '../../shaders/rng.js';
import { actionIndex, type ReferenceEnv, type ReferenceOutcome } from './types.js';
import { uniformLikeWgsl } from './uniform.js';

const min_position = -1.2;
const max_position = 0.6;
const max_speed = 0.07;
export const goal_position = 0.5;
const goal_velocity = 0;
const force = 0.001;
const gravity = 0.0025;

const clip = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);

export const mountainCarReference: ReferenceEnv = {
  id: 'MountainCar-v0',
  stateSize: 2,
  observationSize: 2,
  reset(rng: HostRng, state: Float64Array): void {
    state[0] = uniformLikeWgsl(rng, -0.6, -0.4);
    state[1] = 0;
  },
  step(state: Float64Array, action: number | ArrayLike<number>, out: ReferenceOutcome): void {
    let position = state[0]!;
    let velocity = state[1]!;
    velocity += (actionIndex(action) - 1) * force + Math.cos(3 * position) * -gravity;
    velocity = clip(velocity, -max_speed, max_speed);
    position += velocity;
    position = clip(position, min_position, max_position);
    if (position === min_position && velocity < 0) velocity = 0;
    state[0] = position;
    state[1] = velocity;
    out.terminated = mountainCarReference.terminal(state);
    out.reward = -1.0;
  },
  observe(state: ArrayLike<number>, obs: Float64Array | Float32Array): void {
    obs[0] = state[0]!;
    obs[1] = state[1]!;
  },
  terminal(state: ArrayLike<number>): boolean {
    return state[0]! >= goal_position && state[1]! >= goal_velocity;
  },
};
