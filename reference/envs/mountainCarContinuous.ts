/** MountainCarContinuous-v0 in float64: Gymnasium's Continuous_MountainCarEnv (goal 0.45, power 0.0015). */
import type { HostRng } from '../../shaders/rng.js';
import { actionValue, type ReferenceEnv, type ReferenceOutcome } from './types.js';
import { uniformLikeWgsl } from './uniform.js';

const min_action = -1.0;
const max_action = 1.0;
const min_position = -1.2;
const max_position = 0.6;
const max_speed = 0.07;
export const goal_position = 0.45;
const goal_velocity = 0;
const power = 0.0015;

export const mountainCarContinuousReference: ReferenceEnv = {
  id: 'MountainCarContinuous-v0',
  stateSize: 2,
  observationSize: 2,
  reset(rng: HostRng, state: Float64Array): void {
    state[0] = uniformLikeWgsl(rng, -0.6, -0.4);
    state[1] = 0;
  },
  step(state: Float64Array, action: number | ArrayLike<number>, out: ReferenceOutcome): void {
    const a = actionValue(action);
    let position = state[0]!;
    let velocity = state[1]!;
    const force = Math.min(Math.max(a, min_action), max_action);
    velocity += force * power - 0.0025 * Math.cos(3 * position);
    if (velocity > max_speed) velocity = max_speed;
    if (velocity < -max_speed) velocity = -max_speed;
    position += velocity;
    if (position > max_position) position = max_position;
    if (position < min_position) position = min_position;
    if (position === min_position && velocity < 0) velocity = 0;
    const terminated = position >= goal_position && velocity >= goal_velocity;
    let reward = 0;
    if (terminated) reward = 100.0;
    reward -= Math.pow(a, 2) * 0.1;
    state[0] = position;
    state[1] = velocity;
    out.terminated = terminated;
    out.reward = reward;
  },
  observe(state: ArrayLike<number>, obs: Float64Array | Float32Array): void {
    obs[0] = state[0]!;
    obs[1] = state[1]!;
  },
  terminal(state: ArrayLike<number>): boolean {
    return state[0]! >= goal_position && state[1]! >= goal_velocity;
  },
};
