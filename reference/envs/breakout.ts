/**
 * MinAtar/Breakout-v1 in plain JavaScript: MinAtar's breakout.py Env.act/reset/state and the sticky actions of its
 * Environment.act, over the state layout of src/envs/builtins/breakout.wgsl.ts:
 *   [ball_y, ball_x, ball_dir, pos, last_y, last_x, strike, terminal, brick map (100, y * 10 + x), last_action].
 * Actions 0, 1, 2 are MinAtar's 'n', 'l', 'r'. The random draws are the engine's: reset takes one word (unit < 1/2
 * is choice(2) = 0), each step one word (unit < fround(p) repeats last_action). Every value is an integer, so the
 * GPU must match exactly. step() needs the step generator as the engine creates it (stream envStep | steps << 4,
 * index n, counter = episode index).
 */
import { rngHost, type HostRng } from '../../shaders/rng.js';
import { actionIndex, type ReferenceEnv, type ReferenceOutcome } from './types.js';

const BRICKS = 8;
const LAST_ACTION = 108;

function countBricks(state: ArrayLike<number>): number {
  let count = 0;
  for (let i = 0; i < 100; i++) if (state[BRICKS + i] !== 0) count++;
  return count;
}

function fillRows(state: Float64Array): void {
  for (let i = 10; i < 40; i++) state[BRICKS + i] = 1;
}

/** The reference with sticky-action probability p (MinAtar's Environment(sticky_action_prob=p)). */
export function breakoutReferenceWith(stickyActionProbability: number): ReferenceEnv {
  const p = Math.fround(stickyActionProbability);
  const ref: ReferenceEnv = {
    id: 'MinAtar/Breakout-v1',
    stateSize: 109,
    observationSize: 400,
    stepDraws: true,
    reset(rng: HostRng, state: Float64Array): void {
      // Env.reset, in its order; the brick map starts empty, then rows 1-3 are filled.
      state.fill(0);
      state[0] = 3;
      const ballStart = rngHost.unit(rng.next4()[0]) < 0.5 ? 0 : 1;
      const [x, dir] = ([[0, 2], [9, 3]] as const)[ballStart];
      state[1] = x;
      state[2] = dir;
      state[3] = 4;
      fillRows(state);
      state[6] = 0;
      state[5] = x;
      state[4] = 3;
      state[7] = 0;
      // Not MinAtar's: its wrapper keeps last_action across resets; here every episode starts from 0.
      state[LAST_ACTION] = 0;
    },
    step(state: Float64Array, action: number | ArrayLike<number>, out: ReferenceOutcome, rng?: HostRng): void {
      if (!rng) throw new Error('MinAtar/Breakout-v1 reference: step needs the step generator (rng)');
      // Environment.act: sticky action, then Env.act.
      let a = actionIndex(action);
      if (rngHost.unit(rng.next4()[0]) < p) a = state[LAST_ACTION]!;
      state[LAST_ACTION] = a;
      let r = 0;
      out.reward = 0;
      out.terminated = true;
      if (state[7] !== 0) return;
      let terminal = false;
      let pos = state[3]!;
      if (a === 1) pos = Math.max(0, pos - 1);
      else if (a === 2) pos = Math.min(9, pos + 1);
      const ball_x = state[1]!;
      const ball_y = state[0]!;
      let dir = state[2]!;
      const last_x = ball_x;
      const last_y = ball_y;
      let new_x = 0;
      let new_y = 0;
      if (dir === 0) {
        new_x = ball_x - 1;
        new_y = ball_y - 1;
      } else if (dir === 1) {
        new_x = ball_x + 1;
        new_y = ball_y - 1;
      } else if (dir === 2) {
        new_x = ball_x + 1;
        new_y = ball_y + 1;
      } else if (dir === 3) {
        new_x = ball_x - 1;
        new_y = ball_y + 1;
      } else {
        throw new Error(`MinAtar/Breakout-v1 reference: ball_dir ${dir} is not 0-3`);
      }
      let strike = state[6] !== 0;
      let strike_toggle = false;
      if (new_x < 0 || new_x > 9) {
        if (new_x < 0) new_x = 0;
        if (new_x > 9) new_x = 9;
        dir = [1, 0, 3, 2][dir]!;
      }
      if (new_y < 0) {
        new_y = 0;
        dir = [3, 2, 1, 0][dir]!;
      } else if (state[BRICKS + new_y * 10 + new_x] === 1) {
        strike_toggle = true;
        if (!strike) {
          r += 1;
          strike = true;
          state[BRICKS + new_y * 10 + new_x] = 0;
          new_y = last_y;
          dir = [3, 2, 1, 0][dir]!;
        }
      } else if (new_y === 9) {
        if (countBricks(state) === 0) fillRows(state);
        if (ball_x === pos) {
          dir = [3, 2, 1, 0][dir]!;
          new_y = last_y;
        } else if (new_x === pos) {
          dir = [2, 3, 0, 1][dir]!;
          new_y = last_y;
        } else {
          terminal = true;
        }
      }
      if (!strike_toggle) strike = false;
      state[0] = new_y;
      state[1] = new_x;
      state[2] = dir;
      state[3] = pos;
      state[4] = last_y;
      state[5] = last_x;
      state[6] = strike ? 1 : 0;
      state[7] = terminal ? 1 : 0;
      out.reward = r;
      out.terminated = terminal;
    },
    observe(state: ArrayLike<number>, obs: Float64Array | Float32Array): void {
      obs.fill(0);
      for (let i = 0; i < 100; i++) obs[i * 4 + 3] = state[BRICKS + i]!;
      obs[(9 * 10 + state[3]!) * 4 + 0] = 1;
      obs[(state[0]! * 10 + state[1]!) * 4 + 1] = 1;
      obs[(state[4]! * 10 + state[5]!) * 4 + 2] = 1;
    },
    terminal(state: ArrayLike<number>): boolean {
      return state[7] !== 0;
    },
  };
  return ref;
}

export const breakoutReference = breakoutReferenceWith(0.1);
