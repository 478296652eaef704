/**
 * Squash-v0: one paddle against three walls, the game of the demos' arcade page. Its rules run as a batched GPU
 * environment (defineGpuEnv), so the trainer steps thousands of courts inside its fused rollout kernel, and the
 * page plays the very same rules one court at a time (createEnv with numEnvs 1).
 *
 * The court is the unit square, y pointing down. The ball (radius BALL_RADIUS) bounces off the left, right and top
 * walls; the paddle slides along y = PADDLE_Y. A ball that reaches the paddle's line above the paddle is returned
 * (+1) with an angle set by where it hit (centre: straight up; edge: MAX_BOUNCE_SLOPE sideways per unit up, as in
 * Breakout) and a little faster (SPEEDUP, at most MAX_SPEED); a ball that reaches the line beside it ends the
 * rally (-1, terminated). An episode is one rally of at most MAX_RALLY_STEPS steps (the engine's time limit).
 *
 * State [ball_x, ball_y, ball_vx, ball_vy, paddle_x] (velocities in court units per step).
 * Observation, all of order 1: [2 ball_x - 1, 2 ball_y - 1, ball_vx / MAX_SPEED, ball_vy / MAX_SPEED,
 * 2 paddle_x - 1, 2 (ball_x - paddle_x)]. Actions: Discrete(3): 0 left, 1 stay, 2 right.
 *
 * The step uses only +, -, *, /, sqrt, min, max and comparisons (no sin/cos, whose WGSL accuracy is loose), so
 * the float64 reference (reference/games/squash.ts) agrees with it to float32 rounding.
 */
import { defineGpuEnv, getEnvDefinition, listEnvs, type GpuEnvDefinition } from '../../../src/index.js';

export const SQUASH_ID = 'Squash-v0';

export const BALL_RADIUS = 0.02;
export const PADDLE_Y = 0.95;
export const PADDLE_HALF_WIDTH = 0.1;
export const PADDLE_SPEED = 0.04;
export const SERVE_Y = 0.1;
export const SERVE_VY = 0.016;
export const SERVE_MAX_VX = 0.012;
export const SPEEDUP = 1.04;
export const MAX_SPEED = 0.045;
export const MAX_BOUNCE_SLOPE = 1.5;
export const MAX_RALLY_STEPS = 1500;

/** A WGSL f32 literal. */
const f = (value: number): string => (Number.isInteger(value) ? `${value}.0` : String(value));

const wgsl = /* wgsl */ `
const BALL_RADIUS: f32 = ${f(BALL_RADIUS)};
const PADDLE_Y: f32 = ${f(PADDLE_Y)};
const PADDLE_HALF_WIDTH: f32 = ${f(PADDLE_HALF_WIDTH)};
const PADDLE_SPEED: f32 = ${f(PADDLE_SPEED)};
const SERVE_Y: f32 = ${f(SERVE_Y)};
const SERVE_VY: f32 = ${f(SERVE_VY)};
const SERVE_MAX_VX: f32 = ${f(SERVE_MAX_VX)};
const SPEEDUP: f32 = ${f(SPEEDUP)};
const MAX_SPEED: f32 = ${f(MAX_SPEED)};
const MAX_BOUNCE_SLOPE: f32 = ${f(MAX_BOUNCE_SLOPE)};

fn env_reset(rng: ptr<function, Rng>) -> EnvState {
  let ball_x = rng_uniform(rng, 0.1, 0.9);
  let ball_vx = rng_uniform(rng, -SERVE_MAX_VX, SERVE_MAX_VX);
  let paddle_x = rng_uniform(rng, 0.3, 0.7);
  return EnvState(ball_x, SERVE_Y, ball_vx, SERVE_VY, paddle_x);
}

fn env_step(state: ptr<function, EnvState>, action: EnvAction, rng: ptr<function, Rng>) -> EnvStep {
  let move_by = (f32(action) - 1.0) * PADDLE_SPEED;
  let paddle_x = clamp((*state)[4] + move_by, PADDLE_HALF_WIDTH, 1.0 - PADDLE_HALF_WIDTH);
  var x = (*state)[0] + (*state)[2];
  var y = (*state)[1] + (*state)[3];
  var vx = (*state)[2];
  var vy = (*state)[3];
  // Walls: reflect the position about the wall and flip the velocity component.
  if (x < BALL_RADIUS) {
    x = 2.0 * BALL_RADIUS - x;
    vx = -vx;
  } else if (x > 1.0 - BALL_RADIUS) {
    x = 2.0 * (1.0 - BALL_RADIUS) - x;
    vx = -vx;
  }
  if (y < BALL_RADIUS) {
    y = 2.0 * BALL_RADIUS - y;
    vy = -vy;
  }
  var reward = 0.0;
  var missed = false;
  if (vy > 0.0 && y + BALL_RADIUS >= PADDLE_Y) {
    let reach = PADDLE_HALF_WIDTH + BALL_RADIUS;
    let offset = x - paddle_x;
    if (abs(offset) <= reach) {
      let speed = min(sqrt(vx * vx + vy * vy) * SPEEDUP, MAX_SPEED);
      let slope = MAX_BOUNCE_SLOPE * (offset / reach);
      let norm = sqrt(1.0 + slope * slope);
      vx = speed * slope / norm;
      vy = -speed / norm;
      y = 2.0 * (PADDLE_Y - BALL_RADIUS) - y;
      reward = 1.0;
    } else {
      missed = true;
      reward = -1.0;
    }
  }
  *state = EnvState(x, y, vx, vy, paddle_x);
  return EnvStep(reward, missed);
}

fn env_observe(state: ptr<function, EnvState>) -> EnvObs {
  let s = *state;
  return EnvObs(2.0 * s[0] - 1.0, 2.0 * s[1] - 1.0, s[2] / MAX_SPEED, s[3] / MAX_SPEED, 2.0 * s[4] - 1.0, 2.0 * (s[0] - s[4]));
}
`;

/** Registers Squash-v0 (once per page or process) and returns its definition. */
export function defineSquash(): GpuEnvDefinition {
  if (listEnvs().some((env) => env.id === SQUASH_ID)) return getEnvDefinition(SQUASH_ID) as GpuEnvDefinition;
  return defineGpuEnv({
    id: SQUASH_ID,
    observationSize: 6,
    action: { type: 'discrete', n: 3 },
    stateSize: 5,
    stateNames: ['ball_x', 'ball_y', 'ball_vx', 'ball_vy', 'paddle_x'],
    maxEpisodeSteps: MAX_RALLY_STEPS,
    rewardThreshold: null,
    wgsl,
  });
}

/** Court coordinates back out of an observation row (for drawing). */
export function courtFromObservation(obs: ArrayLike<number>, offset = 0): { ballX: number; ballY: number; paddleX: number; speed: number } {
  const vx = obs[offset + 2]! * MAX_SPEED;
  const vy = obs[offset + 3]! * MAX_SPEED;
  return { ballX: (obs[offset]! + 1) / 2, ballY: (obs[offset + 1]! + 1) / 2, paddleX: (obs[offset + 4]! + 1) / 2, speed: Math.hypot(vx, vy) };
}
