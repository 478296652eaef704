/**
 * Squash-v0 (demos/games/squash/rules.ts) in float64: the rules transcribed from the WGSL, stepping one court in
 * place. The constants are the game's own (they define it); the arithmetic here is independent of the shader's.
 * `step` also reports which branches it took (wall, ceiling, return, miss), so a test can tell where a tiny
 * change of the input would change the outcome.
 */
import type { HostRng } from '../../shaders/rng.js';
import {
  BALL_RADIUS,
  MAX_BOUNCE_SLOPE,
  MAX_SPEED,
  PADDLE_HALF_WIDTH,
  PADDLE_SPEED,
  PADDLE_Y,
  SERVE_MAX_VX,
  SERVE_VY,
  SERVE_Y,
  SPEEDUP,
} from '../../demos/games/squash/rules.js';

export const Event = { none: 0, leftWall: 1, rightWall: 2, ceiling: 4, returned: 8, missed: 16 } as const;

export interface SquashOutcome {
  reward: number;
  terminated: boolean;
  /** Bits of Event: the branches this step took. */
  events: number;
}

export const squashReference = {
  stateSize: 5,
  observationSize: 6,

  /** The first state of a rally, drawn as the WGSL draws it (three uniforms: ball x, ball vx, paddle x). */
  reset(rng: HostRng, state: Float64Array): void {
    state[0] = rng.uniform(0.1, 0.9);
    state[1] = SERVE_Y;
    state[2] = rng.uniform(-SERVE_MAX_VX, SERVE_MAX_VX);
    state[3] = SERVE_VY;
    state[4] = rng.uniform(0.3, 0.7);
  },

  step(state: Float64Array, action: number, out: SquashOutcome): void {
    const paddleX = Math.min(Math.max(state[4]! + (action - 1) * PADDLE_SPEED, PADDLE_HALF_WIDTH), 1 - PADDLE_HALF_WIDTH);
    let x = state[0]! + state[2]!;
    let y = state[1]! + state[3]!;
    let vx = state[2]!;
    let vy = state[3]!;
    let events = 0;
    if (x < BALL_RADIUS) {
      x = 2 * BALL_RADIUS - x;
      vx = -vx;
      events |= Event.leftWall;
    } else if (x > 1 - BALL_RADIUS) {
      x = 2 * (1 - BALL_RADIUS) - x;
      vx = -vx;
      events |= Event.rightWall;
    }
    if (y < BALL_RADIUS) {
      y = 2 * BALL_RADIUS - y;
      vy = -vy;
      events |= Event.ceiling;
    }
    let reward = 0;
    let terminated = false;
    if (vy > 0 && y + BALL_RADIUS >= PADDLE_Y) {
      const reach = PADDLE_HALF_WIDTH + BALL_RADIUS;
      const offset = x - paddleX;
      if (Math.abs(offset) <= reach) {
        const speed = Math.min(Math.hypot(vx, vy) * SPEEDUP, MAX_SPEED);
        const slope = (MAX_BOUNCE_SLOPE * offset) / reach;
        const norm = Math.sqrt(1 + slope * slope);
        vx = (speed * slope) / norm;
        vy = -speed / norm;
        y = 2 * (PADDLE_Y - BALL_RADIUS) - y;
        reward = 1;
        events |= Event.returned;
      } else {
        terminated = true;
        reward = -1;
        events |= Event.missed;
      }
    }
    state[0] = x;
    state[1] = y;
    state[2] = vx;
    state[3] = vy;
    state[4] = paddleX;
    out.reward = reward;
    out.terminated = terminated;
    out.events = events;
  },

  observe(state: ArrayLike<number>, obs: Float64Array | Float32Array): void {
    obs[0] = 2 * state[0]! - 1;
    obs[1] = 2 * state[1]! - 1;
    obs[2] = state[2]! / MAX_SPEED;
    obs[3] = state[3]! / MAX_SPEED;
    obs[4] = 2 * state[4]! - 1;
    obs[5] = 2 * (state[0]! - state[4]!);
  },
};
