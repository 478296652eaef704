/**
 * MountainCarContinuous-v0 as a GPU environment (Gymnasium 1.x, classic_control/continuous_mountain_car.py): the
 * mountain car with a continuous throttle a in R^1.
 *
 * State [position, velocity], observation = state. One step, in Gymnasium's order:
 *   force = min(max(a, -1), 1)                                 (Gymnasium clips the force, not the action)
 *   velocity += force * 0.0015 - 0.0025 cos(3 position); velocity clipped to [-0.07, 0.07]
 *   position += velocity; position clipped to [-1.2, 0.6]; if position == -1.2 and velocity < 0: velocity = 0
 * Terminated when position >= 0.45 and velocity >= 0. Reward 100 if terminated, minus 0.1 a^2 with the raw
 * (unclipped) action. Reset: position ~ U(-0.6, -0.4), velocity 0.
 * cos comes from trig.ts (about 1 ulp on every device). An environment module: compiled after the prelude
 * of src/envs/compose.ts.
 */
import { f32AtLeast, f32Literal } from '../../../shaders/f32.js';
import { trigWgsl } from '../../../shaders/trig.js';

export const MOUNTAIN_CAR_CONTINUOUS_GOAL_POSITION = 0.45;

export const mountainCarContinuousWgsl = /* wgsl */ `${trigWgsl}
const MIN_POSITION: f32 = -1.2;
const MAX_POSITION: f32 = 0.6;
const MAX_SPEED: f32 = 0.07;
const POWER: f32 = 0.0015;
// position >= 0.45 exactly as in float64.
const GOAL_POSITION: f32 = ${f32Literal(f32AtLeast(MOUNTAIN_CAR_CONTINUOUS_GOAL_POSITION))};
const GOAL_VELOCITY: f32 = 0.0;

fn env_reset(rng: ptr<function, Rng>) -> EnvState {
  return EnvState(rng_uniform(rng, -0.6, -0.4), 0.0);
}

fn env_step(state: ptr<function, EnvState>, action: EnvAction, rng: ptr<function, Rng>) -> EnvStep {
  var position = (*state)[0];
  var velocity = (*state)[1];
  let force = min(max(action[0], ENV_ACTION_LOW[0]), ENV_ACTION_HIGH[0]);
  velocity += force * POWER - 0.0025 * trig_cos(3.0 * position);
  if (velocity > MAX_SPEED) {
    velocity = MAX_SPEED;
  }
  if (velocity < -MAX_SPEED) {
    velocity = -MAX_SPEED;
  }
  position += velocity;
  if (position > MAX_POSITION) {
    position = MAX_POSITION;
  }
  if (position < MIN_POSITION) {
    position = MIN_POSITION;
  }
  if (position == MIN_POSITION && velocity < 0.0) {
    velocity = 0.0;
  }
  (*state)[0] = position;
  (*state)[1] = velocity;
  let terminated = position >= GOAL_POSITION && velocity >= GOAL_VELOCITY;
  let reward = select(0.0, 100.0, terminated) - action[0] * action[0] * 0.1;
  return EnvStep(reward, terminated);
}

fn env_observe(state: ptr<function, EnvState>) -> EnvObs {
  return *state;
}
`;
