/**
 * MinAtar/Breakout-v1 on the GPU against the plain-JS transcription of MinAtar's breakout.py and its sticky actions
 * (reference/envs/breakout.ts), step for step with the same random draws. Every state value, reward, flag and
 * observation is an integer, so everything is compared for exact equality. The reference steps with the engine's
 * step generator (stream envStep | steps << 4, index n, counter = episode index, read back before each step) and,
 * where an episode ended, resets with the engine's reset generator; the GPU's state must then be that first state.
 * The suite of test/envs/suite.ts does not fit: its boundary probe is exponential in the state size (109) and its
 * whole-episode test runs maxEpisodeSteps = 2^28 steps; these tests cover the same ground for a game with no time
 * limit.
 */
import { describe, expect, test } from 'vitest';
import { RngStream, rngHost } from '../../shaders/rng.js';
import { readBuffer } from '../../src/gpu/readback.js';
import type { Gpu } from '../../src/gpu/device.js';
import { GpuVecEnv } from '../../src/envs/gpuEnv.js';
import { createEnv } from '../../src/envs/create.js';
import { MAX_EPISODE_STEPS_LIMIT } from '../../src/envs/gpuEnv.wgsl.js';
import { defineGpuEnv, getEnvDefinition, listEnvs } from '../../src/envs/registry.js';
import { BREAKOUT_STATE_NAMES, breakoutDefinition, breakoutVariant } from '../../src/envs/builtins/breakout.js';
import type { GpuEnvDefinition } from '../../src/envs/spec.js';
import { breakoutReference, breakoutReferenceWith } from '../../reference/envs/breakout.js';
import type { ReferenceEnv, ReferenceOutcome } from '../../reference/envs/types.js';
import { gpuTest } from '../helpers/gpu.js';
import { seededRandom } from '../helpers/random.js';
import { referenceReset, rows } from './helpers.js';

const S = 109;
const O = 400;
const ID = 'MinAtar/Breakout-v1';

/** A state: ball (y, x, dir), paddle, trail, strike, terminal, bricks as a list of [y, x], last action. */
function state(ball: [number, number, number], pos: number, bricks: [number, number][] | 'rows', extra: { strike?: number; terminal?: number; last?: [number, number]; lastAction?: number } = {}): number[] {
  const s = new Array<number>(S).fill(0);
  s[0] = ball[0];
  s[1] = ball[1];
  s[2] = ball[2];
  s[3] = pos;
  s[4] = extra.last?.[0] ?? ball[0];
  s[5] = extra.last?.[1] ?? ball[1];
  s[6] = extra.strike ?? 0;
  s[7] = extra.terminal ?? 0;
  if (bricks === 'rows') for (let i = 10; i < 40; i++) s[8 + i] = 1;
  else for (const [y, x] of bricks) s[8 + y * 10 + x] = 1;
  s[108] = extra.lastAction ?? 0;
  return s;
}

function randomState(r: () => number): number[] {
  const int = (n: number) => Math.floor(r() * n);
  const density = [0, 0.02, 0.3, 0.7, 1][int(5)]!;
  const bricks: [number, number][] = [];
  for (let y = 0; y < 9; y++) for (let x = 0; x < 10; x++) if (r() < density) bricks.push([y, x]);
  return state([int(9), int(10), int(4)], int(10), bricks, {
    strike: r() < 0.3 ? 1 : 0,
    terminal: r() < 0.02 ? 1 : 0,
    last: [int(10), int(10)],
    lastAction: int(3),
  });
}

interface Totals {
  steps: number;
  rewards: number;
  terminations: number;
  refills: number;
  sticky: number;
  strikesKept: number;
}

/**
 * Runs `steps` steps of `env` under `policy` and mirrors them in the reference, comparing everything exactly.
 * `mirror` holds the reference state of each environment (the GPU's current state on entry).
 */
async function lockstep(
  gpu: Gpu,
  env: GpuVecEnv,
  ref: ReferenceEnv,
  seed: number,
  mirror: Float64Array[],
  steps: number,
  policy: (n: number, t: number, obs: Float32Array) => number,
): Promise<Totals> {
  const N = env.numEnvs;
  const totals: Totals = { steps: 0, rewards: 0, terminations: 0, refills: 0, sticky: 0, strikesKept: 0 };
  const outcome: ReferenceOutcome = { reward: 0, terminated: false };
  const obs = new Float64Array(O);
  let current: Float32Array = new Float32Array(N * O);
  for (let n = 0; n < N; n++) {
    ref.observe(mirror[n]!, obs);
    current.set(obs, n * O);
  }
  for (let t = 0; t < steps; t++) {
    const stepCount = new Uint32Array(await readBuffer(gpu, env.buffers.episodeSteps));
    const episode = new Uint32Array(await readBuffer(gpu, env.buffers.episodeIndex));
    const actions = Int32Array.from({ length: N }, (_, n) => policy(n, t, current.subarray(n * O, (n + 1) * O)));
    const result = await env.step(actions);
    const after = await env.getState();
    for (let n = 0; n < N; n++) {
      const s = mirror[n]!;
      const before = Array.from(s);
      const bricksBefore = before.slice(8, 108).reduce((a, b) => a + b, 0);
      const rng = rngHost.create(seed, RngStream.envStep | (stepCount[n]! << 4), n, episode[n]!);
      ref.step(s, actions[n]!, outcome, rng);
      const what = `step ${t}, environment ${n}, action ${actions[n]} from [${before.slice(0, 8)}, last_action ${before[108]}]`;
      expect(result.reward[n], `${what}: reward`).toBe(outcome.reward);
      expect(result.terminated[n], `${what}: terminated`).toBe(outcome.terminated ? 1 : 0);
      expect(result.truncated[n], `${what}: truncated`).toBe(0);
      ref.observe(s, obs);
      expect(Array.from(result.finalObs.subarray(n * O, (n + 1) * O)), `${what}: final observation`).toEqual(Array.from(obs));
      totals.steps += 1;
      totals.rewards += outcome.reward;
      if (s[108] !== actions[n]) totals.sticky += 1;
      if (before[6] === 1 && s[6] === 1) totals.strikesKept += 1;
      if (bricksBefore === 0 && s.slice(8, 108).some((v) => v !== 0)) totals.refills += 1;
      if (outcome.terminated) {
        totals.terminations += 1;
        s.set(referenceReset(ref, seed, n, episode[n]!));
      }
      // The next state, or where the episode ended the first state of the next one (the engine's reset draws with
      // counter = the episode index held before the step).
      expect(Array.from(after.subarray(n * S, (n + 1) * S)), `${what}: state after the step`).toEqual(Array.from(s));
      ref.observe(s, obs);
      expect(Array.from(result.obs.subarray(n * O, (n + 1) * O)), `${what}: observation`).toEqual(Array.from(obs));
    }
    current = result.obs;
  }
  return totals;
}

async function fromStates(gpu: Gpu, def: GpuEnvDefinition, ref: ReferenceEnv, list: number[][], steps: number, policy: (n: number, t: number, obs: Float32Array) => number): Promise<Totals> {
  const seed = 7;
  const env = await GpuVecEnv.create(gpu, def, { numEnvs: list.length, seed });
  try {
    await env.setState(rows(list));
    return await lockstep(gpu, env, ref, seed, list.map((s) => Float64Array.from(s)), steps, policy);
  } finally {
    env.destroy();
  }
}

/** Moves the paddle under the ball (read from the observation), else a fixed action. */
function tracker(obs: Float32Array): number {
  let ball = -1;
  let paddle = -1;
  for (let i = 0; i < 100; i++) {
    if (obs[i * 4 + 1] === 1) ball = i % 10;
    if (obs[i * 4] === 1) paddle = i % 10;
  }
  return ball < paddle ? 1 : ball > paddle ? 2 : 0;
}

describe(ID, () => {
  gpuTest('spec: id, spaces, no time limit (the engine maximum), no threshold, state layout', async (gpu) => {
    const def = getEnvDefinition(ID) as GpuEnvDefinition;
    expect(def).toEqual(breakoutDefinition);
    expect({ id: def.id, observationSize: def.observationSize, action: def.action, maxEpisodeSteps: def.maxEpisodeSteps, rewardThreshold: def.rewardThreshold }).toEqual({
      id: ID,
      observationSize: 400,
      action: { type: 'discrete', n: 3 },
      maxEpisodeSteps: MAX_EPISODE_STEPS_LIMIT,
      rewardThreshold: null,
    });
    expect(def.observationShape).toEqual([10, 10, 4]);
    expect(def.stateSize).toBe(S);
    expect(def.stateNames).toEqual(BREAKOUT_STATE_NAMES);
    expect(def.stateNames!.slice(0, 8)).toEqual(['ball_y', 'ball_x', 'ball_dir', 'pos', 'last_y', 'last_x', 'strike', 'terminal']);
    expect(def.stateNames![8 + 3 * 10 + 7]).toBe('brick_3_7');
    expect(def.stateNames![108]).toBe('last_action');
    expect(listEnvs().find((e) => e.id === ID)).toMatchObject({ id: ID, kind: 'gpu', builtin: true });
    const env = await createEnv(ID, { numEnvs: 2, seed: 1, gpu });
    expect(env).toBeInstanceOf(GpuVecEnv);
    // The environment's spec keeps the shape (policy files record it; the ONNX export takes the input's rank from it).
    expect(env.spec.observationShape).toEqual([10, 10, 4]);
    env.destroy();
  });

  test('breakoutVariant: the sticky-action probability must be a number in [0, 1); a variant registers under its own id', () => {
    for (const [bad, shown] of [[-0.1, '-0.1'], [1, '1'], [1.5, '1.5'], [Number.NaN, 'NaN'], [Infinity, 'Infinity'], ['0.1', '"0.1"']] as const) {
      expect(() => breakoutVariant({ stickyActionProbability: bad as number }), shown).toThrow(`breakoutVariant: stickyActionProbability is ${shown}; expected a number in [0, 1)`);
    }
    expect(() => breakoutVariant(null as unknown as object)).toThrow(/options is null/);
    expect(() => breakoutVariant({ stickyActionProb: 0 } as object)).toThrow(/unknown option 'stickyActionProb'/);
    expect(breakoutVariant({ stickyActionProbability: 0 }).id).toBe(ID);
    expect(breakoutVariant({ stickyActionProbability: 0 }).wgsl).toMatch(/const STICKY_PROB: f32 = 0\.0f;/);
    expect(breakoutVariant().wgsl).toBe(breakoutDefinition.wgsl);
    expect(breakoutDefinition.wgsl).toContain(`const STICKY_PROB: f32 = ${Math.fround(0.1)}f;`);
    const own = defineGpuEnv({ ...breakoutVariant({ stickyActionProbability: 0 }), id: 'BreakoutNoSticky-v0' });
    expect(own).toMatchObject({ observationSize: 400, observationShape: [10, 10, 4], stateSize: S });
  });

  gpuTest('reset: the ball at (3, 0) heading down-right or (3, 9) heading down-left, from the engine generator', async (gpu) => {
    const N = 200;
    const seed = 99;
    const env = (await createEnv(ID, { numEnvs: N, seed, gpu })) as GpuVecEnv;
    for (const episode of [0, 1]) {
      const obs = await env.reset();
      const got = await env.getState();
      const want = new Float32Array(N * S);
      const wantObs = new Float64Array(N * O);
      for (let n = 0; n < N; n++) {
        const first = referenceReset(breakoutReference, seed, n, episode);
        want.set(first, n * S);
        breakoutReference.observe(first, wantObs.subarray(n * O, (n + 1) * O));
      }
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(Array.from(obs)).toEqual(Array.from(wantObs));
    }
    const got = await env.getState();
    const starts = new Set<string>();
    for (let n = 0; n < N; n++) starts.add(`${got[n * S + 1]},${got[n * S + 2]}`);
    expect([...starts].sort()).toEqual(['0,2', '9,3']);
    env.destroy();
  });

  gpuTest('crafted steps against outcomes worked out by hand from breakout.py (sticky actions off)', async (gpu) => {
    // [what, state, action, expected ball (y, x, dir), pos, reward, terminated, bricks removed, rows 1-3 refilled, strike]
    type Case = [string, number[], number, [number, number, number], number, number, boolean, [number, number][], boolean, number];
    const fullRows = state([0, 0, 0], 0, 'rows').slice(8, 108);
    const cases: Case[] = [
      ['first step from the left start', state([3, 0, 2], 4, 'rows'), 0, [4, 1, 2], 4, 0, false, [], false, 0],
      ['first step from the right start, paddle left', state([3, 9, 3], 4, 'rows'), 1, [4, 8, 3], 3, 0, false, [], false, 0],
      ['paddle under the ball (ball_x == pos): straight back up', state([8, 4, 2], 4, 'rows'), 0, [8, 5, 1], 4, 0, false, [], false, 0],
      ['paddle where the ball lands (new_x == pos): back the way it came', state([8, 3, 2], 4, 'rows'), 0, [8, 4, 0], 4, 0, false, [], false, 0],
      ['the paddle moves under the ball this step', state([8, 5, 3], 4, 'rows'), 2, [8, 4, 0], 5, 0, false, [], false, 0],
      ['missed: terminal on row 9', state([8, 3, 2], 7, 'rows'), 0, [9, 4, 2], 7, 0, true, [], false, 0],
      ['a brick: +1, removed, the ball stays on its row and turns down', state([4, 4, 0], 0, 'rows'), 0, [4, 3, 3], 0, 1, false, [[3, 3]], false, 1],
      ['strike set: the ball enters the brick, no reward, strike stays', state([4, 4, 0], 0, 'rows', { strike: 1 }), 0, [3, 3, 0], 0, 0, false, [], false, 1],
      ['strike cleared when no brick is met', state([6, 4, 0], 0, 'rows', { strike: 1 }), 0, [5, 3, 0], 0, 0, false, [], false, 0],
      ['top wall: row 0, turned down', state([0, 4, 0], 0, []), 0, [0, 3, 3], 0, 0, false, [], false, 0],
      ['top-left corner: both walls', state([0, 0, 0], 0, []), 0, [0, 0, 2], 0, 0, false, [], false, 0],
      ['top-right corner: both walls', state([0, 9, 1], 0, []), 0, [0, 9, 3], 0, 0, false, [], false, 0],
      ['right wall into a brick: clamped, reflected, then the brick', state([4, 9, 1], 0, 'rows'), 0, [4, 9, 3], 0, 1, false, [[3, 9]], false, 1],
      ['paddle at 0 pushed left stays at 0, catches at x 0', state([8, 1, 3], 0, 'rows'), 1, [8, 0, 1], 0, 0, false, [], false, 0],
      ['paddle at 9 pushed right stays at 9, catches at x 9', state([8, 8, 2], 9, 'rows'), 2, [8, 9, 0], 9, 0, false, [], false, 0],
      ['left wall above the paddle at 0: clamped to 0, ball_x == pos', state([8, 0, 3], 0, 'rows'), 0, [8, 0, 1], 0, 0, false, [], false, 0],
      ['no brick left: rows 1-3 refilled as the ball reaches row 9', state([8, 4, 2], 4, []), 0, [8, 5, 1], 4, 0, false, [], true, 0],
      ['no brick left and missed: refilled, then terminal', state([8, 4, 2], 0, []), 0, [9, 5, 2], 0, 0, true, [], true, 0],
      ['the last brick goes: the map stays empty until row 9', state([2, 4, 0], 4, [[1, 3]]), 0, [2, 3, 3], 4, 1, false, [[1, 3]], false, 1],
    ];
    const env = await GpuVecEnv.create(gpu, breakoutVariant({ stickyActionProbability: 0 }), { numEnvs: cases.length, seed: 3 });
    try {
      await env.setState(rows(cases.map((c) => c[1])));
      const result = await env.step(Int32Array.from(cases.map((c) => c[2])));
      // Terminated environments were reset: their final observation holds the state the step reached.
      const after = await env.getState();
      cases.forEach(([what, before, action, ball, pos, reward, terminated, removed, refilled, strike], n) => {
        expect(result.reward[n], `${what}: reward`).toBe(reward);
        expect(result.terminated[n], `${what}: terminated`).toBe(terminated ? 1 : 0);
        const bricks = refilled ? [...fullRows] : before.slice(8, 108);
        for (const [y, x] of removed) bricks[y * 10 + x] = 0;
        const want = [...ball, pos, before[0]!, before[1]!, strike, terminated ? 1 : 0, ...bricks, action];
        const obs = new Float64Array(O);
        breakoutReference.observe(want, obs);
        expect(Array.from(result.finalObs.subarray(n * O, (n + 1) * O)), `${what}: final observation`).toEqual(Array.from(obs));
        if (!terminated) expect(Array.from(after.subarray(n * S, (n + 1) * S)), `${what}: state`).toEqual(want);
      });
    } finally {
      env.destroy();
    }
  });

  gpuTest('observation: MinAtar state() in (y, x, channel) order, channels paddle, ball, trail, brick', async (gpu) => {
    const env = await GpuVecEnv.create(gpu, breakoutDefinition, { numEnvs: 1, seed: 1 });
    try {
      await env.setState(rows([state([2, 7, 1], 6, [[1, 0], [3, 9], [2, 7]], { last: [3, 8] })]));
      const result = await env.step(new Int32Array(1));
      const g = Array.from(await env.getState());
      const want = new Array<number>(O).fill(0);
      const at = (y: number, x: number, c: number) => (y * 10 + x) * 4 + c;
      want[at(9, g[3]!, 0)] = 1;
      want[at(g[0]!, g[1]!, 1)] = 1;
      want[at(g[4]!, g[5]!, 2)] = 1;
      for (let i = 0; i < 100; i++) if (g[8 + i] === 1) want[i * 4 + 3] = 1;
      expect(Array.from(result.obs)).toEqual(want);
      expect(result.obs.reduce((a, b) => a + b, 0)).toBe(3 + g.slice(8, 108).reduce((a, b) => a + b, 0));
    } finally {
      env.destroy();
    }
  });

  gpuTest('random states and actions: 1000 environments, 12 steps each, exactly as the reference', async (gpu) => {
    const r = seededRandom(21);
    const list = Array.from({ length: 1000 }, () => randomState(r));
    const totals = await fromStates(gpu, breakoutDefinition, breakoutReference, list, 12, () => Math.floor(r() * 3));
    expect(totals.terminations).toBeGreaterThan(20);
    expect(totals.rewards).toBeGreaterThan(100);
    expect(totals.refills).toBeGreaterThan(0);
    expect(totals.sticky).toBeGreaterThan(100);
    expect(totals.strikesKept).toBeGreaterThan(0);
  }, 120_000);

  gpuTest('whole episodes from reset: 32 environments, 600 steps (random and ball-tracking play), auto-reset', async (gpu) => {
    const seed = 4;
    const env = (await createEnv(ID, { numEnvs: 32, seed, gpu })) as GpuVecEnv;
    try {
      await env.reset();
      const mirror = Array.from({ length: 32 }, (_, n) => Float64Array.from(referenceReset(breakoutReference, seed, n, 0)));
      const r = seededRandom(5);
      const totals = await lockstep(gpu, env, breakoutReference, seed, mirror, 600, (n, _t, obs) => (n < 8 ? Math.floor(r() * 3) : tracker(obs)));
      expect(totals.terminations).toBeGreaterThan(10);
      expect(totals.rewards).toBeGreaterThan(60);
      expect(totals.refills, 'some ball-tracking episode clears the wall').toBeGreaterThan(0);
    } finally {
      env.destroy();
    }
  }, 300_000);

  gpuTest('edge states: refill, strike, corners, top row, paddle at 0 and 9, already terminal; every action', async (gpu) => {
    const cases: number[][] = [];
    // Refill: no brick left and the ball reaching row 9, caught (both ways) or missed.
    for (const [x, dir, pos] of [[4, 2, 4], [4, 2, 5], [4, 2, 7], [0, 3, 0], [9, 2, 9], [5, 3, 4]] as const) cases.push(state([8, x, dir], pos, []));
    // The last brick struck: the map empties, refilled only when the ball next reaches row 9.
    cases.push(state([2, 4, 0], 4, [[1, 3]]), state([2, 4, 1], 4, [[1, 5]]));
    // Strike: set, the ball passes through a brick (no reward); clear, it breaks it; two bricks in a row.
    for (const strike of [0, 1]) {
      cases.push(state([4, 4, 0], 4, [[3, 3], [2, 2]], { strike }), state([4, 4, 1], 4, 'rows', { strike }), state([0, 4, 2], 4, [[1, 5], [2, 6]], { strike }));
    }
    // Corners and walls: x 0 / x 9 on the top row, and the side walls into a brick or onto row 9.
    for (const [y, x, dir] of [[0, 0, 0], [0, 9, 1], [0, 0, 3], [0, 9, 2], [1, 0, 0], [1, 9, 1], [4, 0, 3], [4, 9, 2], [8, 0, 3], [8, 9, 2], [8, 0, 0], [5, 9, 1]] as const) {
      cases.push(state([y, x, dir], 4, 'rows'), state([y, x, dir], x, [[0, 1], [0, 8], [1, 0], [1, 9]]));
    }
    // Paddle at 0 and 9 with the ball landing beside it, over it, or missing.
    for (const pos of [0, 9]) for (const x of [0, 1, 2, 7, 8, 9]) for (const dir of [2, 3]) cases.push(state([8, x, dir], pos, 'rows'));
    // Already terminal (only through setState): reward 0, terminated, reset.
    cases.push(state([9, 3, 2], 0, 'rows', { terminal: 1 }));
    const list = cases.flatMap((c) => [0, 1, 2].map((a) => [...c.slice(0, 108), a]));
    for (const [label, p] of [['sticky 0.1', 0.1], ['sticky off', 0], ['sticky 0.9', 0.9]] as const) {
      const def = p === 0.1 ? breakoutDefinition : breakoutVariant({ stickyActionProbability: p });
      const ref = breakoutReferenceWith(p);
      const totals = await fromStates(gpu, def, ref, list, 6, (n, t) => (n + t) % 3);
      if (p === 0) expect(totals.sticky, label).toBe(0);
      else expect(totals.sticky, label).toBeGreaterThan(0);
      expect(totals.refills, label).toBeGreaterThan(0);
      expect(totals.strikesKept, label).toBeGreaterThan(0);
      expect(totals.terminations, label).toBeGreaterThan(0);
    }
  }, 300_000);

  gpuTest('sticky actions off: the action given is always the action taken', async (gpu) => {
    const r = seededRandom(8);
    const list = Array.from({ length: 200 }, () => randomState(r));
    const totals = await fromStates(gpu, breakoutVariant({ stickyActionProbability: 0 }), breakoutReferenceWith(0), list, 8, () => Math.floor(r() * 3));
    expect(totals.sticky).toBe(0);
  }, 120_000);
});
