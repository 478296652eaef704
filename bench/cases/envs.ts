/**
 * Benchmark case: environment steps per second of each built-in GPU environment at several batch sizes, random
 * actions, against the float64 references (reference/envs) stepping the same environments on the CPU in
 * the same run, plus the rate of the typed-array face (one submit and one readback per step) at one size.
 *
 * GPU rate: many step dispatches (16 distinct random action sets, cycled) encoded into one submit, timed on the
 * CPU around queue.onSubmittedWorkDone(). CPU rate: the reference's step with Gymnasium's time limit and
 * auto-reset, over a flat float64 state array, same actions.
 * Each size is validated first: one step of the GPU environment from its reset matches the reference.
 */
import { RngStream, rngHost } from '../../shaders/rng.js';
import { GpuVecEnv } from '../../src/envs/gpuEnv.js';
import { seededRandom } from '../../reference/random.js';
import { getEnvDefinition, isGpuEnvDefinition } from '../../src/envs/registry.js';
import type { GpuEnvDefinition } from '../../src/envs/spec.js';
import type { Gpu } from '../../src/gpu/device.js';
import { readBuffer } from '../../src/gpu/readback.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { REFERENCE_ENVS, type ReferenceEnv, type ReferenceOutcome } from '../../reference/envs/index.js';
import { gpuIdle, measure, rateResult, type BenchContext, type CaseResult } from '../harness.js';

export const BENCH_ENV_IDS = ['CartPole-v1', 'Acrobot-v1', 'MountainCar-v0', 'MountainCarContinuous-v0', 'Pendulum-v1'] as const;

/** Distinct random action sets cycled through the measured steps. */
const ACTION_SETS = 16;

/** Random actions of the space for `numEnvs` environments (discrete: Int32Array; box: Float32Array in bounds). */
function randomActions(def: GpuEnvDefinition, numEnvs: number, random: () => number): Int32Array | Float32Array {
  const action = def.action;
  if (action.type === 'discrete') return Int32Array.from({ length: numEnvs }, () => Math.floor(random() * action.n));
  if (action.type === 'multiDiscrete') return Int32Array.from({ length: numEnvs * action.nvec.length }, (_, i) => Math.floor(random() * action.nvec[i % action.nvec.length]!));
  return Float32Array.from({ length: numEnvs * action.size }, (_, i) => {
    const k = i % action.size;
    return action.low[k]! + (action.high[k]! - action.low[k]!) * random();
  });
}

/** The reference environments stepped over a flat float64 batch with time limit and auto-reset. */
class ReferenceBatch {
  readonly state: Float64Array;
  private readonly steps: Uint32Array;
  private readonly episode: Uint32Array;
  private readonly outcome: ReferenceOutcome = { reward: 0, terminated: false };
  readonly reward: Float64Array;

  constructor(
    private readonly ref: ReferenceEnv,
    private readonly numEnvs: number,
    private readonly maxEpisodeSteps: number,
    private readonly seed: number,
  ) {
    this.state = new Float64Array(numEnvs * ref.stateSize);
    this.steps = new Uint32Array(numEnvs);
    this.episode = new Uint32Array(numEnvs);
    this.reward = new Float64Array(numEnvs);
    for (let n = 0; n < numEnvs; n++) this.resetEnv(n);
  }

  private resetEnv(n: number): void {
    const S = this.ref.stateSize;
    this.ref.reset(rngHost.create(this.seed, RngStream.envReset, n, this.episode[n]!), this.state.subarray(n * S, (n + 1) * S));
    this.episode[n] = this.episode[n]! + 1;
    this.steps[n] = 0;
  }

  step(actions: Int32Array | Float32Array, actionSize: number): void {
    const S = this.ref.stateSize;
    const discrete = actions instanceof Int32Array;
    for (let n = 0; n < this.numEnvs; n++) {
      const action = discrete ? actions[n]! : actions.subarray(n * actionSize, (n + 1) * actionSize);
      const rng = this.ref.stepDraws ? rngHost.create(this.seed, RngStream.envStep | (this.steps[n]! << 4), n, this.episode[n]!) : undefined;
      this.ref.step(this.state.subarray(n * S, (n + 1) * S), action, this.outcome, rng);
      this.reward[n] = this.outcome.reward;
      const taken = this.steps[n]! + 1;
      if (this.outcome.terminated || taken >= this.maxEpisodeSteps) this.resetEnv(n);
      else this.steps[n] = taken;
    }
  }
}

/** One step from the reset on the GPU vs. the reference from the same (exactly reproduced) reset states. */
async function validate(gpu: Gpu, env: GpuVecEnv, ref: ReferenceEnv, actions: Int32Array | Float32Array): Promise<void> {
  const def = env.definition;
  const count = Math.min(env.numEnvs, 256);
  await env.reset();
  const initial = await env.getState();
  const episodeIndex = new Uint32Array(await readBuffer(gpu, env.buffers.episodeIndex));
  const result = await env.step(actions);
  const S = ref.stateSize;
  const O = ref.observationSize;
  const actionSize = def.action.type === 'box' ? def.action.size : 1;
  const state = new Float64Array(S);
  const obs = new Float64Array(O);
  const outcome: ReferenceOutcome = { reward: 0, terminated: false };
  for (let n = 0; n < count; n++) {
    state.set(initial.subarray(n * S, (n + 1) * S));
    // The first step of the episode just started: step count 0, episode index as the engine holds it.
    const rng = ref.stepDraws ? rngHost.create(env.seed, RngStream.envStep, n, episodeIndex[n]!) : undefined;
    ref.step(state, actions instanceof Int32Array ? actions[n]! : actions.subarray(n * actionSize, (n + 1) * actionSize), outcome, rng);
    ref.observe(state, obs);
    for (let k = 0; k < O; k++) {
      const got = result.finalObs[n * O + k]!;
      if (!(Math.abs(got - obs[k]!) <= 1e-4 + 1e-4 * Math.abs(obs[k]!))) {
        throw new Error(`benchEnvs: ${def.id} environment ${n} observation ${k} is ${got} after one step, reference ${obs[k]}`);
      }
    }
    if (Math.abs(result.reward[n]! - outcome.reward) > 1e-3 * (1 + Math.abs(outcome.reward))) {
      throw new Error(`benchEnvs: ${def.id} environment ${n} reward is ${result.reward[n]}, reference ${outcome.reward}`);
    }
  }
}

/** Steps per submit: enough work per submit to amortise it, at least 16 dispatches. */
function gpuStepsPerSubmit(numEnvs: number): number {
  return Math.max(16, Math.min(512, Math.round(2 ** 21 / numEnvs)));
}

export async function benchEnvs(context: BenchContext): Promise<CaseResult[]> {
  const { gpu, quick } = context;
  const sizes = quick ? [1, 4096] : [1, 256, 4096, 65536];
  const reps = quick ? 3 : 5;
  const results: CaseResult[] = [];
  for (const id of BENCH_ENV_IDS) {
    const def = getEnvDefinition(id);
    if (!isGpuEnvDefinition(def)) throw new Error(`benchEnvs: ${id} is not a GPU environment`);
    const ref = REFERENCE_ENVS[id]!;
    const actionSize = def.action.type === 'box' ? def.action.size : 1;
    for (const numEnvs of sizes) {
      const random = seededRandom(numEnvs * 7919 + 17);
      const actionSets = Array.from({ length: ACTION_SETS }, () => randomActions(def, numEnvs, random));
      const env = await GpuVecEnv.create(gpu, def, { numEnvs, seed: 1 });
      const buffers = actionSets.map((data, i) =>
        gpu.buffer({ label: `EnvBench.actions${i}`, size: data.byteLength, usage: GPUBufferUsage.STORAGE, data }),
      );
      try {
        await validate(gpu, env, ref, actionSets[0]!);
        const steps = gpuStepsPerSubmit(numEnvs);
        const timing = await measure(
          async () => {
            const recorder = new Recorder(gpu, 'EnvBench.steps');
            for (let t = 0; t < steps; t++) env.recordStep(recorder, buffers[t % ACTION_SETS]!);
            recorder.submit();
            await gpuIdle(gpu);
          },
          { warmup: 1, reps },
        );
        const gpuResult = rateResult('envs.gpu', { env: id, numEnvs, stepsPerSubmit: steps }, 'env-steps/s', numEnvs * steps, timing);
        results.push(gpuResult);

        const batch = new ReferenceBatch(ref, numEnvs, def.maxEpisodeSteps, 1);
        const cpuSteps = Math.max(2, Math.round(2 ** 17 / numEnvs));
        let t = 0;
        const cpuTiming = await measure(
          () => {
            for (let i = 0; i < cpuSteps; i++) batch.step(actionSets[t++ % ACTION_SETS]!, actionSize);
          },
          { warmup: 1, reps },
        );
        const cpuResult = rateResult('envs.cpuReference', { env: id, numEnvs, stepsPerCall: cpuSteps }, 'env-steps/s', numEnvs * cpuSteps, cpuTiming);
        results.push(cpuResult);
        context.log(
          `${id} x ${numEnvs}: GPU ${Math.round(gpuResult.median)} steps/s, CPU float64 reference ${Math.round(cpuResult.median)} steps/s`,
        );
      } finally {
        buffers.forEach((buffer) => gpu.destroyBuffer(buffer));
        env.destroy();
      }
    }
  }

  // The typed-array face: one submit, one readback and the typed-array copies per step.
  const faceEnvs = 4096;
  const def = getEnvDefinition('CartPole-v1') as GpuEnvDefinition;
  const env = await GpuVecEnv.create(gpu, def, { numEnvs: faceEnvs, seed: 1 });
  try {
    await env.reset();
    const random = seededRandom(99);
    const actionSets = Array.from({ length: ACTION_SETS }, () => randomActions(def, faceEnvs, random));
    const perCall = 10;
    let t = 0;
    const timing = await measure(
      async () => {
        for (let i = 0; i < perCall; i++) await env.step(actionSets[t++ % ACTION_SETS]!);
      },
      { warmup: 1, reps },
    );
    const face = rateResult('envs.vecEnvStep', { env: 'CartPole-v1', numEnvs: faceEnvs }, 'env-steps/s', faceEnvs * perCall, timing);
    results.push(face);
    context.log(`CartPole-v1 x ${faceEnvs} through VecEnv.step(): ${Math.round(face.median)} steps/s`);
  } finally {
    env.destroy();
  }
  return results;
}
