/**
 * Pong-v0 (src/envs/builtins/pong.wgsl.ts) in float64: the two-player rules transcribed from the WGSL, stepping one
 * court in place. The constants are the game's own; the arithmetic here is independent of the shader's. `step`
 * also reports which branches it took (walls, returns, points), so a test can tell where a tiny change of the
 * input would change the outcome.
 */
import type { HostRng } from '../../shaders/rng.js';
import {
  PONG_BALL_RADIUS as R,
  PONG_MAX_BOUNCE_SLOPE,
  PONG_MAX_SPEED,
  PONG_PADDLE_HALF_WIDTH,
  PONG_PADDLE_SPEED,
  PONG_PADDLE_Y,
  PONG_SERVE_MAX_VX,
  PONG_SERVE_VY,
  PONG_SPEEDUP,
} from '../../src/envs/builtins/pong.wgsl.js';

export const PongEvent = { none: 0, leftWall: 1, rightWall: 2, returned0: 4, returned1: 8, point0: 16, point1: 32 } as const;

export interface PongOutcome {
  /** Player 0's reward (player 1's is its negation). */
  reward: number;
  terminated: boolean;
  /** Bits of PongEvent. */
  events: number;
}

const TOP_Y = 1 - PONG_PADDLE_Y;
const REACH = PONG_PADDLE_HALF_WIDTH + R;

/** The ball's velocity after a return at `offset` from the paddle's centre, towards +y when `down`. */
function returned(vx: number, vy: number, offset: number, down: boolean): [number, number] {
  const speed = Math.min(Math.hypot(vx, vy) * PONG_SPEEDUP, PONG_MAX_SPEED);
  const slope = (PONG_MAX_BOUNCE_SLOPE * offset) / REACH;
  const norm = Math.sqrt(1 + slope * slope);
  return [(speed * slope) / norm, (down ? speed : -speed) / norm];
}

export const pongReference = {
  stateSize: 6,
  observationSize: 7,

  /** The first state of a point, drawn as the WGSL draws it (ball x, vx, serve direction, paddle 0, paddle 1). */
  reset(rng: HostRng, state: Float64Array): void {
    state[0] = rng.uniform(0.3, 0.7);
    state[1] = 0.5;
    state[2] = rng.uniform(-PONG_SERVE_MAX_VX, PONG_SERVE_MAX_VX);
    state[3] = rng.uniform(0, 1) < 0.5 ? PONG_SERVE_VY : -PONG_SERVE_VY;
    state[4] = rng.uniform(0.3, 0.7);
    state[5] = rng.uniform(0.3, 0.7);
  },

  /** One step under player 0's and player 1's actions (each in its own view: 0 left, 1 stay, 2 right). */
  step(state: Float64Array, action0: number, action1: number, out: PongOutcome): void {
    const clampPaddle = (x: number) => Math.min(Math.max(x, PONG_PADDLE_HALF_WIDTH), 1 - PONG_PADDLE_HALF_WIDTH);
    const paddle0 = clampPaddle(state[4]! + (action0 - 1) * PONG_PADDLE_SPEED);
    const paddle1 = clampPaddle(state[5]! - (action1 - 1) * PONG_PADDLE_SPEED);
    let x = state[0]! + state[2]!;
    let y = state[1]! + state[3]!;
    let vx = state[2]!;
    let vy = state[3]!;
    let events = 0;
    if (x < R) {
      x = 2 * R - x;
      vx = -vx;
      events |= PongEvent.leftWall;
    } else if (x > 1 - R) {
      x = 2 * (1 - R) - x;
      vx = -vx;
      events |= PongEvent.rightWall;
    }
    let reward = 0;
    let terminated = false;
    if (vy > 0 && y + R >= PONG_PADDLE_Y) {
      if (Math.abs(x - paddle0) <= REACH) {
        [vx, vy] = returned(vx, vy, x - paddle0, false);
        y = 2 * (PONG_PADDLE_Y - R) - y;
        events |= PongEvent.returned0;
      } else {
        terminated = true;
        reward = -1;
        events |= PongEvent.point1;
      }
    } else if (vy < 0 && y - R <= TOP_Y) {
      if (Math.abs(x - paddle1) <= REACH) {
        [vx, vy] = returned(vx, vy, x - paddle1, true);
        y = 2 * (TOP_Y + R) - y;
        events |= PongEvent.returned1;
      } else {
        terminated = true;
        reward = 1;
        events |= PongEvent.point0;
      }
    }
    state.set([x, y, vx, vy, paddle0, paddle1]);
    out.reward = reward;
    out.terminated = terminated;
    out.events = events;
  },

  /** Player `player`'s observation: the court as it sees it (player 1's turned by 180 degrees). */
  observe(state: ArrayLike<number>, player: 0 | 1, obs: Float64Array | Float32Array): void {
    const flip = player === 1;
    const bx = flip ? 1 - state[0]! : state[0]!;
    const by = flip ? 1 - state[1]! : state[1]!;
    const vx = flip ? -state[2]! : state[2]!;
    const vy = flip ? -state[3]! : state[3]!;
    const own = flip ? 1 - state[5]! : state[4]!;
    const other = flip ? 1 - state[4]! : state[5]!;
    obs[0] = 2 * bx - 1;
    obs[1] = 2 * by - 1;
    obs[2] = vx / PONG_MAX_SPEED;
    obs[3] = vy / PONG_MAX_SPEED;
    obs[4] = 2 * own - 1;
    obs[5] = 2 * other - 1;
    obs[6] = 2 * (bx - own);
  },
};
