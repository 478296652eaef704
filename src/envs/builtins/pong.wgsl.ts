/**
 * Pong-v0 as a GPU environment: a two-player zero-sum game (players: 2) of two paddles and one ball, the
 * self-play example (an environment module, compiled after the prelude of src/envs/compose.ts).
 *
 * The court is the unit square, y pointing down; the ball (radius BALL_RADIUS) bounces off the left and right walls.
 * Player 0's paddle slides along y = PADDLE_Y (the bottom), player 1's along y = 1 - PADDLE_Y (the top). A ball
 * that reaches a paddle's line within its reach is returned with an angle set by where it hit (centre: straight
 * on; edge: MAX_BOUNCE_SLOPE sideways per unit forward) and a little faster (SPEEDUP, at most MAX_SPEED); one that
 * reaches it beside the paddle ends the episode (one point): reward +1 to the player who scored, -1 to the other
 * (the environment's reward is player 0's). An episode of MAX_RALLY_STEPS steps is cut by the time limit (a draw).
 *
 * Each player sees the court from its own side: player 1's view is the court turned by 180 degrees
 * (x -> 1 - x, y -> 1 - y, velocities negated), so both players see their own paddle at the bottom and the same
 * policy plays either side. Actions, Discrete(3) in the player's own view: 0 left, 1 stay, 2 right (player 1's
 * left is the court's right).
 *
 * State [ball_x, ball_y, ball_vx, ball_vy, paddle0_x, paddle1_x] (court coordinates, velocities per step).
 * Observation of player p, in its own view (ball b, own paddle o, other paddle q), all of order 1:
 * [2 b_x - 1, 2 b_y - 1, b_vx / MAX_SPEED, b_vy / MAX_SPEED, 2 o - 1, 2 q - 1, 2 (b_x - o)].
 * Reset: ball at (U(0.3, 0.7), 0.5) served with vx ~ U(-SERVE_MAX_VX, SERVE_MAX_VX) towards player 0 or 1
 * (U(0, 1) < 0.5: towards player 0) at SERVE_VY, paddles at U(0.3, 0.7), drawn in that order.
 * The step uses only +, -, *, /, sqrt, min, max and comparisons, so the float64 reference
 * (reference/games/pong.ts) agrees with it to float32 rounding.
 */
import { wgslFloat as f } from '../compose.js';

export const PONG_ID = 'Pong-v0';
export const PONG_BALL_RADIUS = 0.02;
export const PONG_PADDLE_Y = 0.95;
export const PONG_PADDLE_HALF_WIDTH = 0.1;
export const PONG_PADDLE_SPEED = 0.04;
export const PONG_SERVE_VY = 0.016;
export const PONG_SERVE_MAX_VX = 0.012;
export const PONG_SPEEDUP = 1.04;
export const PONG_MAX_SPEED = 0.04;
export const PONG_MAX_BOUNCE_SLOPE = 1.5;
export const PONG_MAX_RALLY_STEPS = 1000;

export const pongWgsl = /* wgsl */ `
const BALL_RADIUS: f32 = ${f(PONG_BALL_RADIUS)};
const PADDLE_Y: f32 = ${f(PONG_PADDLE_Y)};
const TOP_Y: f32 = ${f(1 - PONG_PADDLE_Y)};
const PADDLE_HALF_WIDTH: f32 = ${f(PONG_PADDLE_HALF_WIDTH)};
const PADDLE_SPEED: f32 = ${f(PONG_PADDLE_SPEED)};
const SERVE_VY: f32 = ${f(PONG_SERVE_VY)};
const SERVE_MAX_VX: f32 = ${f(PONG_SERVE_MAX_VX)};
const SPEEDUP: f32 = ${f(PONG_SPEEDUP)};
const MAX_SPEED: f32 = ${f(PONG_MAX_SPEED)};
const MAX_BOUNCE_SLOPE: f32 = ${f(PONG_MAX_BOUNCE_SLOPE)};

fn env_reset(rng: ptr<function, Rng>) -> EnvState {
  let ball_x = rng_uniform(rng, 0.3, 0.7);
  let ball_vx = rng_uniform(rng, -SERVE_MAX_VX, SERVE_MAX_VX);
  let ball_vy = select(-SERVE_VY, SERVE_VY, rng_uniform(rng, 0.0, 1.0) < 0.5);
  let paddle0 = rng_uniform(rng, 0.3, 0.7);
  let paddle1 = rng_uniform(rng, 0.3, 0.7);
  return EnvState(ball_x, 0.5, ball_vx, ball_vy, paddle0, paddle1);
}

// The velocity of a ball returned at offset (ball x - paddle x) from a paddle, speed up and angled;
// towards +y (down) when down is true.
fn pong_return(vx: f32, vy: f32, offset: f32, down: bool) -> vec2f {
  let reach = PADDLE_HALF_WIDTH + BALL_RADIUS;
  let speed = min(sqrt(vx * vx + vy * vy) * SPEEDUP, MAX_SPEED);
  let slope = MAX_BOUNCE_SLOPE * (offset / reach);
  let norm = sqrt(1.0 + slope * slope);
  return vec2f(speed * slope / norm, select(-speed / norm, speed / norm, down));
}

fn env_step(state: ptr<function, EnvState>, actions: EnvActions, rng: ptr<function, Rng>) -> EnvStep {
  let low = PADDLE_HALF_WIDTH;
  let high = 1.0 - PADDLE_HALF_WIDTH;
  let paddle0 = clamp((*state)[4] + (f32(actions[0]) - 1.0) * PADDLE_SPEED, low, high);
  let paddle1 = clamp((*state)[5] - (f32(actions[1]) - 1.0) * PADDLE_SPEED, low, high);
  var x = (*state)[0] + (*state)[2];
  var y = (*state)[1] + (*state)[3];
  var vx = (*state)[2];
  var vy = (*state)[3];
  if (x < BALL_RADIUS) {
    x = 2.0 * BALL_RADIUS - x;
    vx = -vx;
  } else if (x > 1.0 - BALL_RADIUS) {
    x = 2.0 * (1.0 - BALL_RADIUS) - x;
    vx = -vx;
  }
  let reach = PADDLE_HALF_WIDTH + BALL_RADIUS;
  var reward = 0.0;
  var point = false;
  if (vy > 0.0 && y + BALL_RADIUS >= PADDLE_Y) {
    if (abs(x - paddle0) <= reach) {
      let v = pong_return(vx, vy, x - paddle0, false);
      vx = v.x;
      vy = v.y;
      y = 2.0 * (PADDLE_Y - BALL_RADIUS) - y;
    } else {
      point = true;
      reward = -1.0;
    }
  } else if (vy < 0.0 && y - BALL_RADIUS <= TOP_Y) {
    if (abs(x - paddle1) <= reach) {
      let v = pong_return(vx, vy, x - paddle1, true);
      vx = v.x;
      vy = v.y;
      y = 2.0 * (TOP_Y + BALL_RADIUS) - y;
    } else {
      point = true;
      reward = 1.0;
    }
  }
  *state = EnvState(x, y, vx, vy, paddle0, paddle1);
  return EnvStep(reward, point);
}

fn env_observe(state: ptr<function, EnvState>, player: u32) -> EnvObs {
  let s = *state;
  var bx = s[0];
  var by = s[1];
  var vx = s[2];
  var vy = s[3];
  var own = s[4];
  var other = s[5];
  if (player == 1u) {
    bx = 1.0 - s[0];
    by = 1.0 - s[1];
    vx = -s[2];
    vy = -s[3];
    own = 1.0 - s[5];
    other = 1.0 - s[4];
  }
  return EnvObs(2.0 * bx - 1.0, 2.0 * by - 1.0, vx / MAX_SPEED, vy / MAX_SPEED, 2.0 * own - 1.0, 2.0 * other - 1.0, 2.0 * (bx - own));
}
`;
