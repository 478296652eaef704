/**
 * JavaScript environments: JsVecEnv's time limit, auto-reset with a mask and finalObs over a batch object, the
 * synchronous allocation-free stepInto, input errors; and the example JS CartPole following the GPU CartPole-v1
 * step for step from the same seed and actions.
 */
import { describe, expect, test } from 'vitest';
import { createEnv } from '../../src/envs/create.js';
import { EnvInputError } from '../../src/envs/errors.js';
import { jsCartPoleDefinition } from '../../src/envs/examples/jsCartPole.js';
import { JsVecEnv, allocateStepResult, type JsEnvBatch, type JsEnvStepOutput } from '../../src/envs/jsEnv.js';
import { defineJsEnv, getEnvDefinition, listEnvs } from '../../src/envs/registry.js';
import type { StepResult } from '../../src/envs/spec.js';
import { gpuTest } from '../helpers/gpu.js';
import { expectClose, seededRandom } from '../helpers/random.js';

/**
 * A counter game: obs [count, episodes started]; each step count += 1, reward = count; action 1 ends the episode
 * (terminated); environment 2 cuts its own episodes at count 2 (the game's truncation). Records the masks of its
 * resets.
 */
class CounterBatch implements JsEnvBatch {
  readonly count: Float32Array;
  readonly episodes: Float32Array;
  readonly masks: (number[] | 'all')[] = [];
  constructor(readonly numEnvs: number) {
    this.count = new Float32Array(numEnvs);
    this.episodes = new Float32Array(numEnvs);
  }
  reset(obs: Float32Array, mask?: Uint8Array): void {
    this.masks.push(mask ? Array.from(mask) : 'all');
    for (let n = 0; n < this.numEnvs; n++) {
      if (mask && !mask[n]) continue;
      this.count[n] = 0;
      this.episodes[n] = this.episodes[n]! + 1;
      obs[2 * n] = 0;
      obs[2 * n + 1] = this.episodes[n]!;
    }
  }
  step(actions: Int32Array | Float32Array, out: JsEnvStepOutput): void {
    for (let n = 0; n < this.numEnvs; n++) {
      this.count[n] = this.count[n]! + 1;
      out.obs[2 * n] = this.count[n]!;
      out.obs[2 * n + 1] = this.episodes[n]!;
      out.reward[n] = this.count[n]!;
      out.terminated[n] = actions[n] === 1 ? 1 : 0;
      if (n === 2 && this.count[n]! >= 2) out.truncated![n] = 1;
    }
  }
}

let lastBatch: CounterBatch | undefined;
defineJsEnv({
  id: 'Counter-v0',
  observationSize: 2,
  action: { type: 'discrete', n: 2 },
  maxEpisodeSteps: 4,
  create: ({ numEnvs }) => (lastBatch = new CounterBatch(numEnvs)),
});
defineJsEnv(jsCartPoleDefinition);

describe('JsVecEnv', () => {
  test('createEnv gives a JsVecEnv with the spec; listEnvs reports the kind', async () => {
    const env = await createEnv('Counter-v0', { numEnvs: 3, seed: 5 });
    expect(env).toBeInstanceOf(JsVecEnv);
    expect(env.spec).toEqual({ id: 'Counter-v0', observationSize: 2, action: { type: 'discrete', n: 2 }, maxEpisodeSteps: 4, rewardThreshold: null });
    expect(listEnvs().find((e) => e.id === 'Counter-v0')).toMatchObject({ kind: 'js', builtin: false });
    expect(getEnvDefinition('JsCartPole-v1').rewardThreshold).toBe(475);
  });

  test('time limit, game truncation, termination, masked auto-reset and finalObs', async () => {
    const env = (await createEnv('Counter-v0', { numEnvs: 4 })) as JsVecEnv;
    const batch = lastBatch!;
    expect(Array.from(await env.reset())).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
    // Env 0 runs into the time limit (4 steps), env 1 quits at its 3rd step, env 2 truncates itself at count 2,
    // env 3 quits and hits the limit on the same step (its 4th).
    const plan = [
      [0, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 0, 1],
    ];
    const results: StepResult[] = [];
    for (const actions of plan) results.push(await env.step(Int32Array.from(actions)));
    const flags = (r: StepResult) => Array.from(r.terminated).map((t, n) => `${t}${r.truncated[n]}`);
    expect(results.map(flags)).toEqual([
      ['00', '00', '00', '00'],
      ['00', '00', '01', '00'],
      ['00', '10', '00', '00'],
      ['01', '00', '01', '11'],
    ]);
    const last = results[3]!;
    expect(Array.from(last.finalObs)).toEqual([4, 1, 1, 2, 2, 2, 4, 1]);
    expect(Array.from(last.obs)).toEqual([0, 2, 1, 2, 0, 3, 0, 2]);
    expect(Array.from(last.reward)).toEqual([4, 1, 2, 4]);
    expect(batch.masks).toEqual(['all', [0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 1, 1]]);
    expect(Array.from(env.episodeSteps)).toEqual([0, 1, 0, 0]);
  });

  test('stepInto writes into the caller arrays and matches step()', async () => {
    const a = (await createEnv('JsCartPole-v1', { numEnvs: 5, seed: 3 })) as JsVecEnv;
    const b = (await createEnv('JsCartPole-v1', { numEnvs: 5, seed: 3 })) as JsVecEnv;
    const obs = new Float32Array(20);
    a.resetInto(obs);
    expect(Array.from(obs)).toEqual(Array.from(await b.reset()));
    const out = allocateStepResult(a.spec, 5);
    const arrays = { ...out };
    const random = seededRandom(2);
    for (let t = 0; t < 30; t++) {
      const actions = Int32Array.from({ length: 5 }, () => (random() < 0.5 ? 0 : 1));
      expect(a.stepInto(actions, out)).toBeUndefined();
      const want = await b.step(actions);
      for (const key of ['obs', 'reward', 'terminated', 'truncated', 'finalObs'] as const) {
        expect(out[key], key).toBe(arrays[key]);
        expect(Array.from(out[key]), `step ${t} ${key}`).toEqual(Array.from(want[key]));
      }
    }
  });

  test('input errors name the field and change nothing', async () => {
    const env = (await createEnv('JsCartPole-v1', { numEnvs: 2, seed: 1 })) as JsVecEnv;
    await expect(env.step(new Int32Array(2))).rejects.toThrow('JsCartPole-v1.step: call reset() (or setState()) before step()');
    await env.reset();
    const before = await env.getState();
    await expect(env.step(Int32Array.from([0, 5]))).rejects.toThrow(/JsCartPole-v1.step: actions\[1\] is 5; expected an action index in \[0, 1\]/);
    await expect(env.step(new Float32Array(2))).rejects.toThrow(/actions is a Float32Array of length 2; expected an Int32Array/);
    expect(() => env.stepInto(new Int32Array(2), { ...allocateStepResult(env.spec, 2), reward: new Float32Array(3) })).toThrow(
      /JsCartPole-v1.stepInto: out.reward is a Float32Array of length 3; expected a Float32Array of length 2/,
    );
    expect(Array.from(await env.getState())).toEqual(Array.from(before));
    expect(Array.from(env.episodeSteps)).toEqual([0, 0]);
    expect(() => env.setState(new Float32Array(7))).toThrow(/JsCartPole-v1.setState: state.length is 7; expected a Float32Array of 8 finite numbers/);
    const counter = await createEnv('Counter-v0', { numEnvs: 1 });
    await expect(counter.getState()).rejects.toThrow(/Counter-v0.getState: the JavaScript environment 'Counter-v0' does not support getState/);
    await expect(createEnv('Counter-v0', { numEnvs: 0 })).rejects.toThrow(EnvInputError);
  });
});

describe('the example JS CartPole', () => {
  gpuTest('follows the GPU CartPole-v1 step for step from the same seed and actions', async (gpu) => {
    const N = 64;
    const seed = 2024;
    const js = await createEnv('JsCartPole-v1', { numEnvs: N, seed });
    const gpuEnv = await createEnv('CartPole-v1', { numEnvs: N, seed, gpu });
    const jsObs = await js.reset();
    expect(Array.from(jsObs), 'the same first states').toEqual(Array.from(await gpuEnv.reset()));
    const random = seededRandom(77);
    let ended = 0;
    for (let t = 0; t < 300; t++) {
      const actions = Int32Array.from({ length: N }, () => (random() < 0.5 ? 0 : 1));
      const a = await js.step(actions);
      const b = await gpuEnv.step(actions);
      expect(Array.from(a.terminated), `step ${t} terminated`).toEqual(Array.from(b.terminated));
      expect(Array.from(a.truncated), `step ${t} truncated`).toEqual(Array.from(b.truncated));
      expect(Array.from(a.reward)).toEqual(Array.from(b.reward));
      // Trajectories drift apart by float32 rounding of the GPU's intermediate values (CartPole is unstable, so
      // a 1e-7 difference grows ~10% per step); episodes under random actions are short enough to stay close.
      expectClose(a.finalObs, b.finalObs, { atol: 1e-4, rtol: 1e-4 }, `step ${t} finalObs`);
      expectClose(a.obs, b.obs, { atol: 1e-4, rtol: 1e-4 }, `step ${t} obs`);
      ended += a.terminated.reduce((s, v) => s + v, 0);
    }
    expect(ended).toBeGreaterThan(N * 5);
    gpuEnv.destroy();
  });
});
