/**
 * MountainCar-v0 as a GPU environment (Gymnasium 1.x, classic_control/mountain_car.py): an underpowered car in a
 * valley y = sin(3x); actions 0, 1, 2 accelerate left, not at all, right.
 *
 * State [position, velocity], observation = state. One step, in Gymnasium's order:
 *   velocity += (action - 1) * 0.001 + cos(3 position) * (-0.0025); velocity clipped to [-0.07, 0.07]
 *   position += velocity; position clipped to [-1.2, 0.6]
 *   if position == -1.2 and velocity < 0: velocity = 0      (the car stops at the left wall)
 * Terminated when position >= 0.5 and velocity >= 0. Reward -1 on every step. Reset: position ~ U(-0.6, -0.4),
 * velocity 0. cos comes from trig.ts (about 1 ulp on every device). An environment module: compiled after the
 * prelude of src/envs/compose.ts.
 */
import { f32AtLeast, f32Literal } from '../../../shaders/f32.js';
import { trigWgsl } from '../../../shaders/trig.js';

export const MOUNTAIN_CAR_GOAL_POSITION = 0.5;

export const mountainCarWgsl = /* wgsl */ `${trigWgsl}
const MIN_POSITION: f32 = -1.2;
const MAX_POSITION: f32 = 0.6;
const MAX_SPEED: f32 = 0.07;
const FORCE: f32 = 0.001;
const GRAVITY: f32 = 0.0025;
// position >= 0.5 exactly as in float64 (0.5 is an f32).
const GOAL_POSITION: f32 = ${f32Literal(f32AtLeast(MOUNTAIN_CAR_GOAL_POSITION))};
const GOAL_VELOCITY: f32 = 0.0;

fn env_reset(rng: ptr<function, Rng>) -> EnvState {
  return EnvState(rng_uniform(rng, -0.6, -0.4), 0.0);
}

fn env_step(state: ptr<function, EnvState>, action: EnvAction, rng: ptr<function, Rng>) -> EnvStep {
  var position = (*state)[0];
  var velocity = (*state)[1];
  velocity += (f32(action) - 1.0) * FORCE + trig_cos(3.0 * position) * (-GRAVITY);
  velocity = min(max(velocity, -MAX_SPEED), MAX_SPEED);
  position += velocity;
  position = min(max(position, MIN_POSITION), MAX_POSITION);
  if (position == MIN_POSITION && velocity < 0.0) {
    velocity = 0.0;
  }
  (*state)[0] = position;
  (*state)[1] = velocity;
  let terminated = position >= GOAL_POSITION && velocity >= GOAL_VELOCITY;
  return EnvStep(-1.0, terminated);
}

fn env_observe(state: ptr<function, EnvState>) -> EnvObs {
  return *state;
}
`;
