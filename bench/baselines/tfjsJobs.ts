/**
 * The TF.js baseline's measurements as jobs, so that they can run in the suite's own process (Chrome: in the
 * page) or, in Node, each in a child process (bench/baselines/tfjsChild.ts): tfjs-backend-webgpu on Dawn can
 * crash the process (a segmentation fault was seen in the first update of Pendulum-v1 at 4096 environments), and
 * one crash must not take the whole suite down with it.
 *
 *   learn       the baseline learns CartPole-v1 (validateBaselineLearns), before anything of it is timed
 *   throughput  whole iterations of one configuration: one warm-up, then a fixed number measured (measureTfjs)
 *   solve       one time-to-solve attempt from a new backend instance (solveAttemptTfjs)
 */
import { resolveConfig, type TrainerConfig } from '../../src/config.js';
import { getEnvDefinition } from '../../src/envs/registry.js';
import { now, repetitions, summarize, type Timing } from '../harness.js';
import { solvedNow, stopBefore, type SolveAttempt } from '../cases/solveAttempt.js';
import { TfjsPpo } from './tfjsPpo.js';
import { freshBackend, type LoadedTfjs, type TfjsBackend, type WasmFeatures } from './tfjsSetup.js';

export type TfjsJob =
  | { kind: 'learn'; backend: TfjsBackend; maxIterations: number }
  | { kind: 'throughput'; backend: TfjsBackend; config: TrainerConfig; minReps: number; maxReps: number; budgetSeconds: number }
  | { kind: 'solve'; backend: TfjsBackend; env: string; seed: number; capSeconds: number };

export type TfjsJobResult<J extends TfjsJob> = J extends { kind: 'learn' } ? LearningCheck : J extends { kind: 'throughput' } ? BaselineRun : SolveAttempt;

/** Runs a job of the TF.js baseline here. */
export type TfjsRunner = <J extends TfjsJob>(job: J) => Promise<TfjsJobResult<J>>;

export async function runTfjsJob<J extends TfjsJob>(loaded: LoadedTfjs, job: J, log: (line: string) => void): Promise<TfjsJobResult<J>> {
  switch (job.kind) {
    case 'learn':
      return (await validateBaselineLearns(loaded, job.maxIterations, log)) as TfjsJobResult<J>;
    case 'throughput':
      return (await measureTfjs(loaded, job.config, job)) as TfjsJobResult<J>;
    default: {
      const solve = job as Extract<TfjsJob, { kind: 'solve' }>;
      return (await solveAttemptTfjs(loaded, solve.env, solve.seed, solve.capSeconds, log)) as TfjsJobResult<J>;
    }
  }
}

/** How long a job may take before the suite gives up on it (a lost device can leave TF.js waiting forever). */
export function jobTimeoutSeconds(job: TfjsJob): number {
  return job.kind === 'solve' ? job.capSeconds + 900 : 1800;
}

/**
 * A runner over TF.js loaded in this process (the page in Chrome; Node when child processes are not wanted). A job
 * that outlives jobTimeoutSeconds fails (its work may go on in the background; the suite moves on).
 */
export function inProcessRunner(loaded: readonly LoadedTfjs[], log: (line: string) => void): TfjsRunner {
  return async (job) => {
    const here = loaded.find((l) => l.backend === job.backend);
    if (!here) throw new Error(`TF.js backend '${job.backend}' is not loaded`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the TF.js ${job.backend} ${job.kind} job did not finish in ${jobTimeoutSeconds(job)} s`)), jobTimeoutSeconds(job) * 1000);
    });
    try {
      return await Promise.race([runTfjsJob(here, job, log), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}

export interface BaselineRun {
  batch: number;
  timing: Timing;
  /** The wasm backend's SIMD and threads in the process that measured (undefined for the other backends). */
  wasm?: WasmFeatures;
}

/** Whole TF.js iterations: one warm-up (shader compilation), then between minReps and maxReps measured. */
export async function measureTfjs(
  loaded: LoadedTfjs,
  config: TrainerConfig,
  options: { minReps: number; maxReps: number; budgetSeconds: number },
): Promise<BaselineRun> {
  const { tf } = loaded;
  await tf.setBackend(loaded.backend);
  const ppo = new TfjsPpo(tf, config.env, config);
  try {
    const tensors = tf.memory().numTensors;
    let start = now();
    const first = await ppo.runIteration(1000);
    let elapsed = now() - start;
    for (const key of ['policyLoss', 'valueLoss', 'entropy', 'approxKl'] as const) {
      if (!Number.isFinite(first[key])) throw new Error(`TF.js PPO (${loaded.backend}): first iteration's ${key} is ${first[key]}`);
    }
    const reps = repetitions(elapsed, options);
    const samples: number[] = [];
    for (let i = 0; i < reps; i++) {
      start = now();
      await ppo.runIteration(1000);
      elapsed = now() - start;
      samples.push(elapsed);
    }
    // No tensor may leak from one iteration to the next (the baseline would slow down over a run).
    const leaked = tf.memory().numTensors - tensors;
    if (leaked > 0 && tf.memory().numTensors > tensors + 64) throw new Error(`TF.js PPO (${loaded.backend}): ${leaked} tensors leaked over ${reps} iterations`);
    return { batch: ppo.batchSize, timing: summarize(samples), ...(loaded.wasm ? { wasm: loaded.wasm } : {}) };
  } finally {
    ppo.dispose();
  }
}

/** Mean return of the last 20 CartPole episodes that shows the baseline learns (random policy: about 22). */
export const LEARNED_RETURN = 75;

export interface LearningCheck {
  backend: string;
  steps: number;
  seconds: number;
  firstReturn: number;
  lastReturn: number;
}

/**
 * The baseline learns: TF.js PPO on CartPole-v1 with the engine's default CartPole configuration until the mean
 * of the last 20 episodes reaches LEARNED_RETURN (a random policy scores about 22), within `maxIterations`.
 */
export async function validateBaselineLearns(loaded: LoadedTfjs, maxIterations: number, log: (line: string) => void): Promise<LearningCheck> {
  const { tf } = loaded;
  await tf.setBackend(loaded.backend);
  const config = resolveConfig({ env: 'CartPole-v1' }, false);
  const ppo = new TfjsPpo(tf, 'CartPole-v1', config);
  const numIterations = Math.floor(config.total_timesteps / ppo.batchSize);
  const start = now();
  try {
    let first: number | null = null;
    let last: number | null = null;
    for (let i = 0; i < maxIterations; i++) {
      const report = await ppo.runIteration(numIterations);
      if (first === null && report.episodeReturns.length > 0) first = report.episodeReturns.reduce((a, r) => a + r, 0) / report.episodeReturns.length;
      last = report.recentReturn;
      if (last !== null && last >= LEARNED_RETURN) break;
    }
    const seconds = now() - start;
    log(`TF.js PPO (${loaded.backend}) learning check on CartPole-v1: mean return ${first?.toFixed(1)} -> ${last?.toFixed(1)} in ${ppo.globalStep} steps, ${seconds.toFixed(1)} s`);
    if (first === null || last === null || last < LEARNED_RETURN) {
      throw new Error(`TF.js PPO (${loaded.backend}) does not learn CartPole-v1: mean return of the last 20 episodes ${last} after ${ppo.globalStep} steps (needs ${LEARNED_RETURN})`);
    }
    return { backend: loaded.backend, steps: ppo.globalStep, seconds, firstReturn: first, lastReturn: last };
  } finally {
    ppo.dispose();
  }
}

/**
 * One time-to-solve attempt of the baseline (bench/cases/solveAttempt.ts): from a new backend instance
 * (freshBackend: the wasm module instantiated, or a new WebGPU device with an empty shader cache) and a new agent
 * with the engine's default configuration for `env` (and `seed`), iterations until the engine's criterion holds,
 * the default total_timesteps (the learning-rate schedule's horizon, as the engine's) are spent, or the next
 * iteration would end after `capSeconds`.
 */
export async function solveAttemptTfjs(loaded: LoadedTfjs, env: string, seed: number, capSeconds: number, log: (line: string) => void): Promise<SolveAttempt> {
  const { tf } = loaded;
  const start = now();
  await freshBackend(tf, loaded.backend);
  const threshold = getEnvDefinition(env).rewardThreshold ?? null;
  const config = resolveConfig({ env, seed }, getEnvDefinition(env).action.type === 'box');
  const ppo = new TfjsPpo(tf, env, config);
  const setupSeconds = now() - start;
  const runner = `tfjs-${loaded.backend}`;
  try {
    const numIterations = Math.max(1, Math.floor(config.total_timesteps / ppo.batchSize));
    const stepBudget = numIterations * ppo.batchSize;
    const durations: number[] = [];
    let firstIterationSeconds: number | null = null;
    let finished = 0;
    let recent: number | null = null;
    let stop: SolveAttempt['stop'] = 'steps';
    let end = now();
    let lastLog = start;
    for (;;) {
      const reason = stopBefore(ppo.globalStep, ppo.batchSize, stepBudget, now() - start, durations.length ? Math.min(...durations) : 0, capSeconds);
      if (reason) {
        stop = reason;
        end = now();
        break;
      }
      const t = now();
      const report = await ppo.runIteration(numIterations);
      end = now();
      durations.push(end - t);
      firstIterationSeconds ??= end - start;
      finished += report.episodeReturns.length;
      recent = report.recentReturn;
      if (solvedNow(finished, recent, threshold)) {
        stop = 'solved';
        break;
      }
      if (end - lastLog > 30) {
        lastLog = end;
        log(`  ${env} (TF.js ${loaded.backend}, seed ${seed}): ${report.globalStep} steps, recent return ${recent?.toFixed(1) ?? '-'}, ${(end - start).toFixed(0)} s`);
      }
    }
    return {
      runner,
      env,
      seed,
      solved: stop === 'solved',
      stop,
      seconds: end - start,
      steps: ppo.globalStep,
      setupSeconds,
      firstIterationSeconds,
      iterationSeconds: durations.length > 1 ? summarize(durations.slice(1)).median : null,
      recentReturn: recent,
      stepBudget,
      capSeconds,
    };
  } finally {
    ppo.dispose();
  }
}
