/**
 * Squash-v0 (the demos' arcade game, rules in WGSL) against its float64 reference (reference/games/squash.ts):
 * one step from thousands of random states, the return and miss rules at the paddle's centre and edges, reset
 * draws bit for bit, the time limit, and whole rallies step for step through the engine's auto-reset.
 *
 * Tolerance atol 1e-6 + rtol 1e-5 per step from the same f32 state: a step is a handful of f32 operations (one
 * sqrt and two divisions on a return) on values of order 0.01-1. Where moving one input component by 1e-5 of its
 * size changes which branches the reference takes (a wall, the ceiling, a return or a miss), float32 rounding
 * may legitimately take the other branch: those few states are counted, not compared.
 */
import { describe, expect } from 'vitest';
import { RngStream, rngHost } from '../../shaders/rng.js';
import { createEnv, GpuVecEnv, listEnvs } from '../../src/index.js';
import { readBuffer } from '../../src/gpu/readback.js';
import {
  BALL_RADIUS,
  defineSquash,
  MAX_BOUNCE_SLOPE,
  MAX_RALLY_STEPS,
  MAX_SPEED,
  PADDLE_HALF_WIDTH,
  PADDLE_Y,
  SPEEDUP,
  SQUASH_ID,
} from '../../demos/games/squash/rules.js';
import { Event, squashReference, type SquashOutcome } from '../../reference/games/squash.js';
import { gpuTest } from '../helpers/gpu.js';
import { expectClose, seededRandom, type Tolerance } from '../helpers/random.js';

const TOLERANCE: Tolerance = { atol: 1e-6, rtol: 1e-5 };
const S = squashReference.stateSize;
const O = squashReference.observationSize;

defineSquash();

/** The reference's step from an f32 state: next state, observation and outcome. */
function referenceStep(state: ArrayLike<number>, action: number): { next: Float64Array; obs: Float64Array; outcome: SquashOutcome } {
  const next = Float64Array.from(state);
  const outcome: SquashOutcome = { reward: 0, terminated: false, events: 0 };
  squashReference.step(next, action, outcome);
  const obs = new Float64Array(O);
  squashReference.observe(next, obs);
  return { next, obs, outcome };
}

/** True when moving any one component of `state` by 1e-5 of its size (at least 1e-7) changes the branches taken. */
function nearBranch(state: ArrayLike<number>, action: number): boolean {
  const events = referenceStep(state, action).outcome.events;
  for (let k = 0; k < S; k++) {
    for (const sign of [-1, 1]) {
      const probe = Float64Array.from(state);
      probe[k] = probe[k]! + sign * Math.max(1e-5 * Math.abs(probe[k]!), 1e-7);
      if (referenceStep(probe, action).outcome.events !== events) return true;
    }
  }
  return false;
}

function referenceReset(seed: number, index: number, episode: number): Float32Array {
  const state = new Float64Array(S);
  squashReference.reset(rngHost.create(seed, RngStream.envReset, index, episode), state);
  return Float32Array.from(state);
}

/** A state anywhere on the court, half of them within one step of the paddle's line. */
function randomState(random: () => number): number[] {
  const nearLine = random() < 0.5;
  const y = nearLine ? PADDLE_Y - BALL_RADIUS - MAX_SPEED * random() : random() * (PADDLE_Y - BALL_RADIUS);
  const speed = MAX_SPEED * (0.3 + 0.7 * random());
  const angle = (random() * 2 - 1) * Math.PI;
  return [random(), y, speed * Math.cos(angle), speed * Math.sin(angle), PADDLE_HALF_WIDTH + random() * (1 - 2 * PADDLE_HALF_WIDTH)];
}

describe('Squash-v0 (demos/games/squash)', () => {
  gpuTest('is registered once, with its spaces, state layout and rally limit', async (gpu) => {
    const again = defineSquash();
    expect(listEnvs().filter((e) => e.id === SQUASH_ID)).toHaveLength(1);
    expect(again).toMatchObject({ id: SQUASH_ID, observationSize: 6, action: { type: 'discrete', n: 3 }, stateSize: 5, maxEpisodeSteps: MAX_RALLY_STEPS });
    const env = await createEnv(SQUASH_ID, { numEnvs: 2, seed: 1, gpu });
    expect(env).toBeInstanceOf(GpuVecEnv);
    env.destroy();
  });

  gpuTest('one step matches the float64 reference from 4096 random states and actions', async (gpu) => {
    const random = seededRandom(2024);
    const N = 4096;
    const states = Float32Array.from(Array.from({ length: N }, () => randomState(random)).flat());
    const actions = Int32Array.from({ length: N }, () => Math.floor(random() * 3));
    const env = (await createEnv(SQUASH_ID, { numEnvs: N, seed: 3, gpu })) as GpuVecEnv;
    await env.setState(states);
    const result = await env.step(actions);
    const after = await env.getState();
    env.destroy();

    const counts = { ambiguous: 0, returned: 0, missed: 0, walls: 0, ceiling: 0 };
    const got: number[] = [];
    const want: number[] = [];
    for (let n = 0; n < N; n++) {
      const state = states.subarray(n * S, (n + 1) * S);
      const action = actions[n]!;
      if (nearBranch(state, action)) {
        counts.ambiguous += 1;
        continue;
      }
      const { next, obs, outcome } = referenceStep(state, action);
      const what = `court ${n} from [${Array.from(state)}] action ${action}`;
      if (outcome.events & Event.returned) counts.returned += 1;
      if (outcome.events & Event.missed) counts.missed += 1;
      if (outcome.events & (Event.leftWall | Event.rightWall)) counts.walls += 1;
      if (outcome.events & Event.ceiling) counts.ceiling += 1;
      expect(result.terminated[n], `${what}: terminated`).toBe(outcome.terminated ? 1 : 0);
      expect(result.truncated[n], `${what}: truncated`).toBe(0);
      expect(result.reward[n], `${what}: reward`).toBe(outcome.reward);
      got.push(...result.finalObs.subarray(n * O, (n + 1) * O));
      want.push(...obs);
      if (!outcome.terminated) {
        got.push(...after.subarray(n * S, (n + 1) * S));
        want.push(...next);
        expect(Array.from(result.obs.subarray(n * O, (n + 1) * O)), `${what}: obs = finalObs`).toEqual(Array.from(result.finalObs.subarray(n * O, (n + 1) * O)));
      } else {
        expect(Array.from(after.subarray(n * S, (n + 1) * S)), `${what}: auto-reset`).toEqual(Array.from(referenceReset(3, n, 0)));
      }
    }
    expectClose(got, want, TOLERANCE, 'next states and final observations');
    // The random states exercise every rule, and only a few sit within rounding of a branch.
    for (const [rule, count] of Object.entries({ returned: counts.returned, missed: counts.missed, walls: counts.walls, ceiling: counts.ceiling })) {
      expect(count, `states whose step takes the '${rule}' branch`).toBeGreaterThan(N / 100);
    }
    expect(counts.ambiguous, 'states within rounding of a branch').toBeLessThan(N / 100);
  });

  gpuTest('returns at the centre and the edges of the paddle, misses just beyond them', async (gpu) => {
    const reach = PADDLE_HALF_WIDTH + BALL_RADIUS;
    const paddle = 0.5;
    const vy = 0.02;
    // The ball's centre reaches the line (y + r >= PADDLE_Y) this step; action 1 keeps the paddle still.
    const y = PADDLE_Y - BALL_RADIUS - vy / 2;
    const offsets = [0, 0.5 * reach, -0.5 * reach, 0.999 * reach, -0.999 * reach, 1.01 * reach, -1.01 * reach, 1.5 * reach];
    const states = Float32Array.from(offsets.flatMap((offset) => [paddle + offset, y, 0, vy, paddle]));
    const env = (await createEnv(SQUASH_ID, { numEnvs: offsets.length, seed: 5, gpu })) as GpuVecEnv;
    await env.setState(states);
    const result = await env.step(new Int32Array(offsets.length).fill(1));
    const after = await env.getState();
    env.destroy();
    offsets.forEach((offset, n) => {
      const inReach = Math.abs(offset) <= reach;
      const what = `offset ${offset / reach} of the reach`;
      expect(result.reward[n], `${what}: reward`).toBe(inReach ? 1 : -1);
      expect(result.terminated[n], `${what}: terminated`).toBe(inReach ? 0 : 1);
      if (!inReach) return;
      const [, ny, nvx, nvy] = after.subarray(n * S, (n + 1) * S);
      const speed = Math.min(vy * SPEEDUP, MAX_SPEED);
      const slope = (MAX_BOUNCE_SLOPE * (Math.fround(states[n * S]!) - paddle)) / reach;
      expect(nvy!, `${what}: goes back up`).toBeLessThan(0);
      expect(Math.hypot(nvx!, nvy!), `${what}: ${SPEEDUP}x faster`).toBeCloseTo(speed, 6);
      expect(nvx! / -nvy!, `${what}: sideways slope`).toBeCloseTo(slope, 4);
      expect(ny! + BALL_RADIUS, `${what}: above the line again`).toBeLessThan(PADDLE_Y);
    });
  });

  gpuTest('reset draws the first states from the counter-based generator, bit for bit', async (gpu) => {
    const N = 200;
    const seed = 987654321;
    const env = (await createEnv(SQUASH_ID, { numEnvs: N, seed, gpu })) as GpuVecEnv;
    for (const episode of [0, 1]) {
      const obs = await env.reset();
      const state = await env.getState();
      const want = new Float32Array(N * S);
      const wantObs = new Float64Array(N * O);
      for (let n = 0; n < N; n++) {
        const first = referenceReset(seed, n, episode);
        want.set(first, n * S);
        squashReference.observe(first, wantObs.subarray(n * O));
      }
      expect(Array.from(state), `episode ${episode}: reset states`).toEqual(Array.from(want));
      expectClose(obs, wantObs, TOLERANCE, `episode ${episode}: reset observations`);
    }
    expect(new Set(await env.getState()).size).toBeGreaterThan(N);
    env.destroy();
  });

  gpuTest('whole rallies, step for step: rewards, misses, the time limit and auto-reset agree with the reference', async (gpu) => {
    const N = 64;
    const seed = 11;
    const steps = MAX_RALLY_STEPS + 100;
    const env = (await createEnv(SQUASH_ID, { numEnvs: N, seed, gpu })) as GpuVecEnv;
    const random = seededRandom(5);
    let obs = await env.reset();
    let state = await env.getState();
    const episode = new Uint32Array(N);
    const episodeSteps = new Uint32Array(N);
    // Half the courts follow the ball perfectly (rallies reach the time limit), half follow it sloppily (misses).
    const skill = Float64Array.from({ length: N }, (_, n) => (n % 2 === 0 ? 1 : 0.3));
    const totals = { returned: 0, missed: 0, truncated: 0, compared: 0, ambiguous: 0 };
    for (let t = 0; t < steps; t++) {
      const actions = Int32Array.from({ length: N }, (_, n) => {
        if (random() > skill[n]!) return Math.floor(random() * 3);
        const gap = obs[n * O + 5]!;
        return gap > 0.02 ? 2 : gap < -0.02 ? 0 : 1;
      });
      const result = await env.step(actions);
      const after = await env.getState();
      for (let n = 0; n < N; n++) {
        const before = state.subarray(n * S, (n + 1) * S);
        const what = `step ${t}, court ${n} (episode ${episode[n]}, step ${episodeSteps[n]! + 1})`;
        const timeUp = episodeSteps[n]! + 1 >= MAX_RALLY_STEPS;
        expect(result.truncated[n], `${what}: truncated`).toBe(timeUp ? 1 : 0);
        if (nearBranch(before, actions[n]!)) {
          totals.ambiguous += 1;
        } else {
          const { next, obs: refObs, outcome } = referenceStep(before, actions[n]!);
          totals.compared += 1;
          expect(result.reward[n], `${what}: reward`).toBe(outcome.reward);
          expect(result.terminated[n], `${what}: terminated`).toBe(outcome.terminated ? 1 : 0);
          expectClose(result.finalObs.subarray(n * O, (n + 1) * O), refObs, TOLERANCE, `${what}: final observation`);
          if (!outcome.terminated && !timeUp) expectClose(after.subarray(n * S, (n + 1) * S), next, TOLERANCE, `${what}: next state`);
        }
        if (result.reward[n]! > 0) totals.returned += 1;
        if (result.terminated[n] || result.truncated[n]) {
          if (result.terminated[n]) totals.missed += 1;
          else totals.truncated += 1;
          episode[n] = episode[n]! + 1;
          episodeSteps[n] = 0;
          expect(Array.from(after.subarray(n * S, (n + 1) * S)), `${what}: the next rally's serve`).toEqual(Array.from(referenceReset(seed, n, episode[n]!)));
        } else {
          episodeSteps[n] = episodeSteps[n]! + 1;
        }
      }
      obs = result.obs;
      state = after;
    }
    const counters = new Uint32Array(await readBuffer(gpu, env.buffers.episodeIndex));
    expect(Array.from(counters), 'episodes started per court').toEqual(Array.from(episode, (e) => e + 1));
    env.destroy();
    expect(totals.returned).toBeGreaterThan(N * 5);
    expect(totals.missed).toBeGreaterThan(N / 4);
    expect(totals.truncated, 'rallies cut by the time limit').toBeGreaterThan(N / 4);
    expect(totals.ambiguous).toBeLessThan(totals.compared / 1000);
  }, 600_000);
});
