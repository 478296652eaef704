/**
 * Snake-v0: the snake game of the demos, a grid observation and an action mask. Its rules run as a batched GPU
 * environment (defineGpuEnv), so the trainer steps thousands of boards inside its fused rollout, and the page
 * plays the very same rules on one board.
 *
 * The board is SIZE x SIZE cells, y down. Each step the head moves one cell (0 up, 1 right, 2 down, 3 left); the
 * tail follows unless the head reaches the food, which makes the snake one longer (+1) and puts new food on an
 * empty cell drawn uniformly. Leaving the board or running into the body ends the game (-1, terminated); so does
 * going STARVE_STEPS steps without food (-1) and filling the board (+1 for the last food). Reversing into the neck
 * is masked: the mask allows every move except the opposite of the last one (all four while the snake is one cell).
 *
 * The body is an age map: every cell holds the steps it stays occupied (the head: the snake's length; 0: empty).
 * A step without food lowers every age by one (the tail cell empties) before the collision test, so the head may
 * move into the cell the tail leaves.
 *
 * State (7 + SIZE² floats, all integers): [head_y, head_x, dir, length, food_y, food_x, hunger, then the ages
 * row-major at 7 + y · SIZE + x]. Observation [SIZE, SIZE, 4] in (y, x, channel) order, 0/1: head, neck (the
 * cell the head came from), the rest of the body, food.
 */
import { defineGpuEnv, getEnvDefinition, listEnvs, type GpuEnvDefinition } from '../../../src/index.js';

export const SNAKE_ID = 'Snake-v0';
export const SIZE = 8;
export const CELLS = SIZE * SIZE;
export const CHANNELS = 4;
/** Steps without food after which the snake starves. */
export const STARVE_STEPS = 2 * CELLS;
export const MAX_EPISODE_STEPS = 2000;
/** State components before the age map. */
export const HEADER = 7;
/** Row and column steps of the moves 0 up, 1 right, 2 down, 3 left. */
export const MOVE_DY = [-1, 0, 1, 0] as const;
export const MOVE_DX = [0, 1, 0, -1] as const;

const wgsl = /* wgsl */ `
const SIZE: i32 = ${SIZE};
const CELLS: u32 = ${CELLS}u;
const HEADER: u32 = ${HEADER}u;
const STARVE_STEPS: f32 = ${STARVE_STEPS}.0;
const MOVE_DY = array<i32, 4>(-1, 0, 1, 0);
const MOVE_DX = array<i32, 4>(0, 1, 0, -1);

// Puts the food on the k-th empty cell for one uniform draw (k < the number of empty cells); false when none is empty.
fn place_food(state: ptr<function, EnvState>, rng: ptr<function, Rng>) -> bool {
  var empty = 0u;
  for (var c = 0u; c < CELLS; c++) { if ((*state)[HEADER + c] == 0.0) { empty += 1u; } }
  if (empty == 0u) { return false; }
  let k = min(u32(floor(rng_uniform(rng, 0.0, f32(empty)))), empty - 1u);
  var seen = 0u;
  for (var c = 0u; c < CELLS; c++) {
    if ((*state)[HEADER + c] == 0.0) {
      if (seen == k) {
        (*state)[4] = f32(c / u32(SIZE));
        (*state)[5] = f32(c % u32(SIZE));
      }
      seen += 1u;
    }
  }
  return true;
}

fn env_reset(rng: ptr<function, Rng>) -> EnvState {
  var state: EnvState;
  let head = min(u32(floor(rng_uniform(rng, 0.0, f32(CELLS)))), CELLS - 1u);
  state[0] = f32(head / u32(SIZE));
  state[1] = f32(head % u32(SIZE));
  state[2] = min(floor(rng_uniform(rng, 0.0, 4.0)), 3.0);
  state[3] = 1.0;
  state[HEADER + head] = 1.0;
  place_food(&state, rng);
  return state;
}

fn env_step(state: ptr<function, EnvState>, action: EnvAction, rng: ptr<function, Rng>) -> EnvStep {
  let y = i32((*state)[0]) + MOVE_DY[action];
  let x = i32((*state)[1]) + MOVE_DX[action];
  (*state)[2] = f32(action);
  if (y < 0 || y >= SIZE || x < 0 || x >= SIZE) { return EnvStep(-1.0, true); }
  let cell = HEADER + u32(y * SIZE + x);
  let eats = f32(y) == (*state)[4] && f32(x) == (*state)[5];
  if (!eats) {
    for (var c = 0u; c < CELLS; c++) { (*state)[HEADER + c] = max((*state)[HEADER + c] - 1.0, 0.0); }
  }
  if ((*state)[cell] > 0.0) { return EnvStep(-1.0, true); }
  if (eats) { (*state)[3] += 1.0; }
  (*state)[cell] = (*state)[3];
  (*state)[0] = f32(y);
  (*state)[1] = f32(x);
  if (eats) {
    (*state)[6] = 0.0;
    let placed = place_food(state, rng);
    return EnvStep(1.0, !placed);
  }
  (*state)[6] += 1.0;
  if ((*state)[6] >= STARVE_STEPS) { return EnvStep(-1.0, true); }
  return EnvStep(0.0, false);
}

fn env_observe(state: ptr<function, EnvState>) -> EnvObs {
  var obs: EnvObs;
  let head = u32((*state)[0]) * u32(SIZE) + u32((*state)[1]);
  for (var c = 0u; c < CELLS; c++) { if ((*state)[HEADER + c] > 0.0 && c != head) { obs[c * 4u + 2u] = 1.0; } }
  if ((*state)[3] > 1.0) {
    let d = u32((*state)[2]);
    let neck = u32(i32((*state)[0]) - MOVE_DY[d]) * u32(SIZE) + u32(i32((*state)[1]) - MOVE_DX[d]);
    obs[neck * 4u + 2u] = 0.0;
    obs[neck * 4u + 1u] = 1.0;
  }
  obs[head * 4u] = 1.0;
  obs[(u32((*state)[4]) * u32(SIZE) + u32((*state)[5])) * 4u + 3u] = 1.0;
  return obs;
}

fn env_action_mask(state: ptr<function, EnvState>) -> EnvActionMask {
  var mask = EnvActionMask(1.0, 1.0, 1.0, 1.0);
  if ((*state)[3] > 1.0) { mask[(u32((*state)[2]) + 2u) % 4u] = 0.0; }
  return mask;
}
`;

/** Registers Snake-v0 (once per page or process) and returns its definition. */
export function defineSnake(): GpuEnvDefinition {
  if (listEnvs().some((env) => env.id === SNAKE_ID)) return getEnvDefinition(SNAKE_ID) as GpuEnvDefinition;
  return defineGpuEnv({
    id: SNAKE_ID,
    observationSize: CELLS * CHANNELS,
    observationShape: [SIZE, SIZE, CHANNELS],
    action: { type: 'discrete', n: 4 },
    actionMask: true,
    stateSize: HEADER + CELLS,
    stateNames: ['head_y', 'head_x', 'dir', 'length', 'food_y', 'food_x', 'hunger', ...Array.from({ length: CELLS }, (_, c) => `age_${Math.floor(c / SIZE)}_${c % SIZE}`)],
    maxEpisodeSteps: MAX_EPISODE_STEPS,
    rewardThreshold: null,
    wgsl,
  });
}

/** The board back out of an observation row (for drawing): head, neck, body cells and food as [y, x]. */
export function boardFromObservation(obs: ArrayLike<number>, offset = 0): { head: [number, number] | null; neck: [number, number] | null; body: [number, number][]; food: [number, number] | null } {
  const board = { head: null as [number, number] | null, neck: null as [number, number] | null, body: [] as [number, number][], food: null as [number, number] | null };
  for (let c = 0; c < CELLS; c++) {
    const at: [number, number] = [Math.floor(c / SIZE), c % SIZE];
    const base = offset + c * CHANNELS;
    if (obs[base] === 1) board.head = at;
    if (obs[base + 1] === 1) board.neck = at;
    if (obs[base + 2] === 1) board.body.push(at);
    if (obs[base + 3] === 1) board.food = at;
  }
  return board;
}
