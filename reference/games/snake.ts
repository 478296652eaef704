/**
 * Snake-v0 (demos/games/snake/rules.ts) in float64: the rules transcribed from the WGSL, one board in place, with
 * the engine's generators for the draws (reset: head cell, direction, food; step: food after eating). Every value
 * is an integer, so a test compares the GPU's states, observations, rewards and masks for exact equality.
 */
import type { HostRng } from '../../shaders/rng.js';
import { CELLS, CHANNELS, HEADER, MOVE_DX, MOVE_DY, SIZE, STARVE_STEPS } from '../../demos/games/snake/rules.js';

export interface SnakeOutcome {
  reward: number;
  terminated: boolean;
}

/** The k-th empty cell for one uniform draw (false when none is empty), as the WGSL's place_food. */
function placeFood(state: Float64Array, rng: HostRng): boolean {
  const empty: number[] = [];
  for (let c = 0; c < CELLS; c++) if (state[HEADER + c] === 0) empty.push(c);
  if (empty.length === 0) return false;
  const k = Math.min(Math.floor(rng.uniform(0, empty.length)), empty.length - 1);
  state[4] = Math.floor(empty[k]! / SIZE);
  state[5] = empty[k]! % SIZE;
  return true;
}

export const snakeReference = {
  stateSize: HEADER + CELLS,
  observationSize: CELLS * CHANNELS,

  reset(rng: HostRng, state: Float64Array): void {
    state.fill(0);
    const head = Math.min(Math.floor(rng.uniform(0, CELLS)), CELLS - 1);
    state[0] = Math.floor(head / SIZE);
    state[1] = head % SIZE;
    state[2] = Math.min(Math.floor(rng.uniform(0, 4)), 3);
    state[3] = 1;
    state[HEADER + head] = 1;
    placeFood(state, rng);
  },

  step(state: Float64Array, action: number, out: SnakeOutcome, rng: HostRng): void {
    const y = state[0]! + MOVE_DY[action]!;
    const x = state[1]! + MOVE_DX[action]!;
    state[2] = action;
    out.reward = -1;
    out.terminated = true;
    if (y < 0 || y >= SIZE || x < 0 || x >= SIZE) return;
    const cell = HEADER + y * SIZE + x;
    const eats = y === state[4] && x === state[5];
    if (!eats) for (let c = 0; c < CELLS; c++) state[HEADER + c] = Math.max(state[HEADER + c]! - 1, 0);
    if (state[cell]! > 0) return;
    if (eats) state[3] = state[3]! + 1;
    state[cell] = state[3]!;
    state[0] = y;
    state[1] = x;
    if (eats) {
      state[6] = 0;
      out.reward = 1;
      out.terminated = !placeFood(state, rng);
      return;
    }
    state[6] = state[6]! + 1;
    out.reward = state[6]! >= STARVE_STEPS ? -1 : 0;
    out.terminated = state[6]! >= STARVE_STEPS;
  },

  observe(state: ArrayLike<number>, obs: Float64Array | Float32Array): void {
    obs.fill(0);
    const head = state[0]! * SIZE + state[1]!;
    for (let c = 0; c < CELLS; c++) if (state[HEADER + c]! > 0 && c !== head) obs[c * CHANNELS + 2] = 1;
    if (state[3]! > 1) {
      const d = state[2]!;
      const neck = (state[0]! - MOVE_DY[d]!) * SIZE + (state[1]! - MOVE_DX[d]!);
      obs[neck * CHANNELS + 2] = 0;
      obs[neck * CHANNELS + 1] = 1;
    }
    obs[head * CHANNELS] = 1;
    obs[(state[4]! * SIZE + state[5]!) * CHANNELS + 3] = 1;
  },

  /** Every move but the reversal into the neck (all four while the snake is one cell). */
  mask(state: ArrayLike<number>): number[] {
    const mask = [1, 1, 1, 1];
    if (state[3]! > 1) mask[(state[2]! + 2) % 4] = 0;
    return mask;
  },
};
