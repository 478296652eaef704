/**
 * The fused rollout and the iteration statistics, replayed on the CPU: every stored observation, reward, done flag,
 * log-probability and value of a GPU rollout must be what the float64 reference environment and networks give
 * for the actions the GPU sampled (resets drawn with the host generator), truncated steps must bootstrap from the
 * critic's value of the final observation, and the statistics block must summarise the stored episodes.
 */
import { describe, expect } from 'vitest';
import type { Gpu } from '../../src/gpu/device.js';
import { readFloat32 } from '../../src/gpu/readback.js';
import { createEnv } from '../../src/envs/create.js';
import { defineGpuEnv } from '../../src/envs/registry.js';
import type { GpuVecEnv } from '../../src/envs/gpuEnv.js';
import { resolveConfig } from '../../src/config.js';
import { Ppo } from '../../src/ppo/ppo.js';
import { IterationStats } from '../../src/ppo/iterationStats.js';
import { RngStream, rngHost } from '../../shaders/rng.js';
import { gpuTest } from '../helpers/gpu.js';
import { cartPoleReference } from '../../reference/envs/cartpole.js';
import type { ReferenceEnv } from '../../reference/envs/types.js';
import { logSoftmax, mlpForward } from '../../reference/ppo.js';

/** A tiny environment with a short time limit, so truncation happens inside a rollout. */
const drift: ReferenceEnv & { maxEpisodeSteps: number } = {
  id: 'RolloutDrift-v0',
  stateSize: 1,
  observationSize: 2,
  maxEpisodeSteps: 5,
  reset(rng, state) {
    state[0] = rng.uniform(0, 1);
  },
  step(state, action, out) {
    const a = typeof action === 'number' ? action : action[0]!;
    state[0] = Math.fround(state[0]! + (a === 1 ? 0.25 : -0.25));
    out.reward = state[0]!;
    out.terminated = state[0]! > 1.6;
  },
  observe(state, obs) {
    obs[0] = state[0]!;
    obs[1] = Math.fround(state[0]! * state[0]!);
  },
  terminal: (state) => state[0]! > 1.6,
};

defineGpuEnv({
  id: drift.id,
  observationSize: 2,
  action: { type: 'discrete', n: 2 },
  stateSize: 1,
  maxEpisodeSteps: drift.maxEpisodeSteps,
  wgsl: /* wgsl */ `
fn env_reset(rng: ptr<function, Rng>) -> EnvState {
  return EnvState(rng_uniform(rng, 0.0, 1.0));
}
fn env_step(state: ptr<function, EnvState>, action: EnvAction, rng: ptr<function, Rng>) -> EnvStep {
  (*state)[0] = (*state)[0] + select(-0.25, 0.25, action == 1u);
  return EnvStep((*state)[0], (*state)[0] > 1.6);
}
fn env_observe(state: ptr<function, EnvState>) -> EnvObs {
  return EnvObs((*state)[0], (*state)[0] * (*state)[0]);
}
`,
});

async function replay(gpu: Gpu, reference: ReferenceEnv, envId: string, numEnvs: number, numSteps: number, stateFromObs: boolean) {
  const config = resolveConfig({ env: envId, num_envs: numEnvs, num_steps: numSteps, num_minibatches: 1, update_epochs: 1, seed: 5 }, false);
  const env = (await createEnv(envId, { numEnvs, seed: config.seed, gpu })) as GpuVecEnv;
  const ppo = await Ppo.create(gpu, env, config);
  const theta = ppo.agent.initialParameters(config.seed);
  const read = await ppo.submitIteration(1, 2);
  const stats = IterationStats.decode(await read());
  const data = await readFloat32(gpu, ppo.state.storage, ppo.layout.floats);
  const o = ppo.layout.offsets;
  const M = ppo.layout.samples;
  const O = reference.observationSize;
  const obsAt = (s: number) => Array.from({ length: O }, (_, f) => data[o.obs + f * M + s]!);
  const tol = (x: number) => 2e-5 + 2e-5 * Math.abs(x);
  const episodes: { t: number; n: number; ret: number; length: number }[] = [];
  let ones = 0;
  let expectedOnes = 0;
  for (let n = 0; n < numEnvs; n++) {
    const state = new Float64Array(reference.stateSize);
    const outcome = { reward: 0, terminated: false };
    let episode = 0;
    reference.reset(rngHost.create(config.seed, RngStream.envReset, n, episode++), state);
    let steps = 0;
    let running = 0;
    for (let t = 0; t < numSteps; t++) {
      const s = t * numEnvs + n;
      const obs = obsAt(s);
      const expectedObs = new Float64Array(O);
      reference.observe(state, expectedObs);
      obs.forEach((v, f) => expect(Math.abs(v - expectedObs[f]!), `obs[${f}] of env ${n} at step ${t}`).toBeLessThan(tol(expectedObs[f]!)));
      // One-step dynamics from the GPU's own f32 state, so float32 rounding does not accumulate.
      if (stateFromObs) obs.forEach((v, f) => (state[f] = v));
      const head = mlpForward(theta, ppo.agent.actor, obs);
      const logp = logSoftmax(head);
      const action = data[o.actions + s]!;
      expect(Number.isInteger(action) && action >= 0 && action < head.length).toBe(true);
      ones += action;
      expectedOnes += Math.exp(logp[1]!);
      expect(Math.abs(data[o.logprobs + s]! - logp[action]!), `log-prob at ${t},${n}`).toBeLessThan(tol(logp[action]!));
      const value = mlpForward(theta, ppo.agent.critic, obs)[0]!;
      expect(Math.abs(data[o.values + s]! - value), `value at ${t},${n}`).toBeLessThan(tol(value));
      reference.step(state, action, outcome);
      steps++;
      running += outcome.reward;
      const truncated = steps >= env.spec.maxEpisodeSteps;
      expect(data[o.rewards + s], `reward at ${t},${n}`).toBeCloseTo(outcome.reward, 5);
      expect(data[o.dones + s], `dones at ${t},${n}`).toBe((outcome.terminated ? 1 : 0) + (truncated ? 2 : 0));
      const finalObs = new Float64Array(O);
      reference.observe(state, finalObs);
      const finalValue = truncated && !outcome.terminated ? mlpForward(theta, ppo.agent.critic, Array.from(finalObs, Math.fround))[0]! : 0;
      expect(Math.abs(data[o.finalValues + s]! - finalValue), `final value at ${t},${n}`).toBeLessThan(tol(finalValue));
      if (outcome.terminated || truncated) {
        expect(data[o.episodeReturns + s]).toBeCloseTo(running, 4);
        expect(data[o.episodeLengths + s]).toBe(steps);
        episodes.push({ t, n, ret: data[o.episodeReturns + s]!, length: steps });
        reference.reset(rngHost.create(config.seed, RngStream.envReset, n, episode++), state);
        steps = 0;
        running = 0;
      } else {
        expect(data[o.episodeLengths + s]).toBe(0);
      }
    }
    // The bootstrap row: V of the observation after the last step.
    const last = new Float64Array(O);
    reference.observe(state, last);
    const lastValue = mlpForward(theta, ppo.agent.critic, Array.from(last, Math.fround))[0]!;
    expect(Math.abs(data[o.values + numSteps * numEnvs + n]! - lastValue)).toBeLessThan(tol(lastValue) * 10);
  }
  ppo.destroy();
  env.destroy();
  return { stats, data, episodes, ones, expectedOnes, M, o };
}

describe('fused rollout', () => {
  gpuTest('CartPole-v1: observations, rewards, dones, log-probs, values and episodes replay on the float64 reference', async (gpu) => {
    const { ones, expectedOnes, M } = await replay(gpu, cartPoleReference, 'CartPole-v1', 5, 64, true);
    // Sampled actions follow the policy: the count of action 1 is within 4 standard deviations of its mean.
    expect(Math.abs(ones - expectedOnes)).toBeLessThan(4 * Math.sqrt(M * 0.25));
  });

  gpuTest('a 5-step time limit: truncated steps bootstrap from V(final observation), terminated ones do not', async (gpu) => {
    const { data, o, M } = await replay(gpu, drift, drift.id, 7, 23, false);
    let truncations = 0;
    for (let s = 0; s < M; s++) if (data[o.dones + s]! >= 2) truncations++;
    expect(truncations).toBeGreaterThan(10);
  });

  gpuTest('the statistics block summarises the episodes and values of the rollout', async (gpu) => {
    const { stats, data, episodes, M, o } = await replay(gpu, drift, drift.id, 9, 17, false);
    expect(stats.episodes).toBe(episodes.length);
    const returns = episodes.map((e) => e.ret);
    expect(stats.returnSum).toBeCloseTo(returns.reduce((a, b) => a + b, 0), 3);
    expect(stats.lengthSum).toBe(episodes.reduce((a, e) => a + e.length, 0));
    expect(stats.returnMin).toBeCloseTo(Math.min(...returns), 5);
    expect(stats.returnMax).toBeCloseTo(Math.max(...returns), 5);
    // The last 20 episodes, in time order (ties by environment index).
    const ordered = [...episodes].sort((a, b) => a.t - b.t || a.n - b.n).slice(-20);
    expect(stats.recentCount).toBe(ordered.length);
    expect(stats.recentReturnMean).toBeCloseTo(ordered.reduce((a, e) => a + e.ret, 0) / ordered.length, 4);
    // Explained variance 1 - Var(R - V) / Var(R) over the batch.
    const R = Array.from({ length: M }, (_, s) => data[o.returns + s]!);
    const V = Array.from({ length: M }, (_, s) => data[o.values + s]!);
    const variance = (x: number[]) => {
      const m = x.reduce((a, b) => a + b, 0) / x.length;
      return x.reduce((a, b) => a + (b - m) ** 2, 0) / x.length;
    };
    expect(stats.explainedVariance).toBeCloseTo(1 - variance(R.map((r, i) => r - V[i]!)) / variance(R), 4);
    expect(stats.minibatchesDone).toBe(1);
  });
});
