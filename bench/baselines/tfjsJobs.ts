/**
 * The TF.js baseline's measurements as jobs, so that they can run in the suite's own process (Chrome: in the
 * page) or, in Node, each in a child process (bench/baselines/tfjsChild.ts): tfjs-backend-webgpu on Dawn can
 * crash the process (a segmentation fault was seen in the first update of Pendulum-v1 at 4096 environments), and
 * one crash must not take the whole suite down with it.
 *
 *   learn       the baseline learns CartPole-v1 (validateBaselineLearns), before anything of it is timed
 *   throughput  whole iterations of one configuration: one warm-up, then a fixed number measured (measureTfjs)
 *   solve       the default CartPole-v1 run, as the engine's solve case (solveTfjs)
 */
import { resolveConfig, type TrainerConfig } from '../../src/config.js';
import { getEnvDefinition } from '../../src/envs/registry.js';
import { now, repetitions, summarize, type Timing } from '../harness.js';
import type { SolveParams } from '../cases/solveParams.js';
import { TfjsPpo } from './tfjsPpo.js';
import type { LoadedTfjs, TfjsBackend, WasmFeatures } from './tfjsSetup.js';

export type TfjsJob =
  | { kind: 'learn'; backend: TfjsBackend; maxIterations: number }
  | { kind: 'throughput'; backend: TfjsBackend; config: TrainerConfig; minReps: number; maxReps: number; budgetSeconds: number }
  | { kind: 'solve'; backend: TfjsBackend; env: string; maxSeconds: number };

export interface SolveOutcome {
  /** The engine's solve row (bench/cases/solve.ts), plus the step budget and where the time limit stopped the run. */
  params: SolveParams & { plannedSteps: number; stoppedAfterSeconds: number | null };
  seconds: number;
}

export type TfjsJobResult<J extends TfjsJob> = J extends { kind: 'learn' } ? LearningCheck : J extends { kind: 'throughput' } ? BaselineRun : SolveOutcome;

/** Runs a job of the TF.js baseline here. */
export type TfjsRunner = <J extends TfjsJob>(job: J) => Promise<TfjsJobResult<J>>;

export async function runTfjsJob<J extends TfjsJob>(loaded: LoadedTfjs, job: J, log: (line: string) => void): Promise<TfjsJobResult<J>> {
  switch (job.kind) {
    case 'learn':
      return (await validateBaselineLearns(loaded, job.maxIterations, log)) as TfjsJobResult<J>;
    case 'throughput':
      return (await measureTfjs(loaded, job.config, job)) as TfjsJobResult<J>;
    default:
      return (await solveTfjs(loaded, (job as Extract<TfjsJob, { kind: 'solve' }>).env, (job as Extract<TfjsJob, { kind: 'solve' }>).maxSeconds, log)) as TfjsJobResult<J>;
  }
}

/** How long a job may take before the suite gives up on it (a lost device can leave TF.js waiting forever). */
export function jobTimeoutSeconds(job: TfjsJob): number {
  return job.kind === 'solve' ? job.maxSeconds + 900 : 1800;
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

/** The default run of `env` (the engine's default configuration and total steps), capped at maxSeconds of training. */
export async function solveTfjs(loaded: LoadedTfjs, env: string, maxSeconds: number, log: (line: string) => void): Promise<SolveOutcome> {
  const { tf } = loaded;
  await tf.setBackend(loaded.backend);
  const threshold = getEnvDefinition(env).rewardThreshold ?? null;
  const config = resolveConfig({ env }, getEnvDefinition(env).action.type === 'box');
  const ppo = new TfjsPpo(tf, env, config);
  try {
    const numIterations = Math.max(1, Math.floor(config.total_timesteps / ppo.batchSize));
    const start = now();
    let lastLog = start;
    let solvedAtStep: number | null = null;
    let secondsToSolve: number | null = null;
    let recent: number | null = null;
    let finished = 0;
    let capped = false;
    for (let i = 0; i < numIterations; i++) {
      if (now() - start > maxSeconds) {
        capped = true;
        break;
      }
      const report = await ppo.runIteration(numIterations);
      finished += report.episodeReturns.length;
      recent = report.recentReturn;
      if (solvedAtStep === null && threshold !== null && finished >= 20 && recent !== null && recent >= threshold) {
        solvedAtStep = report.globalStep;
        secondsToSolve = now() - start;
      }
      if (now() - lastLog > 30) {
        lastLog = now();
        log(`  ${env} (TF.js ${loaded.backend}): ${report.globalStep} steps, recent return ${recent?.toFixed(1) ?? '-'}, ${(now() - start).toFixed(0)} s`);
      }
    }
    const seconds = now() - start;
    const evaluation = await ppo.evaluate(100, (config.seed + 1_000_003) >>> 0);
    return {
      params: {
        env,
        runner: `tfjs-${loaded.backend}`,
        numEnvs: config.num_envs,
        numSteps: config.num_steps,
        totalSteps: ppo.globalStep,
        rewardThreshold: threshold,
        solvedAtStep,
        secondsToSolve,
        finalRecentReturn: recent,
        evalMean: evaluation.mean,
        evalStd: evaluation.std,
        evalEpisodes: 100,
        sps: ppo.globalStep / seconds,
        plannedSteps: numIterations * ppo.batchSize,
        stoppedAfterSeconds: capped ? maxSeconds : null,
      },
      seconds,
    };
  } finally {
    ppo.dispose();
  }
}
