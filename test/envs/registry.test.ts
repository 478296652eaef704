/**
 * The registry and custom GPU environments: built-ins listed, definitions validated field by field, a broken
 * WGSL reported with the user's own line numbers, and the RNG conventions of the step and reset generators that
 * the trainer's fused kernels rely on (checked bit for bit on a custom environment that draws in its step).
 */
import { describe, expect, test } from 'vitest';
import { RngStream, rngHost } from '../../shaders/rng.js';
import { createEnv } from '../../src/envs/create.js';
import { EnvInputError, UnknownEnvError } from '../../src/envs/errors.js';
import { GpuVecEnv } from '../../src/envs/gpuEnv.js';
import { defineGpuEnv, defineJsEnv, getEnvDefinition, listEnvs, type GpuEnvDefinitionInput } from '../../src/envs/registry.js';
import { ShaderCompileError } from '../../src/gpu/errors.js';
import { readBuffer } from '../../src/gpu/readback.js';
import { gpuTest } from '../helpers/gpu.js';

const walkWgsl = /* wgsl */ `
fn env_reset(rng: ptr<function, Rng>) -> EnvState {
  return EnvState(rng_uniform(rng, -1.0, 1.0));
}
fn env_step(state: ptr<function, EnvState>, action: EnvAction, rng: ptr<function, Rng>) -> EnvStep {
  let position = (*state)[0] + (f32(action) - 0.5) + rng_uniform(rng, -0.25, 0.25);
  (*state)[0] = position;
  return EnvStep(-abs(position), abs(position) > 3.0);
}
fn env_observe(state: ptr<function, EnvState>) -> EnvObs {
  return EnvObs((*state)[0], f32(ENV_NUM_ACTIONS));
}`;

const walk: GpuEnvDefinitionInput = {
  id: 'NoisyWalk-v0',
  observationSize: 2,
  action: { type: 'discrete', n: 2 },
  stateSize: 1,
  stateNames: ['position'],
  maxEpisodeSteps: 25,
  wgsl: walkWgsl,
};

describe('registry', () => {
  test('the built-ins are registered on import, in order, as GPU environments', () => {
    const builtins = listEnvs().filter((e) => e.builtin);
    expect(builtins.map((e) => e.id)).toEqual(['CartPole-v1', 'Acrobot-v1', 'MountainCar-v0', 'MountainCarContinuous-v0', 'Pendulum-v1', 'MinAtar/Breakout-v1', 'Pong-v0']);
    expect(builtins.every((e) => e.kind === 'gpu')).toBe(true);
    expect(() => getEnvDefinition('Nope-v0')).toThrow(UnknownEnvError);
  });

  test('definitions are validated field by field', () => {
    const cases: [Partial<Record<keyof GpuEnvDefinitionInput, unknown>>, RegExp][] = [
      [{ id: '' }, /defineGpuEnv: id is ""; expected a non-empty string without spaces/],
      [{ id: 'Two words' }, /id is "Two words"/],
      [{ observationSize: 0 }, /observationSize is 0; expected a positive integer/],
      [{ observationSize: 1.5 }, /observationSize is 1.5; expected a positive integer/],
      [{ action: { type: 'grid' } }, /action.type is "grid"; expected 'discrete', 'multiDiscrete' or 'box'/],
      [{ action: { type: 'discrete', n: 0 } }, /action.n is 0; expected a positive integer/],
      [{ action: { type: 'box', size: 2, low: [-1], high: [1, 1] } }, /action.low.length is 1; expected 2 \(action.size\)/],
      [{ action: { type: 'box', size: 1, low: [2], high: [1] } }, /action.low\[0\] is 2; expected at most action.high\[0\] = 1/],
      [{ action: { type: 'box', size: 1, low: [-Infinity], high: [1] } }, /action.low\[0\] is -Infinity; expected a finite number/],
      [{ maxEpisodeSteps: 0 }, /maxEpisodeSteps is 0; expected a positive integer <= 268435456/],
      [{ maxEpisodeSteps: 2 ** 28 + 1 }, /maxEpisodeSteps is 268435457/],
      [{ rewardThreshold: Number.NaN }, /rewardThreshold is NaN; expected a finite number, or null\/absent for none/],
      [{ observationShape: [3] }, /observationShape is \[3\] \(product 3\); expected a non-empty array of positive integers whose product is observationSize \(2\)/],
      [{ observationShape: [] }, /observationShape is an array of length 0; expected a non-empty array/],
      [{ observationShape: 2 }, /observationShape is 2; expected a non-empty array/],
      [{ observationShape: [2, 0.5] }, /observationShape\[1\] is 0.5; expected a positive integer/],
      [{ stateSize: undefined }, /stateSize is undefined; expected a positive integer/],
      [{ stateNames: ['a', 'b'] }, /stateNames is an array of length 2; expected an array of 1 strings/],
      [{ wgsl: '' }, /wgsl is ""; expected the WGSL source of env_reset, env_step and env_observe/],
      [{ wgsl: walkWgsl.replace('fn env_step', 'fn env_stepp') }, /wgsl is code without fn env_step; expected a definition of fn env_step/],
      [{ wgsl: `${walkWgsl}\nconst engine_speed = 1.0;` }, /wgsl is code declaring 'engine_speed'; expected no declarations of names starting with 'engine_'/],
    ];
    for (const [change, message] of cases) {
      const error = (() => {
        try {
          defineGpuEnv({ ...walk, id: 'Bad-v0', ...change } as GpuEnvDefinitionInput);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error, JSON.stringify(change)).toBeInstanceOf(EnvInputError);
      expect((error as Error).message, JSON.stringify(change)).toMatch(message);
    }
    expect(listEnvs().some((e) => e.id === 'Bad-v0')).toBe(false);
    const { wgsl: _wgsl, ...walkSpec } = walk;
    expect(() => defineJsEnv({ ...walkSpec, id: 'BadJs-v0', create: 'no' } as never)).toThrow(/defineJsEnv: create is "no"; expected a function/);
  });

  test('an observation shape is kept when given (its product is observationSize) and absent otherwise', () => {
    expect(defineGpuEnv({ ...walk, id: 'Shaped-v0', observationShape: [1, 2] }).observationShape).toEqual([1, 2]);
    expect(Object.hasOwn(defineGpuEnv({ ...walk, id: 'Flat-v0' }), 'observationShape')).toBe(false);
    expect(getEnvDefinition('MinAtar/Breakout-v1').observationShape).toEqual([10, 10, 4]);
  });

  test('ids are unique: built-ins cannot be replaced, custom ones only on request', () => {
    expect(() => defineGpuEnv({ ...walk, id: 'CartPole-v1' })).toThrow(/id is "CartPole-v1"; expected an id not taken by a built-in environment/);
    const first = defineGpuEnv({ ...walk, id: 'Twice-v0' });
    expect(first.rewardThreshold).toBeNull();
    expect(() => defineGpuEnv({ ...walk, id: 'Twice-v0' })).toThrow(/pass \{ replace: true \}/);
    const second = defineGpuEnv({ ...walk, id: 'Twice-v0', maxEpisodeSteps: 7 }, { replace: true });
    expect(getEnvDefinition('Twice-v0')).toBe(second);
    expect(listEnvs().find((e) => e.id === 'Twice-v0')).toMatchObject({ kind: 'gpu', builtin: false, maxEpisodeSteps: 7 });
  });
});

describe('custom GPU environments', () => {
  gpuTest('a compile error names the line of the environment WGSL and the compiler message', async (gpu) => {
    const wgsl = [
      'fn env_reset(rng: ptr<function, Rng>) -> EnvState {',
      '  return EnvState(0.0);',
      '}',
      'fn env_step(state: ptr<function, EnvState>, action: EnvAction, rng: ptr<function, Rng>) -> EnvStep {',
      '  let speed = undefined_speed * 2.0;',
      '  return EnvStep(speed, false);',
      '}',
      'fn env_observe(state: ptr<function, EnvState>) -> EnvObs {',
      '  return *state;',
      '}',
    ].join('\n');
    defineGpuEnv({ ...walk, id: 'Broken-v0', observationSize: 1, wgsl });
    const error = await createEnv('Broken-v0', { numEnvs: 4, gpu }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShaderCompileError);
    const message = (error as Error).message;
    expect(message).toContain("line 5 of the WGSL of environment 'Broken-v0'");
    expect(message).toContain('undefined_speed');
    const first = (error as ShaderCompileError).messages.find((m) => m.type === 'error')!;
    expect(first.sourceLine.trim()).toBe('let speed = undefined_speed * 2.0;');
  });

  gpuTest('reset and step generators follow the documented (seed, stream, index, counter) conventions', async (gpu) => {
    const def = defineGpuEnv(walk);
    expect(getEnvDefinition('NoisyWalk-v0')).toBe(def);
    const N = 70;
    const seed = 31337;
    const env = (await createEnv('NoisyWalk-v0', { numEnvs: N, seed, gpu })) as GpuVecEnv;
    expect(env.spec.rewardThreshold).toBeNull();
    const obs = await env.reset();
    const position = new Float32Array(N);
    const episode = new Uint32Array(N);
    const steps = new Uint32Array(N);
    const startEpisode = (n: number) => {
      position[n] = rngHost.create(seed, RngStream.envReset, n, episode[n]!).uniform(-1, 1);
      episode[n] = episode[n]! + 1;
      steps[n] = 0;
    };
    for (let n = 0; n < N; n++) startEpisode(n);
    expect(Array.from(obs.filter((_, i) => i % 2 === 0))).toEqual(Array.from(position));
    expect(Array.from(obs.filter((_, i) => i % 2 === 1))).toEqual(new Array(N).fill(2));
    let ended = 0;
    for (let t = 0; t < 40; t++) {
      const actions = Int32Array.from({ length: N }, (_, n) => (n + t) % 3 === 0 ? 0 : 1);
      const result = await env.step(actions);
      for (let n = 0; n < N; n++) {
        const rng = rngHost.create(seed, RngStream.envStep | (steps[n]! << 4), n, episode[n]!);
        const next = Math.fround(Math.fround(position[n]! + (actions[n]! - 0.5)) + rng.uniform(-0.25, 0.25));
        expect(result.finalObs[2 * n], `step ${t} env ${n}`).toBe(next);
        expect(result.reward[n]).toBe(-Math.abs(next));
        const terminated = Math.abs(next) > 3;
        const truncated = steps[n]! + 1 >= 25;
        expect([result.terminated[n], result.truncated[n]]).toEqual([terminated ? 1 : 0, truncated ? 1 : 0]);
        if (terminated || truncated) {
          ended += 1;
          startEpisode(n);
        } else {
          position[n] = next;
          steps[n] = steps[n]! + 1;
        }
        expect(result.obs[2 * n], `step ${t} env ${n} obs`).toBe(position[n]);
      }
    }
    expect(ended).toBeGreaterThan(N);
    expect(Array.from(new Uint32Array(await readBuffer(gpu, env.buffers.episodeSteps)))).toEqual(Array.from(steps));
    expect(Array.from(new Uint32Array(await readBuffer(gpu, env.buffers.episodeIndex)))).toEqual(Array.from(episode));
    env.destroy();
  });
});

describe('options and definitions are checked like the config', () => {
  test('createEnv: an unknown option names the nearest known one', async () => {
    await expect(createEnv('CartPole-v1', { nmEnvs: 5 } as never)).rejects.toThrow(
      "createEnv('CartPole-v1'): unknown option 'nmEnvs', did you mean 'numEnvs'? (known options: numEnvs, seed, gpu)",
    );
    await expect(createEnv('CartPole-v1', { numEnvs: 2, sed: 1 } as never)).rejects.toThrow(/unknown option 'sed', did you mean 'seed'\?/);
    // Inherited keys are unknown keys too.
    await expect(createEnv('CartPole-v1', Object.create({ numEnvs: 2 }) as never)).rejects.toThrow(
      "createEnv('CartPole-v1'): unknown option inherited from the object's prototype (only own keys are read): 'numEnvs'",
    );
  });

  test('definitions of both kinds: unknown keys, and replace given in the wrong place', () => {
    const { wgsl: _wgsl, ...spec } = walk;
    const create = () => ({ reset() {}, step() {} });
    expect(() => defineGpuEnv({ ...walk, id: 'Keys-v0', stateSise: 1 } as never)).toThrow(
      /defineGpuEnv\(definition\): unknown key 'stateSise', did you mean 'stateSize'\?/,
    );
    expect(() => defineJsEnv({ ...spec, id: 'Keys-v0', create, maxEpisodeStep: 9 } as never)).toThrow(
      /defineJsEnv\(definition\): unknown key 'maxEpisodeStep', did you mean 'maxEpisodeSteps'\?/,
    );
    expect(() => defineJsEnv({ ...walk, id: 'Keys-v0', create } as never)).toThrow(/defineJsEnv\(definition\): unknown key 'wgsl'/);
    for (const [define, definition] of [
      [defineGpuEnv, { ...walk, id: 'Keys-v0' }],
      [defineJsEnv, { ...spec, id: 'Keys-v0', create }],
    ] as const) {
      const name = define.name;
      expect(() => define({ ...definition, replace: true } as never)).toThrow(new RegExp(`${name}: replace is boolean true; expected no such key in a definition; pass it as the second argument`));
      expect(() => define(definition as never, { replce: true } as never)).toThrow(new RegExp(`${name}\\(definition, options\\): unknown option 'replce', did you mean 'replace'\\?`));
      expect(() => define(definition as never, { replace: 'yes' } as never)).toThrow(new RegExp(`${name}: options.replace is "yes"; expected true or false`));
    }
    expect(listEnvs().some((e) => e.id === 'Keys-v0')).toBe(false);
  });

  test('replace works the same way in defineGpuEnv and defineJsEnv, across kinds too', () => {
    const { wgsl: _wgsl, ...spec } = walk;
    const create = () => ({ reset() {}, step() {} });
    const gpuDefinition = (steps: number) => ({ ...walk, id: 'Replaced-v0', maxEpisodeSteps: steps });
    const jsDefinition = (steps: number) => ({ ...spec, id: 'Replaced-v0', maxEpisodeSteps: steps, create });
    const steps = () => listEnvs().find((e) => e.id === 'Replaced-v0');
    defineJsEnv(jsDefinition(3));
    // Taken: refused by both without replace (and with replace: false), naming the kind registered.
    expect(() => defineJsEnv(jsDefinition(4))).toThrow(/id is "Replaced-v0"; expected an id not registered yet \(pass \{ replace: true \} to replace the JavaScript environment/);
    expect(() => defineGpuEnv(gpuDefinition(4), { replace: false })).toThrow(/replace the JavaScript environment registered under it/);
    expect(steps()).toMatchObject({ kind: 'js', maxEpisodeSteps: 3 });
    // Replaced by both with replace: true, whatever the kind there.
    defineJsEnv(jsDefinition(5), { replace: true });
    expect(steps()).toMatchObject({ kind: 'js', maxEpisodeSteps: 5 });
    defineGpuEnv(gpuDefinition(6), { replace: true });
    expect(steps()).toMatchObject({ kind: 'gpu', maxEpisodeSteps: 6 });
    expect(() => defineGpuEnv(gpuDefinition(7))).toThrow(/replace the GPU environment registered under it/);
    defineGpuEnv(gpuDefinition(7), { replace: true });
    expect(steps()).toMatchObject({ kind: 'gpu', maxEpisodeSteps: 7 });
    defineJsEnv(jsDefinition(8), { replace: true });
    expect(steps()).toMatchObject({ kind: 'js', maxEpisodeSteps: 8 });
    expect(listEnvs().filter((e) => e.id === 'Replaced-v0')).toHaveLength(1);
    // Built-ins are never replaced, by either.
    expect(() => defineGpuEnv({ ...walk, id: 'CartPole-v1' }, { replace: true })).toThrow(/an id not taken by a built-in environment/);
    expect(() => defineJsEnv({ ...spec, id: 'CartPole-v1', create }, { replace: true })).toThrow(/an id not taken by a built-in environment/);
  });
});
