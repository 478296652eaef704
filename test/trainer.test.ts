/**
 * The trainer's contract: configuration validated up front with errors that name the key; NaN or infinity stops
 * training with the quantity and the iteration named and the last good parameters kept; the summary's counters.
 */
import { describe, expect, test } from 'vitest';
import { createTrainer, TrainingDivergedError } from '../src/index.js';
import { ConfigError, resolveConfig } from '../src/algos/config.js';
import { defineGpuEnv } from '../src/envs/registry.js';
import { UnknownEnvError } from '../src/envs/errors.js';
import { gpuTest } from './helpers/gpu.js';

describe('trainer configuration', () => {
  test('CleanRL defaults with the tuned overrides of the environment', () => {
    // An environment without tuned overrides gets CleanRL's ppo.py defaults.
    const config = resolveConfig({ env: 'SomeCustom-v0' }, false);
    expect(config).toMatchObject({ num_envs: 4, num_steps: 128, learning_rate: 2.5e-4, clip_coef: 0.2, ent_coef: 0.01, vf_coef: 0.5, max_grad_norm: 0.5, adam_eps: 1e-5, norm_obs: false });
    expect(resolveConfig({ env: 'SomeCustom-v0' }, true)).toMatchObject({ num_envs: 1, num_steps: 2048, num_minibatches: 32, update_epochs: 10, ent_coef: 0, norm_obs: true, norm_reward: true });
    // Tuned overrides, and the user's keys over them.
    expect(resolveConfig({ env: 'Acrobot-v1' }, false)).toMatchObject({ num_envs: 16, num_steps: 256, clip_coef: 0.2 });
    expect(resolveConfig({ env: 'Acrobot-v1', num_envs: 8, seed: 9 }, false)).toMatchObject({ num_envs: 8, seed: 9 });
  });

  test.each([
    [{ env: 'CartPole-v1', clip_coeff: 0.2 }, /'clip_coeff'.*no such key \(did you mean 'clip_coef'\?\)/],
    [{ env: 'CartPole-v1', numEnvs: 8 }, /'numEnvs'.*did you mean 'num_envs'/],
    [{ env: 'CartPole-v1', num_envs: '8' }, /'num_envs' is "8"; expected a positive integer/],
    [{ env: 'CartPole-v1', clip_coef: 0 }, /'clip_coef' is 0; expected a finite number > 0/],
    [{ env: 'CartPole-v1', gamma: 1.2 }, /'gamma' is 1.2; expected a number in \[0, 1\]/],
    [{ env: 'CartPole-v1', num_envs: 6, num_steps: 5, num_minibatches: 4 }, /'num_minibatches' is 4; expected a divisor of the batch num_envs x num_steps = 30/],
    [{ env: 'CartPole-v1', target_kl: -1 }, /'target_kl' is -1; expected null \(off\) or a number > 0/],
    [{ env: 'CartPole-v1', hidden_sizes: [64, 0] }, /'hidden_sizes' is \[64, 0\]/],
    [{ env: 'CartPole-v1', algo: 'trpo' }, /'algo' is "trpo"; expected 'ppo' \(PPO-Clip\) or 'ppo-penalty'/],
    [{ env: 'CartPole-v1', anneal_lr: 1 }, /'anneal_lr' is 1; expected true or false/],
  ])('rejects %j', (config, message) => {
    expect(() => resolveConfig(config as never, false)).toThrow(ConfigError);
    expect(() => resolveConfig(config as never, false)).toThrow(message);
  });

  test('createTrainer rejects an unknown environment listing the known ones, before touching the GPU', async () => {
    await expect(createTrainer({ env: 'CartPol-v1' })).rejects.toThrow(UnknownEnvError);
    await expect(createTrainer({ env: 'CartPol-v1' })).rejects.toThrow(/CartPole-v1/);
    await expect(createTrainer({ env: 'CartPole-v1', learning_rate: -1 })).rejects.toThrow(/'learning_rate' is -1/);
  });
});

// Rewards turn NaN from the third step of every episode: GAE, the losses and the gradient follow.
defineGpuEnv({
  id: 'NanReward-v0',
  observationSize: 1,
  action: { type: 'discrete', n: 2 },
  stateSize: 1,
  maxEpisodeSteps: 50,
  wgsl: /* wgsl */ `
fn env_reset(rng: ptr<function, Rng>) -> EnvState { return EnvState(0.0); }
fn env_step(state: ptr<function, EnvState>, action: EnvAction, rng: ptr<function, Rng>) -> EnvStep {
  (*state)[0] = (*state)[0] + 1.0;
  let zero = (*state)[0] * 0.0;
  return EnvStep(select(1.0, zero / zero, (*state)[0] > 2.0), false);
}
fn env_observe(state: ptr<function, EnvState>) -> EnvObs { return EnvObs((*state)[0] * 0.1); }
`,
});

describe('trainer health', () => {
  gpuTest('a NaN reward stops training naming the quantity and iteration, and keeps the last good parameters', async (gpu) => {
    const trainer = await createTrainer({ env: 'NanReward-v0', num_envs: 4, num_steps: 8, num_minibatches: 2, update_epochs: 2 }, { gpu });
    const before = await trainer.algorithm.readParameters();
    const error = await trainer.train({ totalSteps: 64 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingDivergedError);
    expect((error as TrainingDivergedError).iteration).toBe(1);
    expect((error as Error).message).toMatch(/the policy loss became NaN or infinite at iteration 1/);
    expect([...(await trainer.algorithm.readParameters())]).toEqual([...before]);
    trainer.destroy();
  });

  gpuTest('a training summary reports one submit and one readback per iteration on GPU environments', async (gpu) => {
    const trainer = await createTrainer({ env: 'CartPole-v1', num_envs: 8, num_steps: 16, num_minibatches: 2, update_epochs: 2 }, { gpu });
    const seen: number[] = [];
    const summary = await trainer.train({ totalSteps: 3 * 128, onIteration: (s) => void seen.push(s.globalStep) });
    expect(seen).toEqual([128, 256, 384]);
    expect(summary.totalSteps).toBe(384);
    expect(summary.gpu).toMatchObject({ submitsPerIteration: 1, readbacksPerIteration: 1 });
    // rollout, GAE, 2 epochs x (epoch + 2 minibatches x (loss + gradient + Adam 2)), stats.
    expect(summary.gpu.dispatchesPerIteration).toBe(1 + 1 + 2 * (1 + 2 * 4) + 1);
    expect(summary.gpu.bufferBytes).toBeGreaterThan(0);
    expect(summary.adapter.vendor + summary.adapter.description).not.toBe('');
    const evaluation = await trainer.evaluate({ episodes: 7 });
    expect(evaluation.returns).toHaveLength(7);
    expect(evaluation.returns.every((r, i) => r === evaluation.lengths[i])).toBe(true); // CartPole: reward 1 per step
    trainer.destroy();
  });
});

describe('trainer state between iterations', () => {
  gpuTest('a checkpoint taken between iterations counts the iteration in flight; the lr schedule spans total_timesteps', async (gpu) => {
    const { saveTrainer, decodeSafetensors } = await import('../src/index.js');
    const config = { env: 'CartPole-v1', num_envs: 4, num_steps: 8, num_minibatches: 2, update_epochs: 3, total_timesteps: 6 * 32, learning_rate: 1e-3 };
    const trainer = await createTrainer(config, { gpu });
    const rates: number[] = [];
    let saved: Uint8Array | undefined;
    await trainer.train({
      totalSteps: 3 * 32,
      onIteration: async (s) => {
        rates.push(s.learningRate);
        if (s.iteration === 2) saved = await saveTrainer(trainer);
      },
    });
    const file = decodeSafetensors(saved!);
    // Iteration 3 was in flight when iteration 2 was reported; the save waited for it and counted it.
    expect(file.metadata.iteration).toBe('3');
    expect(file.metadata.global_step).toBe(String(3 * 32));
    expect(file.tensors.get('optimizer.control')!.data[1]).toBe(3 * 3 * 2); // Adam steps: iterations x epochs x minibatches
    // A second call continues the schedule over total_timesteps (6 iterations): lr = 1e-3 (1 - (k - 1) / 6).
    await trainer.train();
    await trainer.train({ totalSteps: 32, onIteration: (s) => void rates.push(s.learningRate) });
    expect(trainer.globalStep).toBe(7 * 32);
    expect(rates.slice(0, 3).map((r) => +r.toFixed(6))).toEqual([1, 5 / 6, 4 / 6].map((f) => +(1e-3 * f).toFixed(6)));
    expect(rates[3]).toBeCloseTo(1e-3 / 6, 7); // past the plan the rate stays at its last value
    await expect(trainer.train()).rejects.toThrow(/planned total_timesteps \(192\) are done/);
    trainer.destroy();
  });
});

describe('JavaScript environments', () => {
  gpuTest('train through the JS path and resume from a checkpoint exactly when getState/setState hold the whole game', async (gpu) => {
    const { defineJsEnv, saveTrainer, loadTrainer } = await import('../src/index.js');
    // A walk on a line: the state is [position, episodes started], so getState/setState capture everything,
    // including what decides the next reset (a resumed run must draw the same starts).
    defineJsEnv({
      id: 'JsWalk-v0',
      observationSize: 1,
      action: { type: 'discrete', n: 2 },
      maxEpisodeSteps: 12,
      stateSize: 2,
      create: ({ numEnvs }) => {
        const state = new Float32Array(2 * numEnvs);
        const start = (n: number) => ((state[2 * n + 1]! * 7 + n * 3) % 5) - 2;
        return {
          reset(obs, mask) {
            for (let n = 0; n < numEnvs; n++) {
              if (mask && !mask[n]) continue;
              state[2 * n] = start(n);
              state[2 * n + 1]! += 1;
              obs[n] = state[2 * n]!;
            }
          },
          step(actions, out) {
            for (let n = 0; n < numEnvs; n++) {
              state[2 * n]! += actions[n] === 1 ? 1 : -1;
              out.obs[n] = state[2 * n]!;
              out.reward[n] = state[2 * n]! >= 4 ? 1 : -0.1;
              out.terminated[n] = state[2 * n]! >= 4 ? 1 : 0;
            }
          },
          getState: () => state.slice(),
          setState: (s) => state.set(s),
        };
      },
    });
    const config = { env: 'JsWalk-v0', num_envs: 4, num_steps: 16, num_minibatches: 2, update_epochs: 2, total_timesteps: 4 * 64 };
    const original = await createTrainer(config, { gpu });
    const first = await original.train({ totalSteps: 2 * 64 });
    expect(first.gpu).toMatchObject({ submitsPerIteration: 17, readbacksPerIteration: 17 });
    const resumed = await loadTrainer(await saveTrainer(original), { gpu });
    const next = async (trainer: typeof original) => {
      for await (const stats of trainer.iterations({ totalSteps: 64 })) return stats;
      throw new Error('no iteration');
    };
    const [a, b] = [await next(original), await next(resumed)];
    for (const key of ['policyLoss', 'valueLoss', 'entropy', 'approxKl', 'episodes', 'returnSum'] as const) expect(b[key], key).toBe(a[key]);
    expect(a.episodes).toBeGreaterThan(0);
    original.destroy();
    resumed.destroy();
  });
});
