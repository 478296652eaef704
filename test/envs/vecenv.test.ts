/**
 * The VecEnv face of GPU environments: auto-reset with finalObs over many steps, reproducibility (same seed, same
 * trajectories; independent of batch size and of how steps are submitted), the buffer layout shared with the
 * trainer, and every input error (named, and leaving the environments untouched).
 */
import { describe, expect } from 'vitest';
import { createEnv } from '../../src/envs/create.js';
import { GpuVecEnv, envCapacity } from '../../src/envs/gpuEnv.js';
import { EnvInputError, UnknownEnvError } from '../../src/envs/errors.js';
import { getEnvDefinition } from '../../src/envs/registry.js';
import type { GpuEnvDefinition, StepResult } from '../../src/envs/spec.js';
import { readBuffer } from '../../src/gpu/readback.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { gpuTest } from '../helpers/gpu.js';
import { expectClose, seededRandom } from '../helpers/random.js';
import { cartPoleReference } from '../../reference/envs/cartpole.js';
import { referenceReset } from './helpers.js';

function randomDiscrete(random: () => number, n: number, count: number): Int32Array {
  return Int32Array.from({ length: count }, () => Math.floor(random() * n));
}

async function cartPole(gpu: Parameters<Parameters<typeof gpuTest>[1]>[0], numEnvs: number, seed: number): Promise<GpuVecEnv> {
  return (await createEnv('CartPole-v1', { numEnvs, seed, gpu })) as GpuVecEnv;
}

describe('GpuVecEnv', () => {
  gpuTest('auto-reset in the same step: obs starts the next episode, finalObs is where the episode ended', async (gpu) => {
    const N = 100; // not a multiple of the workgroup size
    const seed = 77;
    const env = await cartPole(gpu, N, seed);
    let obs = await env.reset();
    const episode = new Array<number>(N).fill(0);
    const random = seededRandom(3);
    const outcome = { reward: 0, terminated: false };
    let ended = 0;
    for (let t = 0; t < 60; t++) {
      const actions = randomDiscrete(random, 2, N);
      const result = await env.step(actions);
      for (let n = 0; n < N; n++) {
        // CartPole's observation is its state: step the reference from the previous observation.
        const state = Float64Array.from(obs.subarray(4 * n, 4 * n + 4));
        cartPoleReference.step(state, actions[n]!, outcome);
        expectClose(result.finalObs.subarray(4 * n, 4 * n + 4), state, { atol: 1e-5, rtol: 1e-5 }, `step ${t} env ${n} finalObs`);
        expect(result.terminated[n], `step ${t} env ${n}`).toBe(outcome.terminated ? 1 : 0);
        expect(result.reward[n]).toBe(1);
        expect(result.truncated[n]).toBe(0);
        const row = Array.from(result.obs.subarray(4 * n, 4 * n + 4));
        if (result.terminated[n]) {
          ended += 1;
          episode[n] += 1;
          expect(row, `step ${t} env ${n}: first state of episode ${episode[n]}`).toEqual(Array.from(referenceReset(cartPoleReference, seed, n, episode[n]!)));
        } else {
          expect(row).toEqual(Array.from(result.finalObs.subarray(4 * n, 4 * n + 4)));
        }
      }
      obs = result.obs;
    }
    expect(ended).toBeGreaterThan(N); // random actions end CartPole episodes within ~10-40 steps
    const index = new Uint32Array(await readBuffer(gpu, env.buffers.episodeIndex));
    expect(Array.from(index)).toEqual(episode.map((e) => e + 1));
    env.destroy();
  });

  gpuTest('same seed, same trajectories; other seeds differ; env n does not depend on the batch size', async (gpu) => {
    const run = async (id: string, numEnvs: number, seed: number, steps: number) => {
      const env = await createEnv(id, { numEnvs, seed, gpu });
      const random = seededRandom(5);
      const trace: number[] = Array.from(await env.reset());
      for (let t = 0; t < steps; t++) {
        const actions =
          env.spec.action.type === 'discrete'
            ? randomDiscrete(random, env.spec.action.n, numEnvs)
            : Float32Array.from({ length: numEnvs }, () => random() * 2 - 1);
        const result = await env.step(actions);
        trace.push(...result.obs, ...result.reward, ...result.terminated, ...result.truncated);
      }
      env.destroy();
      return trace;
    };
    for (const id of ['CartPole-v1', 'Pendulum-v1']) {
      const a = await run(id, 16, 1234, 30);
      expect(await run(id, 16, 1234, 30), `${id}: same seed`).toEqual(a);
      expect(await run(id, 16, 1235, 30), `${id}: another seed`).not.toEqual(a);
    }
    // Environment n's draws depend on (seed, n, episode, step) only: a batch of 3 equals the first 3 of 130
    // (with the same actions for those 3: each env draws its own action from the shared stream below).
    const small = await cartPole(gpu, 3, 9);
    const large = await cartPole(gpu, 130, 9);
    const obsSmall = await small.reset();
    const obsLarge = await large.reset();
    expect(Array.from(obsLarge.subarray(0, 12))).toEqual(Array.from(obsSmall));
    const random = seededRandom(8);
    for (let t = 0; t < 40; t++) {
      const actions = randomDiscrete(random, 2, 130);
      const a = await small.step(actions.slice(0, 3));
      const b = await large.step(actions);
      expect(Array.from(b.obs.subarray(0, 12)), `step ${t}`).toEqual(Array.from(a.obs));
      expect(Array.from(b.terminated.subarray(0, 3))).toEqual(Array.from(a.terminated));
    }
    small.destroy();
    large.destroy();
  });

  gpuTest('many steps encoded into one submit equal the same steps taken one by one', async (gpu) => {
    const N = 50;
    const T = 40;
    const def = getEnvDefinition('Acrobot-v1') as GpuEnvDefinition;
    const random = seededRandom(21);
    const actionSets = Array.from({ length: T }, () => randomDiscrete(random, 3, N));
    const one = await GpuVecEnv.create(gpu, def, { numEnvs: N, seed: 4 });
    await one.reset();
    for (const actions of actionSets) await one.step(actions);
    const batched = await GpuVecEnv.create(gpu, def, { numEnvs: N, seed: 4 });
    const actionBuffers = actionSets.map((actions, t) =>
      gpu.buffer({ label: `VecEnvTest.actions${t}`, size: N * 4, usage: GPUBufferUsage.STORAGE, data: actions }),
    );
    const recorder = new Recorder(gpu, 'VecEnvTest.rollout');
    batched.recordReset(recorder);
    for (const buffer of actionBuffers) batched.recordStep(recorder, buffer);
    recorder.submit();
    expect(recorder.dispatches).toBe(T + 1);
    expect(Array.from(await batched.getState())).toEqual(Array.from(await one.getState()));
    for (const key of ['episodeSteps', 'episodeIndex'] as const) {
      const a = new Uint32Array(await readBuffer(gpu, one.buffers[key]));
      const b = new Uint32Array(await readBuffer(gpu, batched.buffers[key]));
      expect(Array.from(b), key).toEqual(Array.from(a));
    }
    actionBuffers.forEach((buffer) => buffer.destroy());
    one.destroy();
    batched.destroy();
  });

  gpuTest('calls run in the order they were made, even without awaiting each', async (gpu) => {
    const env = await cartPole(gpu, 8, 2);
    const random = seededRandom(4);
    const actions = Array.from({ length: 12 }, () => randomDiscrete(random, 2, 8));
    const first = env.reset();
    const pending = actions.map((a) => env.step(a));
    const results = await Promise.all([first, ...pending]);
    const reference = await cartPole(gpu, 8, 2);
    expect(Array.from(results[0] as Float32Array)).toEqual(Array.from(await reference.reset()));
    for (let t = 0; t < actions.length; t++) {
      const want = await reference.step(actions[t]!);
      expect(Array.from((results[t + 1] as StepResult).obs), `step ${t}`).toEqual(Array.from(want.obs));
    }
    env.destroy();
    reference.destroy();
  });

  gpuTest('buffers for the trainer: feature-major state, u32 counters, usable by other kernels', async (gpu) => {
    const env = (await createEnv('MountainCar-v0', { numEnvs: 3, seed: 1, gpu })) as GpuVecEnv;
    expect(env.seed).toBe(1);
    expect(env.definition.id).toBe('MountainCar-v0');
    const wanted = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    for (const [key, bytes] of [['state', 2 * 3 * 4], ['episodeSteps', 12], ['episodeIndex', 12]] as const) {
      const buffer = env.buffers[key];
      expect(buffer.size, key).toBe(bytes);
      expect(buffer.usage & wanted, key).toBe(wanted);
      expect(buffer.label).toBe(`GpuVecEnv.${key}`);
    }
    await env.setState(Float32Array.from([-0.5, 0.01, -0.4, 0.02, -0.3, 0.03]));
    const raw = new Float32Array(await readBuffer(gpu, env.buffers.state));
    expect(Array.from(raw)).toEqual(Array.from(Float32Array.from([-0.5, -0.4, -0.3, 0.01, 0.02, 0.03])));
    // Another kernel's write (here a copy) is what the next step reads.
    gpu.device.queue.writeBuffer(env.buffers.state, 0, Float32Array.from([-0.45, -0.45, -0.45, 0, 0, 0]));
    expect(Array.from(await env.getState())).toEqual(Array.from(Float32Array.from([-0.45, 0, -0.45, 0, -0.45, 0])));
    env.destroy();
  });
});

describe('GpuVecEnv input errors', () => {
  gpuTest('unknown ids list the known environments', async (gpu) => {
    const error = await createEnv('CartPole-v0', { numEnvs: 1, gpu }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownEnvError);
    expect((error as Error).message).toMatch(/unknown environment id "CartPole-v0"; known environments: CartPole-v1, Acrobot-v1, MountainCar-v0, MountainCarContinuous-v0, Pendulum-v1/);
  });

  gpuTest('numEnvs and seed must be valid; too many environments names the largest that fits', async (gpu) => {
    for (const numEnvs of [0, -3, 2.5, Number.NaN, '8', undefined]) {
      await expect(createEnv('CartPole-v1', { numEnvs: numEnvs as number, gpu })).rejects.toThrow(
        /createEnv\('CartPole-v1'\): numEnvs is .*; expected a positive integer/,
      );
    }
    for (const seed of [-1, 1.5, 2 ** 32]) {
      await expect(createEnv('CartPole-v1', { numEnvs: 1, seed, gpu })).rejects.toThrow(/seed is .*; expected an integer in \[0, 4294967295\]/);
    }
    const def = getEnvDefinition('Acrobot-v1') as GpuEnvDefinition;
    const capacity = envCapacity(gpu.limits, def);
    // Acrobot: the out buffer holds 2 x 6 observations + a reward (52 bytes per environment, a storage binding),
    // the staging buffer those and the flags (56 bytes, bounded by maxBufferSize only).
    const storage = Math.min(gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize);
    expect(capacity.numEnvs).toBe(Math.min(Math.floor(storage / 52), Math.floor(gpu.limits.maxBufferSize / 56)));
    expect(['GpuVecEnv.out', 'GpuVecEnv.staging']).toContain(capacity.buffer);
    const error = await createEnv('Acrobot-v1', { numEnvs: capacity.numEnvs + 1, gpu }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvInputError);
    expect((error as Error).message).toContain(`numEnvs is ${capacity.numEnvs + 1}; expected at most ${capacity.numEnvs} on this device`);
    expect((error as Error).message).toMatch(/maxStorageBufferBindingSize|maxBufferSize/);
  });

  gpuTest('bad actions are rejected with the field and the expectation, and change nothing', async (gpu) => {
    const env = await cartPole(gpu, 4, 3);
    await expect(env.step(new Int32Array(4))).rejects.toThrow('CartPole-v1.step: call reset() (or setState()) before step()');

    await env.reset();
    const before = await env.getState();
    const cases: [unknown, RegExp][] = [
      [new Float32Array(4), /actions is a Float32Array of length 4; expected an Int32Array of 4 action indices in \[0, 1\]/],
      [[0, 1, 0, 1], /actions is an array of length 4; expected an Int32Array/],
      [new Int32Array(3), /actions.length is 3; expected an Int32Array of 4 action indices/],
      [Int32Array.from([0, 1, 2, 0]), /CartPole-v1.step: actions\[2\] is 2; expected an action index in \[0, 1\]/],
      [Int32Array.from([0, -1, 0, 0]), /actions\[1\] is -1; expected an action index in \[0, 1\]/],
    ];
    for (const [actions, message] of cases) {
      await expect(env.step(actions as Int32Array)).rejects.toThrow(message);
    }
    expect(Array.from(await env.getState())).toEqual(Array.from(before));

    const pendulum = await createEnv('Pendulum-v1', { numEnvs: 2, gpu });
    await pendulum.reset();
    const pBefore = await pendulum.getState();
    await expect(pendulum.step(Float32Array.from([0.5, Number.NaN]))).rejects.toThrow(/Pendulum-v1.step: actions\[1\] is NaN; expected a finite number/);
    await expect(pendulum.step(Float32Array.from([Infinity, 0]))).rejects.toThrow(/actions\[0\] is Infinity; expected a finite number/);
    await expect(pendulum.step(new Int32Array(2))).rejects.toThrow(/expected a Float32Array of 2 finite numbers \(2 environments x 1, row-major\)/);
    await expect(pendulum.step(new Float32Array(3))).rejects.toThrow(/actions.length is 3/);
    expect(Array.from(await pendulum.getState())).toEqual(Array.from(pBefore));
    // Out-of-range torques are not an error: Gymnasium clips them inside the environment.
    await expect(pendulum.step(Float32Array.from([5, -5]))).resolves.toBeDefined();
    pendulum.destroy();
    env.destroy();
  });

  gpuTest('bad states are rejected; a destroyed environment says so', async (gpu) => {
    const env = await createEnv('Acrobot-v1', { numEnvs: 2, gpu });
    await expect(env.setState(new Float32Array(7))).rejects.toThrow(
      /Acrobot-v1.setState: state.length is 7; expected a Float32Array of 8 finite numbers \(2 environments x 4 state components \[theta1, theta2, dtheta1, dtheta2\], row-major\)/,
    );
    await expect(env.setState(new Float64Array(8) as unknown as Float32Array)).rejects.toThrow(/state is a Float64Array of length 8/);
    const bad = new Float32Array(8);
    bad[6] = Number.NaN;
    await expect(env.setState(bad)).rejects.toThrow(/state\[6\] \(environment 1, dtheta1\) is NaN; expected a finite number/);
    env.destroy();
    await expect(env.reset()).rejects.toThrow('Acrobot-v1.reset: the environment was destroyed');
  });
});
