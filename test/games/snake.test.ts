/**
 * Snake-v0 (the demos' snake game, rules in WGSL with an action mask) against its float64 reference
 * (reference/games/snake.ts), step for step with the same random draws: states, observations, rewards, flags and
 * masks are integers and compared for exact equality. From random boards (long snakes, food anywhere, hunger near
 * starving) under random actions (reversals included, which the mask forbids to a policy but a VecEnv user may
 * send), through the engine's auto-reset; crafted edges: the wall, the body, the tail cell just left, the last
 * empty cell filled, starving; reset draws and the registration.
 */
import { describe, expect } from 'vitest';
import { RngStream, rngHost } from '../../shaders/rng.js';
import { createEnv, GpuVecEnv, listEnvs } from '../../src/index.js';
import { readBuffer } from '../../src/gpu/readback.js';
import type { Gpu } from '../../src/gpu/device.js';
import { CELLS, defineSnake, HEADER, MOVE_DX, MOVE_DY, SIZE, SNAKE_ID, STARVE_STEPS } from '../../demos/games/snake/rules.js';
import { snakeReference, type SnakeOutcome } from '../../reference/games/snake.js';
import { gpuTest } from '../helpers/gpu.js';
import { seededRandom } from '../helpers/random.js';

const S = snakeReference.stateSize;
const O = snakeReference.observationSize;
const SEED = 11;

defineSnake();

/** A board: the snake as its cells from the head back, the food, the hunger. Its direction points from neck to head. */
function board(cells: [number, number][], food: [number, number], hunger = 0, dir?: number): number[] {
  const s = new Array<number>(S).fill(0);
  const [hy, hx] = cells[0]!;
  s[0] = hy;
  s[1] = hx;
  if (cells.length > 1) {
    const [ny, nx] = cells[1]!;
    s[2] = MOVE_DY.findIndex((dy, d) => dy === hy - ny && MOVE_DX[d] === hx - nx);
  } else s[2] = dir ?? 0;
  s[3] = cells.length;
  s[4] = food[0];
  s[5] = food[1];
  s[6] = hunger;
  cells.forEach(([y, x], k) => (s[HEADER + y * SIZE + x] = cells.length - k));
  return s;
}

/** A random snake walked from a random head (self-avoiding, up to `length` cells), food on an empty cell. */
function randomBoard(random: () => number, length: number): number[] {
  const int = (n: number) => Math.floor(random() * n);
  const cells: [number, number][] = [[int(SIZE), int(SIZE)]];
  const used = new Set([cells[0]![0] * SIZE + cells[0]![1]]);
  while (cells.length < length) {
    const [y, x] = cells[cells.length - 1]!;
    const options = [0, 1, 2, 3].map((d) => [y + MOVE_DY[d]!, x + MOVE_DX[d]!] as [number, number]).filter(([a, b]) => a >= 0 && a < SIZE && b >= 0 && b < SIZE && !used.has(a * SIZE + b));
    if (options.length === 0) break;
    const next = options[int(options.length)]!;
    cells.push(next);
    used.add(next[0] * SIZE + next[1]);
  }
  const empty = Array.from({ length: CELLS }, (_, c) => c).filter((c) => !used.has(c));
  const food = empty.length ? empty[int(empty.length)]! : cells[0]![0] * SIZE + cells[0]![1];
  return board(cells, [Math.floor(food / SIZE), food % SIZE], random() < 0.2 ? STARVE_STEPS - 1 - int(3) : int(20), int(4));
}

function referenceReset(index: number, episode: number): Float64Array {
  const state = new Float64Array(S);
  snakeReference.reset(rngHost.create(SEED, RngStream.envReset, index, episode), state);
  return state;
}

/**
 * Steps the boards `steps` times under `actions`, mirroring each environment in the reference (and its reset after
 * an episode ends); compares rewards, flags, states, observations and masks exactly. Returns what happened.
 */
async function lockstep(gpu: Gpu, list: number[][], steps: number, actions: (n: number, t: number) => number): Promise<{ food: number; deaths: number; starved: number; reversals: number }> {
  const N = list.length;
  const env = await GpuVecEnv.create(gpu, defineSnake(), { numEnvs: N, seed: SEED });
  const totals = { food: 0, deaths: 0, starved: 0, reversals: 0 };
  try {
    await env.setState(Float32Array.from(list.flat()));
    const mirror = list.map((s) => Float64Array.from(s));
    const outcome: SnakeOutcome = { reward: 0, terminated: false };
    const obs = new Float64Array(O);
    for (let t = 0; t < steps; t++) {
      const stepCount = new Uint32Array(await readBuffer(gpu, env.buffers.episodeSteps));
      const episode = new Uint32Array(await readBuffer(gpu, env.buffers.episodeIndex));
      const chosen = Int32Array.from({ length: N }, (_, n) => actions(n, t));
      const result = await env.step(chosen);
      const after = await env.getState();
      for (let n = 0; n < N; n++) {
        const s = mirror[n]!;
        const before = Array.from(s.subarray(0, HEADER));
        if (snakeReference.mask(s)[chosen[n]!] === 0) totals.reversals++;
        snakeReference.step(s, chosen[n]!, outcome, rngHost.create(SEED, RngStream.envStep | (stepCount[n]! << 4), n, episode[n]!));
        const what = `step ${t}, environment ${n}, action ${chosen[n]} from [${before}]`;
        // + 0: the sign of a zero reward is not part of the game (the adapter may return -0).
        expect(result.reward[n]! + 0, `${what}: reward`).toBe(outcome.reward + 0);
        expect(result.terminated[n], `${what}: terminated`).toBe(outcome.terminated ? 1 : 0);
        if (outcome.reward === 1) totals.food++;
        if (outcome.terminated && outcome.reward === -1) {
          totals.deaths++;
          if (s[6] === STARVE_STEPS) totals.starved++;
        }
        if (!outcome.terminated) {
          snakeReference.observe(s, obs);
          expect(Array.from(result.finalObs.subarray(n * O, (n + 1) * O)), `${what}: final observation`).toEqual(Array.from(obs));
        }
        if (outcome.terminated || result.truncated[n]) s.set(referenceReset(n, episode[n]!));
        expect(Array.from(after.subarray(n * S, (n + 1) * S)), `${what}: state after the step`).toEqual(Array.from(s));
        snakeReference.observe(s, obs);
        expect(Array.from(result.obs.subarray(n * O, (n + 1) * O)), `${what}: observation`).toEqual(Array.from(obs));
        expect(Array.from(env.lastActionMask!.subarray(4 * n, 4 * n + 4)), `${what}: mask`).toEqual(snakeReference.mask(s));
      }
    }
    return totals;
  } finally {
    env.destroy();
  }
}

describe('Snake-v0 (demos/games/snake)', () => {
  gpuTest('is registered once, with its grid, mask and state layout; resets draw as the reference', async (gpu) => {
    const again = defineSnake();
    expect(listEnvs().filter((e) => e.id === SNAKE_ID)).toHaveLength(1);
    expect(again).toMatchObject({ observationSize: CELLS * 4, observationShape: [SIZE, SIZE, 4], action: { type: 'discrete', n: 4 }, actionMask: true, stateSize: S });
    const env = await createEnv(SNAKE_ID, { numEnvs: 40, seed: SEED, gpu });
    try {
      const obs = await env.reset();
      const state = await env.getState();
      for (let n = 0; n < 40; n++) {
        const expected = referenceReset(n, 0);
        expect(Array.from(state.subarray(n * S, (n + 1) * S)), `reset of environment ${n}`).toEqual(Array.from(expected));
        const o = new Float64Array(O);
        snakeReference.observe(expected, o);
        expect(Array.from(obs.subarray(n * O, (n + 1) * O))).toEqual(Array.from(o));
      }
      expect(Array.from(env.lastActionMask!)).toEqual(new Array(160).fill(1));
    } finally {
      env.destroy();
    }
  });

  gpuTest('random boards under random moves, step for step with the reference through deaths, food and resets', async (gpu) => {
    const random = seededRandom(3);
    const list = Array.from({ length: 48 }, (_, n) => randomBoard(random, [1, 2, 3, 8, 20, 40][n % 6]!));
    const totals = await lockstep(gpu, list, 30, () => Math.floor(random() * 4));
    expect(totals.food, 'food eaten').toBeGreaterThan(0);
    expect(totals.deaths, 'deaths').toBeGreaterThan(5);
    expect(totals.starved, 'starved').toBeGreaterThan(0);
    expect(totals.reversals, 'reversals sent (masked for a policy)').toBeGreaterThan(0);
  });

  gpuTest('crafted edges: the wall, the body, the tail cell just left, the last empty cell, the neck', async (gpu) => {
    // 0: head at the top edge moving up; 1: a turn into the body; 2: chasing its own tail (the tail leaves the
    // cell); 3: eating the food on the last empty cell ends the game won; 4: length 2 reversing into its neck,
    // which the tail leaves (a legal move, though masked for a policy).
    const full: [number, number][] = [];
    for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) full.push([y, y % 2 === 0 ? x : SIZE - 1 - x]);
    const boards = [
      board([[0, 3], [1, 3]], [5, 5]),
      board([[2, 2], [2, 3], [3, 3], [3, 2], [3, 1]], [7, 7]),
      board([[2, 2], [2, 3], [3, 3], [3, 2]], [7, 7]),
      board(full.slice(0, CELLS - 1).reverse(), full[CELLS - 1]!),
      board([[4, 4], [4, 5]], [0, 0]),
    ];
    const moves = [0, 2, 2, 0, 1];
    // Board 3's head is at full[62]; the last cell full[63] is next to it.
    const [hy, hx] = full[CELLS - 2]!;
    const [fy, fx] = full[CELLS - 1]!;
    moves[3] = MOVE_DY.findIndex((dy, d) => dy === fy - hy && MOVE_DX[d] === fx - hx);
    const outcomes: SnakeOutcome[] = boards.map((b, n) => {
      const s = Float64Array.from(b);
      const out: SnakeOutcome = { reward: 0, terminated: false };
      snakeReference.step(s, moves[n]!, out, rngHost.create(SEED, RngStream.envStep, n, 0));
      return out;
    });
    expect(outcomes.map((o) => [o.reward, o.terminated])).toEqual([
      [-1, true],
      [-1, true],
      [0, false],
      [1, true],
      [0, false],
    ]);
    await lockstep(gpu, boards, 1, (n) => moves[n]!);
  });
});
