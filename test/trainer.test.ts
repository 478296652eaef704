/**
 * The trainer's contract: configuration validated up front with errors that name the key; NaN or infinity stops
 * training with the quantity and the iteration named and the last good parameters kept; the summary's counters.
 */
import { describe, expect, test } from 'vitest';
import { createTrainer, TrainingDivergedError } from '../src/index.js';
import { ConfigError, resolveConfig } from '../src/config.js';
import { defineGpuEnv, getEnvDefinition } from '../src/envs/registry.js';
import { checkBatchFits } from '../src/trainer.js';
import type { Gpu } from '../src/gpu/device.js';
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
    [{ env: 'CartPole-v1', algo: 'trpoo' }, /'algo' is "trpoo"; expected one of 'ppo', 'ppo-penalty', 'a2c', 'reinforce', 'trpo' \(did you mean 'trpo'\?\)/],
    [{ env: 'CartPole-v1', algo: 'trpo', max_kl: -0.01 }, /'max_kl' is -0.01; expected a finite number > 0/],
    [{ env: 'CartPole-v1', algo: 'trpo', cg_iters: 0 }, /'cg_iters' is 0; expected a positive integer/],
    [{ env: 'CartPole-v1', algo: 'trpo', backtrack_coef: 1 }, /'backtrack_coef' is 1; expected a number in \(0, 1\)/],
    [{ env: 'CartPole-v1', algo: 'trpo', target_kl: 0.02 }, /'target_kl' is 0.02; expected null with algo 'trpo'/],
    [{ env: 'CartPole-v1', algo: 'trpo', ent_coef: 0.01 }, /'ent_coef' is 0.01; expected 0 with algo 'trpo'/],
    [{ env: 'CartPole-v1', algo: 'a2d' }, /'algo' is "a2d"; expected one of .* \(did you mean 'a2c'\?\)/],
    [{ env: 'CartPole-v1', algo: 'reinforce', psi: 'reward_to_goo' }, /'psi' is "reward_to_goo"; expected one of .* \(did you mean 'reward_to_go'\?\)/],
    [{ env: 'CartPole-v1', algo: 'a2c', update_epochs: 4 }, /'update_epochs' is 4; expected 1 with algo 'a2c'/],
    [{ env: 'CartPole-v1', algo: 'reinforce', num_minibatches: 2 }, /'num_minibatches' is 2; expected 1 with algo 'reinforce'/],
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
    // rollout, GAE, 2 epochs x (epoch + 2 minibatches x (loss + gradient + Adam 2)), batch KL 2, stats.
    expect(summary.gpu.dispatchesPerIteration).toBe(1 + 1 + 2 * (1 + 2 * 4) + 2 + 1);
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

describe('trainer counters are measured', () => {
  gpuTest('a hidden extra submit or readback inside an iteration shows in the summary', async (gpu) => {
    const { readBuffer } = await import('../src/gpu/readback.js');
    const trainer = await createTrainer({ env: 'CartPole-v1', num_envs: 4, num_steps: 8, num_minibatches: 2, update_epochs: 1 }, { gpu });
    expect((await trainer.train({ totalSteps: 2 * 32 })).gpu).toMatchObject({ submitsPerIteration: 1, readbacksPerIteration: 1 });
    // One empty submit and one single-buffer read (a submit and a map) slipped into the update's encoding.
    const update = trainer.algorithm.update;
    const encode = update.encode.bind(update);
    const extra: Promise<unknown>[] = [];
    update.encode = (recorder) => {
      gpu.device.queue.submit([]);
      extra.push(readBuffer(gpu, trainer.algorithm.state.params, 16));
      encode(recorder);
    };
    const summary = await trainer.train({ totalSteps: 2 * 32 });
    await Promise.all(extra);
    expect(summary.gpu).toMatchObject({ submitsPerIteration: 3, readbacksPerIteration: 2 });
    trainer.destroy();
  });
});

describe('trainer misuse', () => {
  const config = { env: 'CartPole-v1', num_envs: 4, num_steps: 8, num_minibatches: 2, update_epochs: 2, total_timesteps: 1 << 20 };
  const batch = 32;

  gpuTest('a second train() or iterations() while training rejects at once; the first one finishes', async (gpu) => {
    const trainer = await createTrainer(config, { gpu });
    const first = trainer.train({ totalSteps: 4 * batch });
    await expect(trainer.train({ totalSteps: batch })).rejects.toThrow(/Trainer\.train\(\): this trainer is already training/);
    await expect(trainer.iterations({ totalSteps: batch }).next()).rejects.toThrow(/Trainer\.iterations\(\): this trainer is already training/);
    expect((await first).totalSteps).toBe(4 * batch);
    // Once it has ended, training again works (the summary's totalSteps counts the whole run).
    expect((await trainer.train({ totalSteps: batch })).totalSteps).toBe(5 * batch);
    expect(trainer.globalStep).toBe(5 * batch);
    trainer.destroy();
  });

  gpuTest('saveTrainer, exportPolicy and evaluate during training are consistent snapshots and never fail train()', async (gpu) => {
    const { saveTrainer, exportPolicy, decodeSafetensors } = await import('../src/index.js');
    const trainer = await createTrainer(config, { gpu });
    const saves: Promise<Uint8Array>[] = [];
    const others: Promise<unknown>[] = [];
    const rates: [number, number][] = [];
    // Started without awaiting them, so they run while the loop submits the next iteration and reads this one.
    const summary = await trainer.train({
      totalSteps: 6 * batch,
      onIteration: (s) => {
        rates.push([s.iteration, s.learningRate]);
        saves.push(saveTrainer(trainer));
        others.push(exportPolicy(trainer), trainer.evaluate({ episodes: 3 }), trainer.settle());
      },
    });
    saves.push(saveTrainer(trainer));
    expect(summary.totalSteps).toBe(6 * batch);
    // Every iteration was submitted under its own number: the annealed rate lr (1 - (k - 1) / K), lr = 1e-3 (the
    // tuned CartPole-v1 default), K = 2^20 / 32 (one iteration moves it by 3e-8; f32 rounding is below 1e-10).
    expect(rates.map(([k]) => k)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const [k, rate] of rates) expect(Math.abs(rate - 1e-3 * (1 - (k - 1) / 32768)), `iteration ${k}`).toBeLessThan(1e-10);
    await Promise.all(others);
    for (const bytes of await Promise.all(saves)) {
      const file = decodeSafetensors(bytes);
      const iteration = Number(file.metadata.iteration);
      // Parameters, Adam and counters of one iteration: Adam's step count is iterations x epochs x minibatches.
      expect(file.metadata.global_step).toBe(String(iteration * batch));
      expect(file.tensors.get('optimizer.control')!.data[1], `iteration ${iteration}`).toBe(iteration * 2 * 2);
    }
    trainer.destroy();
  });

  gpuTest('after destroy() every method throws DestroyedError; destroy twice is safe', async (gpu) => {
    const { DestroyedError, saveTrainer, exportPolicy, loadPolicy } = await import('../src/index.js');
    const trainer = await createTrainer(config, { gpu });
    await trainer.train({ totalSteps: batch });
    const file = await exportPolicy(trainer);
    const before = gpu.bytesAllocated;
    const policy = trainer.policy;
    trainer.destroy();
    trainer.destroy();
    expect(gpu.bytesAllocated).toBeLessThan(before);
    const obs = new Float32Array([0, 0, 0.01, 0]);
    const destroyed = /this object was destroyed/;
    await expect(trainer.train({ totalSteps: batch })).rejects.toThrow(DestroyedError);
    await expect(trainer.iterations({ totalSteps: batch }).next()).rejects.toThrow(DestroyedError);
    await expect(trainer.evaluate({ episodes: 2 })).rejects.toThrow(DestroyedError);
    await expect(trainer.settle()).rejects.toThrow(DestroyedError);
    await expect(exportPolicy(trainer)).rejects.toThrow(/exportPolicy\(\): this object was destroyed/);
    await expect(saveTrainer(trainer)).rejects.toThrow(/saveTrainer\(\): this object was destroyed/);
    expect(() => policy.act(obs)).toThrow(/GpuPolicy\.act\(\): this object was destroyed/);
    // Loaded policies, on both backends.
    const onGpu = await loadPolicy(file, { gpu });
    const onCpu = await loadPolicy(file, { backend: 'cpu' });
    await onGpu.act(obs);
    onGpu.destroy();
    onGpu.destroy();
    onCpu.destroy();
    onCpu.destroy();
    expect(() => onGpu.act(obs)).toThrow(destroyed);
    expect(() => onCpu.actSync(obs)).toThrow(/CpuPolicy\.actSync\(\): this object was destroyed/);
    await expect(onCpu.act(obs)).rejects.toThrow(DestroyedError);
    expect(() => onCpu.head(obs)).toThrow(DestroyedError);
  });

  gpuTest('destroy() during training stops it: train() rejects with DestroyedError and all memory is freed', async (gpu) => {
    const { DestroyedError } = await import('../src/index.js');
    const before = gpu.bytesAllocated;
    const trainer = await createTrainer(config, { gpu });
    const seen: number[] = [];
    // From inside the loop (an iteration in flight), and from outside while it runs, with an act() pending.
    const inside = trainer.train({
      totalSteps: 50 * batch,
      onIteration: (s) => {
        seen.push(s.iteration);
        if (s.iteration === 2) trainer.destroy();
      },
    });
    const error = await inside.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DestroyedError);
    expect((error as Error).message).toMatch(/Trainer\.train\(\): this object was destroyed.*training stopped/);
    expect(seen).toEqual([1, 2]);

    const other = await createTrainer(config, { gpu });
    const outside = other.train({ totalSteps: 50 * batch });
    const act = other.policy.act(new Float32Array(4 * 3));
    await new Promise((resolve) => setTimeout(resolve, 50));
    other.destroy();
    expect((await act).length).toBe(3);
    await expect(outside).rejects.toThrow(DestroyedError);
    // The memory is freed once the work in flight has finished (a macrotask later at most).
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(gpu.bytesAllocated).toBe(before);
  });
});

describe('options objects are checked like the config', () => {
  test('inherited names and __proto__ in a config (object or parsed file) are refused', () => {
    const refused = (config: unknown, message: RegExp) => {
      expect(() => resolveConfig(config as never, false)).toThrow(ConfigError);
      expect(() => resolveConfig(config as never, false)).toThrow(message);
    };
    refused(JSON.parse('{"env":"CartPole-v1","__proto__":{"num_envs":2}}'), /trainer config '__proto__' is .*; expected no such key/);
    refused(Object.assign({ env: 'CartPole-v1' }, { constructor: 'x' }), /trainer config 'constructor' is "x"; expected no such key/);
    refused({ env: 'CartPole-v1', toString: 1 }, /trainer config 'toString' is 1; expected no such key/);
    refused(Object.assign(Object.create({ num_envs: 2 }), { env: 'CartPole-v1' }), /trainer config 'num_envs' is 2; expected no such key \(inherited from the prototype/);
    expect(resolveConfig(JSON.parse('{"env":"CartPole-v1","num_envs":2}'), false).num_envs).toBe(2);
  });

  gpuTest('createTrainer, train, iterations, evaluate, act and loadPolicy options', async (gpu) => {
    const { exportPolicy, loadPolicy, UnknownOptionError } = await import('../src/index.js');
    await expect(createTrainer({ env: 'CartPole-v1' }, { gpus: gpu } as never)).rejects.toThrow(
      /createTrainer\(config, options\): unknown option 'gpus', did you mean 'gpu'\?/,
    );
    const trainer = await createTrainer({ env: 'CartPole-v1', num_envs: 4, num_steps: 8, num_minibatches: 2, update_epochs: 1 }, { gpu });
    await expect(trainer.train({ totalStep: 32 } as never)).rejects.toThrow(/Trainer\.train: unknown option 'totalStep', did you mean 'totalSteps'\?/);
    await expect(trainer.train({ onIteration: true } as never)).rejects.toThrow(/onIteration is boolean; expected a function/);
    await expect(trainer.iterations({ totalsteps: 32 } as never).next()).rejects.toThrow(/Trainer\.iterations: unknown option 'totalsteps', did you mean 'totalSteps'\?/);
    await expect(trainer.evaluate({ episode: 3 } as never)).rejects.toThrow(/Trainer\.evaluate: unknown option 'episode', did you mean 'episodes'\?/);
    await expect(trainer.evaluate({ deterministic: 'yes' } as never)).rejects.toThrow(/deterministic is yes; expected true or false/);
    const obs = new Float32Array(4);
    expect(() => trainer.policy.act(obs, { determinstic: false } as never)).toThrow(/GpuPolicy\.act: unknown option 'determinstic', did you mean 'deterministic'\?/);
    expect(() => trainer.policy.act(obs, { deterministic: 0 } as never)).toThrow(/deterministic is 0; expected true or false/);
    const file = await exportPolicy(trainer);
    await expect(loadPolicy(file, { backnd: 'cpu' } as never)).rejects.toThrow(UnknownOptionError);
    await expect(loadPolicy(file, { backnd: 'cpu' } as never)).rejects.toThrow(/loadPolicy\(file, options\): unknown option 'backnd', did you mean 'backend'\?/);
    await expect(loadPolicy(file, { backend: 'wasm' } as never)).rejects.toThrow(/backend is "wasm"; expected 'gpu' or 'cpu'/);
    const cpu = await loadPolicy(file, { backend: 'cpu' });
    expect(() => cpu.actSync(obs, { Deterministic: true } as never)).toThrow(/CpuPolicy\.actSync: unknown option 'Deterministic', did you mean 'deterministic'\?/);
    trainer.destroy();
  });
});

describe('num_envs x num_steps too large', () => {
  const cartPole = () => getEnvDefinition('CartPole-v1');
  /** A device whose storage bindings hold 1 MiB. */
  const small = { limits: { maxStorageBufferBindingSize: 1 << 20, maxBufferSize: 1 << 30 } } as unknown as Gpu;

  test('names num_steps with the largest values that fit, num_minibatches still dividing the batch', () => {
    const config = resolveConfig({ env: 'CartPole-v1', num_envs: 6, num_steps: 10_000, num_minibatches: 4 }, false);
    const error = (() => {
      try {
        checkBatchFits(small, config, cartPole());
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.key).toBe('num_steps');
    const match = /use num_steps <= (\d+) at num_envs 6 or num_envs <= (\d+) at num_steps 10000 \(values that num_minibatches 4 divides the batch of\)/.exec(error.message);
    expect(match, error.message).not.toBeNull();
    expect(error.message).toMatch(/6 x 10000 = 60000 samples need \d+ bytes of rollout storage .* over the device's maxStorageBufferBindingSize of 1048576 bytes/);
    const steps = Number(match![1]);
    // The advice fits and is the largest that does: the next value num_minibatches accepts does not fit.
    const fits = (numSteps: number) => {
      try {
        checkBatchFits(small, resolveConfig({ ...config, num_steps: numSteps }, false), cartPole());
        return true;
      } catch {
        return false;
      }
    };
    expect(fits(steps)).toBe(true);
    expect((6 * steps) % 4).toBe(0);
    expect(fits(steps + 2)).toBe(false);
  });

  test('names num_envs when not even one step of them fits', () => {
    const config = resolveConfig({ env: 'CartPole-v1', num_envs: 50_000, num_steps: 4, num_minibatches: 1 }, false);
    expect(() => checkBatchFits(small, config, cartPole())).toThrow(/trainer config 'num_envs' is 50000; expected at most \d+ on this device: buffer GpuVecEnv\.\w+/);
    const fewer = resolveConfig({ env: 'CartPole-v1', num_envs: 20_000, num_steps: 4, num_minibatches: 1 }, false);
    expect(() => checkBatchFits(small, fewer, cartPole())).toThrow(/trainer config 'num_envs' is 20000; expected a value whose rollout fits the device: .* use num_envs <= \d+ at num_steps 4$/);
  });

  gpuTest('createTrainer refuses it on the real device before allocating anything', async (gpu) => {
    const before = gpu.bytesAllocated;
    const error = await createTrainer({ env: 'CartPole-v1', num_envs: 16, num_steps: 2 ** 22, num_minibatches: 1 }, { gpu }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe('num_steps');
    // Not even one environment fits 4194304 steps: only num_steps is advised.
    expect((error as Error).message).toMatch(/16 x 4194304 = 67108864 samples need \d+ bytes of rollout storage.*; use num_steps <= \d+ at num_envs 16$/);
    expect(gpu.bytesAllocated).toBe(before);
  });
});

describe('evaluation of an environment without a time limit', () => {
  gpuTest('an episode that never ends is cut at EVALUATION_STEP_LIMIT steps, so evaluate() returns', async (gpu) => {
    const { EVALUATION_STEP_LIMIT } = await import('../src/agent/evaluate.js');
    const { MAX_EPISODE_STEPS_LIMIT } = await import('../src/envs/gpuEnv.wgsl.js');
    // Reward 1 per step, never terminates, and no time limit but the engine's largest.
    defineGpuEnv(
      {
        id: 'Endless-v0',
        observationSize: 1,
        action: { type: 'discrete', n: 2 },
        stateSize: 1,
        maxEpisodeSteps: MAX_EPISODE_STEPS_LIMIT,
        wgsl: /* wgsl */ `
fn env_reset(rng: ptr<function, Rng>) -> EnvState { return EnvState(0.0); }
fn env_step(state: ptr<function, EnvState>, action: EnvAction, rng: ptr<function, Rng>) -> EnvStep {
  (*state)[0] = (*state)[0] + 1.0;
  return EnvStep(1.0, false);
}
fn env_observe(state: ptr<function, EnvState>) -> EnvObs { return EnvObs(0.0); }`,
      },
      { replace: true },
    );
    const trainer = await createTrainer({ env: 'Endless-v0', num_envs: 2, num_steps: 4, num_minibatches: 1, hidden_sizes: [4] }, { gpu });
    try {
      const evaluation = await trainer.evaluate({ episodes: 3 });
      expect(evaluation.lengths).toEqual([EVALUATION_STEP_LIMIT, EVALUATION_STEP_LIMIT, EVALUATION_STEP_LIMIT]);
      expect(evaluation.returns).toEqual([EVALUATION_STEP_LIMIT, EVALUATION_STEP_LIMIT, EVALUATION_STEP_LIMIT]);
    } finally {
      trainer.destroy();
    }
  });
});
