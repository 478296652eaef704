/**
 * Catch-v0: the plain-JavaScript game of game.ts as a training environment, through defineJsEnv — the path for
 * an existing web game. The adapter keeps one CatchGame per environment of the batch and translates:
 *
 *   observation (all of order 1): [fruit x, fruit y, fruit drift, basket x, fruit x - basket x, fruits left],
 *     positions scaled to [-1, 1] across the field;
 *   action: Discrete(3), 0 left, 1 stay, 2 right (the game's input - 1);
 *   reward: +1 caught, -1 missed, 0 otherwise; the episode is one round (terminated when it is over).
 *
 * Every game draws from its own seeded generator (the batch's seed and its index), so runs repeat.
 */
import { defineJsEnv, getEnvDefinition, listEnvs, type JsEnvBatch, type JsEnvDefinition } from '../../../src/index.js';
import { CatchGame, FIELD_HEIGHT, FIELD_WIDTH, FRUIT_MAX_DRIFT, FRUITS_PER_ROUND, type Input } from './game.js';

export const CATCH_ID = 'Catch-v0';
export const CATCH_OBSERVATION_SIZE = 6;

/** mulberry32: a small seeded generator of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes a game's observation into obs at row `row`. */
export function observeCatch(game: CatchGame, obs: Float32Array, row: number): void {
  const o = row * CATCH_OBSERVATION_SIZE;
  obs[o] = (2 * game.fruitX) / FIELD_WIDTH - 1;
  obs[o + 1] = (2 * game.fruitY) / FIELD_HEIGHT - 1;
  obs[o + 2] = game.fruitDrift / FRUIT_MAX_DRIFT;
  obs[o + 3] = (2 * game.basketX) / FIELD_WIDTH - 1;
  obs[o + 4] = (2 * (game.fruitX - game.basketX)) / FIELD_WIDTH;
  obs[o + 5] = game.fruitsLeft / FRUITS_PER_ROUND;
}

class CatchBatch implements JsEnvBatch {
  readonly games: CatchGame[];

  constructor(numEnvs: number, seed: number) {
    this.games = Array.from({ length: numEnvs }, (_, n) => new CatchGame(seededRandom(Math.imul(seed + 1, 0x9e3779b1) ^ n)));
  }

  reset(obs: Float32Array, mask?: Uint8Array): void {
    this.games.forEach((game, n) => {
      if (mask && !mask[n]) return;
      game.newRound();
      observeCatch(game, obs, n);
    });
  }

  step(actions: Int32Array | Float32Array, out: { obs: Float32Array; reward: Float32Array; terminated: Uint8Array }): void {
    this.games.forEach((game, n) => {
      const event = game.update((actions[n]! - 1) as Input);
      out.reward[n] = event === 'caught' ? 1 : event === 'missed' ? -1 : 0;
      out.terminated[n] = game.roundOver ? 1 : 0;
      observeCatch(game, out.obs, n);
    });
  }
}

/** Registers Catch-v0 (once per page or process) and returns its definition. */
export function defineCatch(): JsEnvDefinition {
  if (listEnvs().some((env) => env.id === CATCH_ID)) return getEnvDefinition(CATCH_ID) as JsEnvDefinition;
  return defineJsEnv({
    id: CATCH_ID,
    observationSize: CATCH_OBSERVATION_SIZE,
    action: { type: 'discrete', n: 3 },
    maxEpisodeSteps: 500,
    rewardThreshold: 4.5,
    create: ({ numEnvs, seed }) => new CatchBatch(numEnvs, seed),
  });
}
