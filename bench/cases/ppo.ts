/**
 * Benchmark case: PPO training throughput, whole iterations (rollout + GAE + update + statistics), the engine and
 * the TF.js baseline (bench/baselines/tfjsPpo.ts) on the same configuration, in the same run.
 *
 * Configuration: the environment's defaults (what createTrainer({ env }) uses) with num_envs = N, num_steps = 16,
 * update_epochs = 4, num_minibatches = 4, target_kl off (so every epoch runs). num_steps is 16 so that at
 * N = 65536 the rollout storage (one buffer, bound whole) stays within the device's maxStorageBufferBindingSize
 * (128 MiB on lavapipe and SwiftShader): about 14 floats per sample x 1,048,576 samples = 59 MB; 32 steps would
 * be 117 MB and 64 would not fit. The iteration count of a measurement is fixed after warm-up (no whole run).
 *
 * Engine: trainer.iterations() yields one report per iteration while the next is already submitted, so in steady
 * state the time between two yields is the time of one iteration. One warm-up iteration, then `reps` measured.
 * Submits and buffer mappings are counted from Gpu.calls (the device's queue.submit and the mapAsync of every
 * buffer it made, wrapped on the instances) over the measured iterations (measured, not the summary's declared
 * numbers); dispatches come from the trainer's recorder; GPU bytes are the trainer's allocation
 * (Gpu.bytesAllocated before and after createTrainer).
 * Validation: the first iteration's statistics are finite, every minibatch of every epoch ran, entropy > 0.
 *
 * Update-phase throughput: the same CartPole configuration with update_epochs = 1 and 4, isolated iterations of
 * the two alternately (measureUpdateSplit); the update's time per epoch is (t4 - t1) / 3 and its FLOPs per epoch
 * batch x 3 x forward(actor + critic) (bench/flops.ts), so GFLOP/s and the fraction of the measured FMA peak
 * follow without timestamp queries inside the engine.
 *
 * Comparisons (engine / TF.js, env-steps/s, CartPole-v1): ppo-vs-tfjs-{8,4096}envs against tfjs-backend-webgpu on
 * the same adapter, ppo-vs-tfjs-wasm-{8,4096}envs against tfjs-backend-wasm (TF.js's best backend without a GPU),
 * and ppo-jsenv-vs-tfjs-wasm-8envs, where the engine too steps its environments on the CPU (JsCartPole-v1, a
 * JavaScript environment, in CartPole-v1's configuration). Each side keeps its repetitions and spread.
 */
import { createTrainer } from '../../src/createTrainer.js';
import { resolveConfig, type TrainerConfig } from '../../src/config.js';
import { computeGae } from '../../src/ppo/gae.js';
import { defineJsEnv, getEnvDefinition, listEnvs } from '../../src/envs/registry.js';
import type { Gpu } from '../../src/gpu/device.js';
import { gaeCpu } from '../baselines/tfjsPpo.js';
import type { LoadedTfjs } from '../baselines/tfjsSetup.js';
import { LEARNED_RETURN, type TfjsJob, type TfjsRunner } from '../baselines/tfjsJobs.js';
import { stepWork, type StepWork } from '../flops.js';
import { profileIteration } from '../profile.js';
import { GOALS } from '../report.js';
import { compareRates, now, rateResult, repetitions, summarize, type BenchContext, type CaseResult, type Comparison, type Timing } from '../harness.js';
import { jsCartPoleDefinition } from '../../src/envs/examples/jsCartPole.js';

export type { Comparison } from '../harness.js';

export const PPO_ENVS = ['CartPole-v1', 'Pendulum-v1'] as const;
export const PPO_NUM_STEPS = 16;
export const PPO_SIZES = [8, 256, 4096, 65536] as const;

export interface SuiteContext extends BenchContext {
  runtime: 'node' | 'chrome';
  /** TF.js backends loaded for the baseline ('webgpu' first where it works). */
  tfjs: LoadedTfjs[];
  /** Runs a job of the TF.js baseline (in Node: in a child process). */
  runTfjs: TfjsRunner;
  /** Measured FMA peak of the adapter, GFLOP/s. */
  peakGflops: number | undefined;
  comparisons: Comparison[];
}

/** The configuration of the throughput case. */
export function ppoBenchConfig(env: string, numEnvs: number, updateEpochs = 4): Partial<TrainerConfig> & { env: string } {
  return { env, num_envs: numEnvs, num_steps: PPO_NUM_STEPS, update_epochs: updateEpochs, num_minibatches: 4, target_kl: null, total_timesteps: 2 ** 30 };
}

export function networkWork(env: string, hidden: number[]): StepWork {
  const def = getEnvDefinition(env);
  const box = def.action.type === 'box';
  const size = def.action.type === 'box' ? def.action.size : 1;
  return stepWork({
    observationSize: def.observationSize,
    policyOutputs: def.action.type === 'discrete' ? def.action.n : size,
    actionWidth: size,
    box,
    hidden,
  });
}

export interface EngineRun {
  config: TrainerConfig;
  batch: number;
  /** Seconds per iteration. */
  timing: Timing;
  dispatchesPerIteration: number;
  submitsPerIteration: number;
  readbacksPerIteration: number;
  bufferBytes: number;
  storageBytes: number;
  maxStorageBinding: number;
}

/** Whole engine iterations: one warm-up, then between minReps and maxReps measured (about budgetSeconds). */
export async function measureEngine(
  gpu: Gpu,
  config: Partial<TrainerConfig> & { env: string },
  options: { minReps: number; maxReps: number; budgetSeconds: number },
): Promise<EngineRun> {
  gpu.device.pushErrorScope('validation');
  const before = gpu.bytesAllocated;
  const trainer = await createTrainer(config, { gpu });
  const bufferBytes = gpu.bytesAllocated - before;
  const batch = trainer.config.num_envs * trainer.config.num_steps;
  const samples: number[] = [];
  const submits: number[] = [];
  const maps: number[] = [];
  let reps = options.maxReps;
  // Gpu.calls counts every submit and every mapAsync of the buffers it made (it wraps them on the instances).
  let seen = { ...gpu.calls };
  try {
    const start = now();
    // Report times after the warm-up. The trainer submits iteration k + 1 before it waits for iteration k, so when
    // the host falls behind, one interval between reports is long and the next nearly zero (the next report was
    // already in); a sample is therefore the mean of two consecutive intervals, (t_i - t_{i-2}) / 2.
    const times: number[] = [];
    let k = 0;
    for await (const report of trainer.iterations({ totalSteps: batch * (options.maxReps + 3) })) {
      const t = now();
      k++;
      if (k === 1) {
        // Warm-up (the pipelines' first use), and the run's validation.
        const expected = trainer.config.update_epochs * trainer.config.num_minibatches;
        const finite = ['policyLoss', 'valueLoss', 'entropy', 'approxKl', 'gradNorm'] as const;
        for (const key of finite) if (!Number.isFinite(report[key])) throw new Error(`benchPpo: ${config.env} x ${config.num_envs}: first iteration's ${key} is ${report[key]}`);
        if (report.minibatchesDone !== expected) throw new Error(`benchPpo: ${config.env} x ${config.num_envs}: ${report.minibatchesDone} minibatches ran, expected ${expected}`);
        if (!(report.entropy > 0)) throw new Error(`benchPpo: ${config.env}: entropy ${report.entropy}`);
        reps = repetitions(t - start, options);
      } else {
        submits.push(gpu.calls.submits - seen.submits);
        maps.push(gpu.calls.mapAsyncs - seen.mapAsyncs);
      }
      times.push(t);
      if (times.length >= 3) samples.push((t - times[times.length - 3]!) / 2);
      seen = { ...gpu.calls };
      if (samples.length >= reps) break;
    }
  } finally {
    trainer.destroy();
    const error = await gpu.device.popErrorScope();
    if (error) throw new Error(`benchPpo: WebGPU validation error in ${config.env} x ${config.num_envs}: ${error.message}`);
  }
  const median = (values: number[]) => summarize(values).median;
  return {
    config: trainer.config,
    batch,
    timing: summarize(samples),
    dispatchesPerIteration: trainer.algorithm.lastDispatches,
    submitsPerIteration: median(submits),
    readbacksPerIteration: median(maps),
    bufferBytes,
    storageBytes: trainer.algorithm.layout.floats * 4,
    maxStorageBinding: gpu.limits.maxStorageBufferBindingSize,
  };
}

/**
 * The update's share of an iteration: two trainers on the same CartPole configuration, 1 and 4 update epochs
 * (anneal_lr off), stepped one isolated iteration at a time (trainer.iterations() of one iteration: submit, wait
 * for its statistics), alternately, so that a slow spell of a shared machine hits both alike. Each pair gives one
 * sample of the time per epoch, (t4 - t1) / 3.
 */
export async function measureUpdateSplit(gpu: Gpu, numEnvs: number, reps: number): Promise<{ batch: number; hidden: number[]; one: number[]; four: number[]; perEpoch: number[] }> {
  gpu.device.pushErrorScope('validation');
  const trainers = [
    await createTrainer({ ...ppoBenchConfig('CartPole-v1', numEnvs, 1), anneal_lr: false }, { gpu }),
    await createTrainer({ ...ppoBenchConfig('CartPole-v1', numEnvs, 4), anneal_lr: false }, { gpu }),
  ];
  const batch = trainers[0]!.config.num_envs * trainers[0]!.config.num_steps;
  const once = async (index: number) => {
    const start = now();
    for await (const report of trainers[index]!.iterations({ totalSteps: batch })) {
      if (!Number.isFinite(report.policyLoss)) throw new Error(`measureUpdateSplit: policy loss ${report.policyLoss}`);
    }
    return now() - start;
  };
  const one: number[] = [];
  const four: number[] = [];
  try {
    await once(0);
    await once(1);
    for (let i = 0; i < reps; i++) {
      one.push(await once(0));
      four.push(await once(1));
    }
  } finally {
    trainers.forEach((t) => t.destroy());
    const error = await gpu.device.popErrorScope();
    if (error) throw new Error(`measureUpdateSplit: WebGPU validation error: ${error.message}`);
  }
  return { batch, hidden: trainers[0]!.config.hidden_sizes, one, four, perEpoch: one.map((t, i) => (four[i]! - t) / 3) };
}

/** The baseline's GAE equals the engine's GAE kernel (computeGae) on a random rollout with episode ends. */
export async function validateBaselineGae(gpu: Gpu): Promise<void> {
  const N = 16;
  const T = 32;
  const M = N * T;
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
  const rewards = Float32Array.from({ length: M }, () => random() * 2 - 0.5);
  const values = Float32Array.from({ length: M + N }, () => random() * 3 - 1);
  const terminated = Uint8Array.from({ length: M }, () => (random() < 0.05 ? 1 : 0));
  const truncated = Uint8Array.from({ length: M }, (_, s) => (!terminated[s] && random() < 0.05 ? 1 : 0));
  const finalValues = Float32Array.from({ length: M }, () => random() * 3 - 1);
  const mine = gaeCpu(rewards, values, terminated, truncated, finalValues, N, 0.99, 0.95);
  const engine = await computeGae({ rewards, values: values.subarray(0, M), lastValues: values.subarray(M), terminated, truncated, finalValues, numEnvs: N, gamma: 0.99, lambda: 0.95, gpu });
  for (let s = 0; s < M; s++) {
    if (Math.abs(mine.advantages[s]! - engine.advantages[s]!) > 1e-4 * (1 + Math.abs(engine.advantages[s]!))) {
      throw new Error(`TF.js baseline GAE differs from the engine's at sample ${s}: ${mine.advantages[s]} vs ${engine.advantages[s]}`);
    }
  }
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

/** A TF.js job that failed (an error, or its process died): recorded as such, never as a rate. */
export function tfjsFailure(job: TfjsJob, error: unknown, log: (line: string) => void): CaseResult {
  const message = error instanceof Error ? error.message : String(error);
  const { config, ...rest } = job as TfjsJob & { config?: TrainerConfig };
  const params = { ...rest, ...(config ? { env: config.env, numEnvs: config.num_envs, numSteps: config.num_steps } : {}), error: message };
  log(`TF.js ${job.backend} ${job.kind} job failed: ${message}`);
  return { name: 'tfjs.failed', params, unit: 'failed', median: 0, min: 0, max: 0, reps: 0 };
}

export async function benchPpo(context: SuiteContext): Promise<CaseResult[]> {
  const { gpu, quick, log } = context;
  const results: CaseResult[] = [];
  const sizes: readonly number[] = quick ? [8, 4096] : PPO_SIZES;
  const baselineSizes = new Set(quick ? [8, 4096] : [8, 256, 4096]);
  const budget = quick ? 3 : 8;
  /** The TF.js results at CartPole-v1 x 8, by backend (the JavaScript-environment comparison's baseline). */
  const baselines8 = new Map<string, CaseResult>();

  await validateBaselineGae(gpu);
  log('TF.js baseline GAE matches the engine kernel (computeGae)');
  // The baseline must learn before it is timed; a backend that fails here is not timed at all.
  const learned: LoadedTfjs[] = [];
  for (const loaded of context.tfjs) {
    try {
      const check = await context.runTfjs({ kind: 'learn', backend: loaded.backend, maxIterations: quick ? 60 : 120 });
      learned.push(loaded);
      results.push({ name: 'tfjs.learningCheck', params: { backend: loaded.backend, env: 'CartPole-v1', steps: check.steps, firstReturn: check.firstReturn, threshold: LEARNED_RETURN }, unit: 'mean return (last 20 episodes)', median: check.lastReturn, min: check.lastReturn, max: check.lastReturn, reps: 1 });
    } catch (error) {
      results.push(tfjsFailure({ kind: 'learn', backend: loaded.backend, maxIterations: quick ? 60 : 120 }, error, log));
    }
  }

  for (const env of PPO_ENVS) {
    for (const numEnvs of sizes) {
      if (quick && env === 'Pendulum-v1' && numEnvs > 8) continue;
      const config = ppoBenchConfig(env, numEnvs);
      const big = numEnvs >= 65536;
      const heavy = numEnvs >= 4096;
      const run = await measureEngine(gpu, config, { minReps: (heavy && quick) || big ? 2 : 3, maxReps: big ? 2 : 10, budgetSeconds: budget });
      const params = {
        env,
        numEnvs,
        numSteps: run.config.num_steps,
        batch: run.batch,
        updateEpochs: run.config.update_epochs,
        numMinibatches: run.config.num_minibatches,
        dispatchesPerIteration: run.dispatchesPerIteration,
        submitsPerIteration: run.submitsPerIteration,
        readbacksPerIteration: run.readbacksPerIteration,
        bufferBytes: run.bufferBytes,
        rolloutStorageBytes: run.storageBytes,
        maxStorageBufferBindingSize: run.maxStorageBinding,
      };
      const engine = rateResult('ppo.engine', params, 'env-steps/s', run.batch, run.timing);
      results.push(engine);
      log(
        `PPO engine ${env} x ${numEnvs}: ${Math.round(engine.median)} env-steps/s (${run.timing.median.toFixed(3)} s/iteration; ` +
          `${run.dispatchesPerIteration} dispatches, ${run.submitsPerIteration} submits, ${run.readbacksPerIteration} readbacks per iteration; ${(run.bufferBytes / 2 ** 20).toFixed(1)} MiB)`,
      );
      // Where the GPU time goes (timestamp queries around every dispatch of one iteration), up to 4096 environments.
      if (numEnvs <= 4096) {
        const profile = await profileIteration(gpu, config);
        if (profile) {
          const work = networkWork(env, run.config.hidden_sizes);
          const updateFlops = run.batch * run.config.update_epochs * work.updateFlops;
          const updateGflops = updateFlops / profile.phases.update / 1e9;
          const peak = context.peakGflops;
          results.push({
            name: 'ppo.profile',
            params: {
              env,
              numEnvs,
              batch: run.batch,
              phasesMs: Object.fromEntries(Object.entries(profile.phases).map(([k, v]) => [k, round3(v * 1e3)])),
              kernels: profile.kernels.map((k) => ({ label: k.label, phase: k.phase, dispatches: k.dispatches, ms: round3(k.seconds * 1e3) })),
              updateGflops,
              rolloutEnvStepsPerSecond: run.batch / profile.phases.rollout,
              fractionOfPeak: peak ? updateGflops / peak : null,
            },
            unit: 'ms (GPU time of one iteration)',
            median: profile.total * 1e3,
            min: profile.total * 1e3,
            max: profile.total * 1e3,
            reps: 1,
          });
          const top = profile.kernels.slice(0, 3).map((k) => `${k.label} ${(k.seconds * 1e3).toFixed(1)} ms`).join(', ');
          log(
            `  GPU time of one iteration: ${(profile.total * 1e3).toFixed(1)} ms (rollout ${(profile.phases.rollout * 1e3).toFixed(1)}, update ${(profile.phases.update * 1e3).toFixed(1)}); ` +
              `update ${updateGflops.toFixed(2)} GFLOP/s${peak ? ` = ${((100 * updateGflops) / peak).toFixed(1)}% of peak` : ''}; top: ${top}`,
          );
        }
      }
      if (!baselineSizes.has(numEnvs) || (quick && env !== 'CartPole-v1')) continue;
      for (const loaded of learned) {
        // TF.js's plain-JavaScript backend: the small sizes only (at 4096 one iteration takes minutes).
        if (loaded.backend === 'cpu' && numEnvs > (quick ? 8 : 256)) continue;
        // Quick at 4096: one measured iteration after the warm-up (a TF.js iteration takes minutes on SwiftShader).
        const job: TfjsJob = { kind: 'throughput', backend: loaded.backend, config: run.config, minReps: heavy && quick ? 1 : 3, maxReps: heavy ? (quick ? 1 : 3) : 8, budgetSeconds: budget };
        let base;
        try {
          base = await context.runTfjs(job);
        } catch (error) {
          results.push(tfjsFailure(job, error, log));
          continue;
        }
        const baseline = rateResult(
          `ppo.tfjs-${loaded.backend}`,
          { env, numEnvs, numSteps: run.config.num_steps, batch: base.batch, updateEpochs: run.config.update_epochs, numMinibatches: run.config.num_minibatches, backend: loaded.backend, ...(base.wasm ? { wasm: base.wasm } : {}) },
          'env-steps/s',
          base.batch,
          base.timing,
        );
        results.push(baseline);
        log(`PPO TF.js (${loaded.backend}) ${env} x ${numEnvs}: ${Math.round(baseline.median)} env-steps/s (${base.timing.median.toFixed(3)} s/iteration); engine / TF.js = ${(engine.median / baseline.median).toFixed(2)}`);
        const named = env === 'CartPole-v1' && (numEnvs === 8 || numEnvs === 4096);
        if (named && loaded.backend === 'webgpu') context.comparisons.push(compareRates(`ppo-vs-tfjs-${numEnvs}envs`, engine, baseline, numEnvs === 8 ? GOALS.ratio8 : GOALS.ratio4096));
        else if (named && loaded.backend === 'wasm') {
          // The goal against TF.js's best CPU backend is set for Node (in Chrome the engine runs on SwiftShader).
          context.comparisons.push(compareRates(`ppo-vs-tfjs-wasm-${numEnvs}envs`, engine, baseline, context.runtime === 'node' ? (numEnvs === 8 ? GOALS.wasmRatio8 : GOALS.wasmRatio4096) : null));
        } else context.comparisons.push(compareRates(`ppo-vs-tfjs-${loaded.backend}-${env}-${numEnvs}envs`, engine, baseline, null));
        if (env === 'CartPole-v1' && numEnvs === 8) baselines8.set(loaded.backend, baseline);
      }
    }
  }

  // Like for like with TF.js, which steps its environments on the CPU: the engine's JavaScript-environment path
  // (JsCartPole-v1, the same dynamics, stepped in JavaScript with the policy on the GPU) in the configuration of
  // CartPole-v1 at 8 environments.
  const cartpole8 = results.find((r) => r.name === 'ppo.engine' && r.params.env === 'CartPole-v1' && r.params.numEnvs === 8);
  if (cartpole8) {
    if (!listEnvs().some((e) => e.id === jsCartPoleDefinition.id)) defineJsEnv(jsCartPoleDefinition);
    const config = { ...resolveConfig(ppoBenchConfig('CartPole-v1', 8), false), env: jsCartPoleDefinition.id };
    const run = await measureEngine(gpu, config, { minReps: 3, maxReps: 10, budgetSeconds: budget });
    const engine = rateResult(
      'ppo.engine.jsEnv',
      { env: config.env, sameConfigAs: 'CartPole-v1', numEnvs: 8, numSteps: run.config.num_steps, batch: run.batch, updateEpochs: run.config.update_epochs, numMinibatches: run.config.num_minibatches, submitsPerIteration: run.submitsPerIteration, readbacksPerIteration: run.readbacksPerIteration },
      'env-steps/s',
      run.batch,
      run.timing,
    );
    results.push(engine);
    log(`PPO engine, JavaScript environment ${config.env} x 8: ${Math.round(engine.median)} env-steps/s (${run.timing.median.toFixed(3)} s/iteration; ${run.submitsPerIteration} submits, ${run.readbacksPerIteration} readbacks per iteration)`);
    const wasm = baselines8.get('wasm');
    if (wasm) {
      context.comparisons.push(compareRates('ppo-jsenv-vs-tfjs-wasm-8envs', engine, wasm, null));
      log(`  engine (JavaScript environment) / TF.js wasm = ${(engine.median / wasm.median).toFixed(2)}`);
    }
  }

  // Update-phase throughput: CartPole with 1 and 4 epochs, interleaved.
  // Quick: batch 4096 (256 environments x 16 steps), the smallest batch the target names.
  for (const numEnvs of quick ? [256] : [256, 4096]) {
    const split = await measureUpdateSplit(gpu, numEnvs, quick ? 3 : 5);
    const work = networkWork('CartPole-v1', split.hidden);
    const flopsPerEpoch = split.batch * work.updateFlops;
    const gflops = split.perEpoch.filter((t) => t > 0).map((t) => flopsPerEpoch / t / 1e9);
    if (gflops.length === 0) {
      log(`update phase at batch ${split.batch}: 4 epochs were never slower than 1 (noise); no figure`);
      continue;
    }
    const timing = summarize(gflops);
    const perEpoch = summarize(split.perEpoch).median;
    const one = summarize(split.one).median;
    const four = summarize(split.four).median;
    const peak = context.peakGflops;
    const result: CaseResult = {
      name: 'ppo.update',
      params: {
        env: 'CartPole-v1',
        numEnvs,
        batch: split.batch,
        minibatch: split.batch / 4,
        secondsPerEpoch: perEpoch,
        iterationSeconds1Epoch: one,
        iterationSeconds4Epochs: four,
        rolloutSeconds: one - perEpoch,
        flopsPerSampleEpoch: work.updateFlops,
        peakGflops: peak ?? null,
        fractionOfPeak: peak ? timing.median / peak : null,
      },
      unit: 'GFLOP/s',
      median: timing.median,
      min: timing.min,
      max: timing.max,
      reps: gflops.length,
    };
    results.push(result);
    log(
      `update phase, CartPole batch ${split.batch} (minibatch ${split.batch / 4}): ${perEpoch.toFixed(3)} s per epoch, ${timing.median.toFixed(2)} GFLOP/s` +
        (peak ? ` = ${((100 * timing.median) / peak).toFixed(1)}% of the FMA peak ${peak.toFixed(2)}` : '') +
        `; rollout + GAE + statistics ${(one - perEpoch).toFixed(3)} s per iteration`,
    );
  }
  return results;
}
