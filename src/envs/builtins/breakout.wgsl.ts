/**
 * MinAtar/Breakout-v1 as a GPU environment (MinAtar, environments/breakout.py, with the sticky actions of its
 * environment.py wrapper): a 10x10 grid, a paddle on row 9, three rows of bricks (rows 1-3) and a ball that moves
 * one cell diagonally per step. Actions 0, 1, 2 are MinAtar's minimal set n, l, r (no-op, paddle left, right).
 *
 * State (108 + 1 floats, every value an integer):
 *   [0] ball_y  [1] ball_x  [2] ball_dir (0 up-left, 1 up-right, 2 down-right, 3 down-left)  [3] pos (paddle x)
 *   [4] last_y  [5] last_x  [6] strike (0/1)  [7] terminal (0/1)  [8 + y*10 + x] brick map (0/1)
 *   [108] last_action (the action taken on the previous step; 0 after a reset: MinAtar's wrapper starts at 0 and
 *         keeps it across its resets, here each episode starts from 0 so that episodes depend only on their draws)
 * Observation: MinAtar's state(), 10x10x4 in (y, x, channel) order, channels paddle, ball, trail, brick, as 0/1.
 *
 * One step, in MinAtar's order:
 *   sticky: one draw u = rng_unit(word) in [0, 1); if u < p the action is replaced by last_action; last_action = a
 *   if terminal: reward 0, terminated (only reachable through setState: the engine resets ended episodes)
 *   paddle: l -> pos = max(0, pos - 1), r -> pos = min(9, pos + 1)
 *   (new_x, new_y) = ball + direction; last = ball
 *   new_x outside [0, 9]: clamp it, dir = [1, 0, 3, 2][dir] (dir ^ 1)
 *   new_y < 0: new_y = 0, dir = [3, 2, 1, 0][dir] (3 - dir)
 *   else a brick at (new_y, new_x): if not strike: reward 1, strike, brick removed, new_y = last_y, dir = 3 - dir
 *                                   (while strike is set the ball passes through a brick; strike stays set)
 *   else new_y == 9: refill rows 1-3 if no brick is left; then ball_x == pos: dir = 3 - dir, new_y = last_y;
 *                    else new_x == pos: dir = [2, 3, 0, 1][dir] (dir ^ 2), new_y = last_y; else terminal
 *   strike cleared unless the ball met a brick this step; ball = (new_y, new_x)
 * Reset: one draw u; u < 1/2 (MinAtar's choice(2) = 0) puts the ball at (3, 0) heading down-right (2), otherwise at
 * (3, 9) heading down-left (3); paddle at 4, bricks in rows 1-3, strike and terminal 0, trail at the ball.
 * States are expected within the game's ranges (ball_y 0-8 for a running game, coordinates 0-9, dir 0-3).
 * An environment module: compiled after the prelude of src/envs/compose.ts.
 */
import { f32Literal } from '../../../shaders/f32.js';

export const BREAKOUT_STATE_SIZE = 109;
export const BREAKOUT_OBS_SIZE = 400;

/** The environment's WGSL with the given sticky-action probability (validated by breakoutVariant). */
export function breakoutWgsl(stickyActionProbability: number): string {
  return /* wgsl */ `
// u < STICKY_PROB with u = k / 2^24 exact in f32: the comparison the reference makes with Math.fround(p); the
// probability is then ceil(2^24 fround(p)) / 2^24 (0 for p = 0).
const STICKY_PROB: f32 = ${f32Literal(stickyActionProbability)};
const BRICKS: u32 = 8u;
const LAST_ACTION: u32 = 108u;

fn breakout_brick_index(y: i32, x: i32) -> u32 {
  return BRICKS + u32(clamp(y, 0, 9) * 10 + clamp(x, 0, 9));
}

fn env_reset(rng: ptr<function, Rng>) -> EnvState {
  var state: EnvState;
  let right = rng_unit(rng_next4(rng).x) >= 0.5;
  let x = select(0.0, 9.0, right);
  state[0] = 3.0;
  state[1] = x;
  state[2] = select(2.0, 3.0, right);
  state[3] = 4.0;
  state[4] = 3.0;
  state[5] = x;
  for (var i = 10u; i < 40u; i += 1u) {
    state[BRICKS + i] = 1.0;
  }
  return state;
}

fn env_step(state: ptr<function, EnvState>, action: EnvAction, rng: ptr<function, Rng>) -> EnvStep {
  var a = action;
  if (rng_unit(rng_next4(rng).x) < STICKY_PROB) {
    a = u32((*state)[LAST_ACTION]);
  }
  (*state)[LAST_ACTION] = f32(a);
  if ((*state)[7] != 0.0) {
    return EnvStep(0.0, true);
  }
  var pos = i32((*state)[3]);
  if (a == 1u) {
    pos = max(0, pos - 1);
  } else if (a == 2u) {
    pos = min(9, pos + 1);
  }
  let ball_y = i32((*state)[0]);
  let ball_x = i32((*state)[1]);
  var dir = i32((*state)[2]);
  var new_x = ball_x + select(1, -1, dir == 0 || dir == 3);
  var new_y = ball_y + select(1, -1, dir <= 1);
  var reward = 0.0;
  var strike = (*state)[6] != 0.0;
  var terminal = false;
  var strike_toggle = false;
  if (new_x < 0 || new_x > 9) {
    new_x = clamp(new_x, 0, 9);
    dir = dir ^ 1;
  }
  if (new_y < 0) {
    new_y = 0;
    dir = 3 - dir;
  } else if (new_y <= 9 && (*state)[breakout_brick_index(new_y, new_x)] != 0.0) {
    strike_toggle = true;
    if (!strike) {
      reward += 1.0;
      strike = true;
      (*state)[breakout_brick_index(new_y, new_x)] = 0.0;
      new_y = ball_y;
      dir = 3 - dir;
    }
  } else if (new_y == 9) {
    var bricks = 0u;
    for (var i = 0u; i < 100u; i += 1u) {
      bricks += select(0u, 1u, (*state)[BRICKS + i] != 0.0);
    }
    if (bricks == 0u) {
      for (var i = 10u; i < 40u; i += 1u) {
        (*state)[BRICKS + i] = 1.0;
      }
    }
    if (ball_x == pos) {
      dir = 3 - dir;
      new_y = ball_y;
    } else if (new_x == pos) {
      dir = dir ^ 2;
      new_y = ball_y;
    } else {
      terminal = true;
    }
  }
  if (!strike_toggle) {
    strike = false;
  }
  (*state)[0] = f32(new_y);
  (*state)[1] = f32(new_x);
  (*state)[2] = f32(dir);
  (*state)[3] = f32(pos);
  (*state)[4] = f32(ball_y);
  (*state)[5] = f32(ball_x);
  (*state)[6] = select(0.0, 1.0, strike);
  (*state)[7] = select(0.0, 1.0, terminal);
  return EnvStep(reward, terminal);
}

// Cell (y, x), channel c at (y * 10 + x) * 4 + c; channels paddle 0, ball 1, trail 2, brick 3.
fn env_observe(state: ptr<function, EnvState>) -> EnvObs {
  var obs: EnvObs;
  for (var i = 0u; i < 100u; i += 1u) {
    obs[i * 4u + 3u] = (*state)[BRICKS + i];
  }
  obs[u32(9 * 10 + clamp(i32((*state)[3]), 0, 9)) * 4u] = 1.0;
  obs[(breakout_brick_index(i32((*state)[0]), i32((*state)[1])) - BRICKS) * 4u + 1u] = 1.0;
  obs[(breakout_brick_index(i32((*state)[4]), i32((*state)[5])) - BRICKS) * 4u + 2u] = 1.0;
  return obs;
}
`;
}
