/**
 * Pong-v0 (the two-player self-play game, rules in WGSL) against its float64 reference (reference/games/pong.ts):
 * one step from thousands of random states under both players' actions (both views, both rewards), reset draws
 * bit for bit, the 180-degree symmetry of the two views, whole points step for step through the engine's
 * auto-reset and time limit; and the two-player contract's validation and the JavaScript face.
 *
 * Tolerance atol 1e-6 + rtol 1e-5 per step from the same f32 state (a handful of f32 operations, one sqrt and
 * two divisions on a return, on values of order 0.01-1). States within rounding of a branch (moving one component
 * by 1e-5 of its size changes the branches the reference takes) are counted, not compared.
 */
import { describe, expect, test } from 'vitest';
import { RngStream, rngHost } from '../../shaders/rng.js';
import { createEnv, defineGpuEnv, defineJsEnv, GpuVecEnv } from '../../src/index.js';
import { readBuffer } from '../../src/gpu/readback.js';
import { PONG_BALL_RADIUS, PONG_ID, PONG_MAX_RALLY_STEPS, PONG_MAX_SPEED, PONG_PADDLE_HALF_WIDTH, PONG_PADDLE_Y, pongWgsl } from '../../src/envs/builtins/pong.wgsl.js';
import { PongEvent, pongReference, type PongOutcome } from '../../reference/games/pong.js';
import { gpuTest } from '../helpers/gpu.js';
import { expectClose, seededRandom, type Tolerance } from '../helpers/random.js';

const TOLERANCE: Tolerance = { atol: 1e-6, rtol: 1e-5 };
const S = pongReference.stateSize;
const O = pongReference.observationSize;

function referenceStep(state: ArrayLike<number>, a0: number, a1: number): { next: Float64Array; obs: Float64Array[]; outcome: PongOutcome } {
  const next = Float64Array.from(state);
  const outcome: PongOutcome = { reward: 0, terminated: false, events: 0 };
  pongReference.step(next, a0, a1, outcome);
  const obs = [0, 1].map((p) => {
    const o = new Float64Array(O);
    pongReference.observe(next, p as 0 | 1, o);
    return o;
  });
  return { next, obs, outcome };
}

function nearBranch(state: ArrayLike<number>, a0: number, a1: number): boolean {
  const events = referenceStep(state, a0, a1).outcome.events;
  for (let k = 0; k < S; k++) {
    for (const sign of [-1, 1]) {
      const probe = Float64Array.from(state);
      probe[k] = probe[k]! + sign * Math.max(1e-5 * Math.abs(probe[k]!), 1e-7);
      if (referenceStep(probe, a0, a1).outcome.events !== events) return true;
    }
  }
  return false;
}

function referenceReset(seed: number, index: number, episode: number): Float32Array {
  const state = new Float64Array(S);
  pongReference.reset(rngHost.create(seed, RngStream.envReset, index, episode), state);
  return Float32Array.from(state);
}

/** A state anywhere on the court, a third of them within one step of each paddle's line. */
function randomState(random: () => number): number[] {
  const where = random();
  const reachLine = PONG_MAX_SPEED * random();
  const y = where < 1 / 3 ? PONG_PADDLE_Y - PONG_BALL_RADIUS - reachLine : where < 2 / 3 ? 1 - PONG_PADDLE_Y + PONG_BALL_RADIUS + reachLine : 0.1 + 0.8 * random();
  const speed = PONG_MAX_SPEED * (0.3 + 0.7 * random());
  const angle = (random() * 2 - 1) * Math.PI;
  const paddle = () => PONG_PADDLE_HALF_WIDTH + random() * (1 - 2 * PONG_PADDLE_HALF_WIDTH);
  return [random(), y, speed * Math.cos(angle), speed * Math.sin(angle), paddle(), paddle()];
}

describe('Pong-v0 (two players)', () => {
  gpuTest('one step matches the float64 reference from 4096 random states and pairs of actions, both views', async (gpu) => {
    const random = seededRandom(77);
    const N = 4096;
    const states = Float32Array.from(Array.from({ length: N }, () => randomState(random)).flat());
    const actions = Int32Array.from({ length: 2 * N }, () => Math.floor(random() * 3));
    const env = (await createEnv(PONG_ID, { numEnvs: N, seed: 3, gpu })) as GpuVecEnv;
    expect(env.spec.players).toBe(2);
    await env.setState(states);
    const result = await env.step(actions);
    const after = await env.getState();
    env.destroy();
    expect(result.obs.length).toBe(N * 2 * O);
    expect(result.reward.length).toBe(N * 2);
    const counts = { ambiguous: 0, returned0: 0, returned1: 0, point0: 0, point1: 0, walls: 0 };
    const got: number[] = [];
    const want: number[] = [];
    for (let n = 0; n < N; n++) {
      const state = states.subarray(n * S, (n + 1) * S);
      const [a0, a1] = [actions[2 * n]!, actions[2 * n + 1]!];
      if (nearBranch(state, a0, a1)) {
        counts.ambiguous += 1;
        continue;
      }
      const { next, obs, outcome } = referenceStep(state, a0, a1);
      const what = `court ${n} from [${Array.from(state)}] actions ${a0}, ${a1}`;
      for (const key of ['returned0', 'returned1', 'point0', 'point1'] as const) if (outcome.events & PongEvent[key]) counts[key] += 1;
      if (outcome.events & (PongEvent.leftWall | PongEvent.rightWall)) counts.walls += 1;
      expect(result.terminated[n], `${what}: terminated`).toBe(outcome.terminated ? 1 : 0);
      expect(result.reward[2 * n], `${what}: player 0's reward`).toBe(outcome.reward);
      expect(result.reward[2 * n + 1], `${what}: player 1's reward`).toBe(-outcome.reward);
      for (const p of [0, 1]) {
        got.push(...result.finalObs.subarray((2 * n + p) * O, (2 * n + p + 1) * O));
        want.push(...obs[p]!);
      }
      if (!outcome.terminated) {
        got.push(...after.subarray(n * S, (n + 1) * S));
        want.push(...next);
      } else {
        expect(Array.from(after.subarray(n * S, (n + 1) * S)), `${what}: auto-reset`).toEqual(Array.from(referenceReset(3, n, 0)));
      }
    }
    expectClose(got, want, TOLERANCE, 'next states and both final observations');
    for (const [rule, count] of Object.entries(counts)) {
      if (rule !== 'ambiguous') expect(count, `states whose step takes the '${rule}' branch`).toBeGreaterThan(N / 100);
    }
    expect(counts.ambiguous, 'states within rounding of a branch').toBeLessThan(N / 50);
  });

  test('the two views are the court turned by 180 degrees: player 1 sees what player 0 sees of the turned court', () => {
    const random = seededRandom(3);
    for (let i = 0; i < 100; i++) {
      const s = randomState(random);
      const turned = [1 - s[0]!, 1 - s[1]!, -s[2]!, -s[3]!, 1 - s[5]!, 1 - s[4]!];
      const view1 = new Float64Array(O);
      const view0OfTurned = new Float64Array(O);
      pongReference.observe(s, 1, view1);
      pongReference.observe(turned, 0, view0OfTurned);
      expectClose(view1, view0OfTurned, { atol: 1e-12, rtol: 0 }, 'views');
      // The same move in each player's own view gives the turned outcome: the game is symmetric.
      const a = Math.floor(random() * 3);
      const b = Math.floor(random() * 3);
      const x = referenceStep(s, a, b);
      const y = referenceStep(turned, b, a);
      expect(y.outcome.reward === -x.outcome.reward, `rewards ${y.outcome.reward} and ${x.outcome.reward}`).toBe(true);
      expectClose(y.obs[0]!, x.obs[1]!, { atol: 1e-9, rtol: 0 }, 'turned step');
    }
  });

  gpuTest('reset draws the first states from the counter-based generator, bit for bit; both views', async (gpu) => {
    const N = 200;
    const seed = 424242;
    const env = (await createEnv(PONG_ID, { numEnvs: N, seed, gpu })) as GpuVecEnv;
    for (const episode of [0, 1]) {
      const obs = await env.reset();
      const state = await env.getState();
      const want = new Float32Array(N * S);
      const wantObs = new Float64Array(N * 2 * O);
      for (let n = 0; n < N; n++) {
        const first = referenceReset(seed, n, episode);
        want.set(first, n * S);
        for (const p of [0, 1] as const) pongReference.observe(first, p, wantObs.subarray((2 * n + p) * O));
      }
      expect(Array.from(state), `episode ${episode}: reset states`).toEqual(Array.from(want));
      expectClose(obs, wantObs, TOLERANCE, `episode ${episode}: reset observations`);
    }
    const serves = await env.getState();
    const towards0 = Array.from({ length: N }, (_, n) => serves[n * S + 3]! > 0).filter(Boolean).length;
    expect(towards0, 'serves towards player 0 out of 200').toBeGreaterThan(70);
    expect(towards0).toBeLessThan(130);
    env.destroy();
  });

  gpuTest('whole points, step for step: rewards, points, the time limit and auto-reset agree with the reference', async (gpu) => {
    const N = 32;
    const seed = 9;
    const steps = PONG_MAX_RALLY_STEPS + 60;
    const env = (await createEnv(PONG_ID, { numEnvs: N, seed, gpu })) as GpuVecEnv;
    const random = seededRandom(8);
    let obs = await env.reset();
    let state = await env.getState();
    const episode = new Uint32Array(N);
    const episodeSteps = new Uint32Array(N);
    // Courts 0 mod 4 have two perfect players (points reach the time limit); the others sloppy ones.
    const skill = (n: number, p: number) => (n % 4 === 0 ? 1 : p === 0 ? 0.6 : 0.4);
    const totals = { points: 0, truncated: 0, compared: 0, ambiguous: 0 };
    for (let t = 0; t < steps; t++) {
      const actions = Int32Array.from({ length: 2 * N }, (_, i) => {
        const n = i >> 1;
        if (random() > skill(n, i & 1)) return Math.floor(random() * 3);
        const gap = obs[i * O + 6]!;
        return gap > 0.02 ? 2 : gap < -0.02 ? 0 : 1;
      });
      const result = await env.step(actions);
      const after = await env.getState();
      for (let n = 0; n < N; n++) {
        const before = state.subarray(n * S, (n + 1) * S);
        const what = `step ${t}, court ${n} (episode ${episode[n]}, step ${episodeSteps[n]! + 1})`;
        const timeUp = episodeSteps[n]! + 1 >= PONG_MAX_RALLY_STEPS;
        expect(result.truncated[n], `${what}: truncated`).toBe(timeUp ? 1 : 0);
        if (nearBranch(before, actions[2 * n]!, actions[2 * n + 1]!)) {
          totals.ambiguous += 1;
        } else {
          const { next, obs: refObs, outcome } = referenceStep(before, actions[2 * n]!, actions[2 * n + 1]!);
          totals.compared += 1;
          expect(result.reward[2 * n], `${what}: reward`).toBe(outcome.reward);
          expect(result.terminated[n], `${what}: terminated`).toBe(outcome.terminated ? 1 : 0);
          for (const p of [0, 1]) expectClose(result.finalObs.subarray((2 * n + p) * O, (2 * n + p + 1) * O), refObs[p]!, TOLERANCE, `${what}: player ${p}'s final observation`);
          if (!outcome.terminated && !timeUp) expectClose(after.subarray(n * S, (n + 1) * S), next, TOLERANCE, `${what}: next state`);
        }
        if (result.terminated[n] || result.truncated[n]) {
          if (result.terminated[n]) totals.points += 1;
          else totals.truncated += 1;
          episode[n] = episode[n]! + 1;
          episodeSteps[n] = 0;
          expect(Array.from(after.subarray(n * S, (n + 1) * S)), `${what}: the next point's serve`).toEqual(Array.from(referenceReset(seed, n, episode[n]!)));
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
    expect(totals.points).toBeGreaterThan(N);
    expect(totals.truncated, 'points cut by the time limit').toBeGreaterThanOrEqual(N / 8);
    expect(totals.ambiguous).toBeLessThan(totals.compared / 1000);
  }, 600_000);

  test('two-player definitions are validated, naming the field', () => {
    const base = { id: 'TwoBad-v0', observationSize: 7, action: { type: 'discrete' as const, n: 3 }, stateSize: 6, maxEpisodeSteps: 10, wgsl: pongWgsl };
    expect(() => defineGpuEnv({ ...base, players: 3 as unknown as 2 })).toThrow(/players is 3; expected 2 \(a two-player zero-sum game\), or 1\/absent/);
    expect(() => defineGpuEnv({ ...base, players: 2, action: { type: 'box', size: 1, low: [-1], high: [1] } })).toThrow(/action.type is "box"; expected 'discrete' for a two-player game/);
    const onePlayerObserve = pongWgsl.replace('fn env_observe(state: ptr<function, EnvState>, player: u32)', 'fn env_observe(state: ptr<function, EnvState>)');
    expect(() => defineGpuEnv({ ...base, players: 2, wgsl: onePlayerObserve })).toThrow(/wgsl is fn env_observe without a player parameter; expected fn env_observe\(state: ptr<function, EnvState>, player: u32\)/);
  });

  test('a JavaScript two-player game: actions and observations per player, rewards negated for player 1', async () => {
    // Pong's float64 reference as a JavaScript batch.
    defineJsEnv(
      {
        id: 'JsPong-v0',
        observationSize: O,
        action: { type: 'discrete', n: 3 },
        maxEpisodeSteps: 50,
        players: 2,
        create: ({ numEnvs, seed }) => {
          const states = Array.from({ length: numEnvs }, () => new Float64Array(S));
          const episodes = new Uint32Array(numEnvs);
          const observe = (n: number, obs: Float32Array) => {
            for (const p of [0, 1] as const) pongReference.observe(states[n]!, p, obs.subarray((2 * n + p) * O, (2 * n + p + 1) * O));
          };
          const outcome: PongOutcome = { reward: 0, terminated: false, events: 0 };
          return {
            reset(obs, mask) {
              for (let n = 0; n < numEnvs; n++) {
                if (mask && !mask[n]) continue;
                pongReference.reset(rngHost.create(seed, RngStream.envReset, n, episodes[n]!++), states[n]!);
                observe(n, obs);
              }
            },
            step(actions, out) {
              for (let n = 0; n < numEnvs; n++) {
                pongReference.step(states[n]!, actions[2 * n]!, actions[2 * n + 1]!, outcome);
                out.reward[n] = outcome.reward;
                out.terminated[n] = outcome.terminated ? 1 : 0;
                observe(n, out.obs);
              }
            },
          };
        },
      },
      { replace: true },
    );
    const env = await createEnv('JsPong-v0', { numEnvs: 8, seed: 2 });
    expect(env.spec.players).toBe(2);
    const obs = await env.reset();
    expect(obs.length).toBe(8 * 2 * O);
    expect(() => env.step(new Int32Array(8))).rejects.toThrow(/actions.length is 8/);
    let points = 0;
    for (let t = 0; t < 200; t++) {
      const result = await env.step(Int32Array.from({ length: 16 }, (_, i) => (i + t) % 3));
      expect(result.reward.length).toBe(16);
      for (let n = 0; n < 8; n++) {
        expect(result.reward[2 * n + 1]).toBe(-result.reward[2 * n]!);
        if (result.terminated[n]) points += 1;
      }
    }
    expect(points).toBeGreaterThan(0);
    env.destroy();
  });
});
