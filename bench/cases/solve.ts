/**
 * Benchmark case: wall time and environment steps to solve each built-in environment with default settings:
 * createTrainer({ env }) and train() with its default total_timesteps (the whole run, not stopped at "solved"),
 * then the deterministic evaluation over 100 episodes. "Solved" is the trainer's: the mean return of the last
 * 20 training episodes reached Gymnasium's reward threshold (solvedAtStep); environments without a threshold
 * (Pendulum-v1) report their final evaluation only. The time to solve is the wall clock from the start of train()
 * to the iteration where solvedAtStep was set.
 *
 * The engine against the TF.js baseline on time to solve is the case solvetime (bench/cases/solveTime.ts).
 *
 * One run per environment (reps 1): median = min = max = the whole run's wall seconds.
 */
import type { Gpu } from '../../src/gpu/device.js';
import type { TrainerConfig } from '../../src/config.js';
import { createTrainer } from '../../src/createTrainer.js';
import { getEnvDefinition } from '../../src/envs/registry.js';
import { now, type CaseResult } from '../harness.js';
import { BENCH_ENV_IDS } from './envs.js';
import type { SuiteContext } from './ppo.js';
import type { SolveParams } from './solveParams.js';

function solveResult(name: string, params: SolveParams, seconds: number): CaseResult {
  return { name, params, unit: 's (whole default run)', median: seconds, min: seconds, max: seconds, reps: 1 };
}

/** One default run of `env` (plus `overrides`, e.g. a seed): train() to its total_timesteps, then 100 episodes. */
export async function solveRun(gpu: Gpu, env: string, overrides: Partial<TrainerConfig>, log: (line: string) => void): Promise<{ params: SolveParams; wallSeconds: number }> {
  const trainer = await createTrainer({ env, ...overrides }, { gpu });
  try {
    let secondsToSolve: number | null = null;
    let lastLog = now();
    const summary = await trainer.train({
      onIteration: (stats) => {
        if (secondsToSolve === null && trainer.solvedAtStep !== null) secondsToSolve = stats.wallSeconds;
        if (now() - lastLog > 30) {
          lastLog = now();
          log(`  ${env}: ${stats.globalStep} steps, recent return ${stats.recentReturn?.toFixed(1) ?? '-'}, ${stats.wallSeconds.toFixed(0)} s`);
        }
      },
    });
    const evaluation = await trainer.evaluate({ episodes: 100, deterministic: true });
    const params: SolveParams = {
      env,
      runner: 'engine',
      seed: trainer.config.seed,
      numEnvs: trainer.config.num_envs,
      numSteps: trainer.config.num_steps,
      totalSteps: summary.totalSteps,
      rewardThreshold: getEnvDefinition(env).rewardThreshold ?? null,
      solvedAtStep: summary.solvedAtStep,
      secondsToSolve,
      finalRecentReturn: summary.recentReturn,
      evalMean: evaluation.mean,
      evalStd: evaluation.std,
      evalEpisodes: evaluation.episodes,
      sps: summary.sps,
    };
    log(
      `solve ${env} seed ${trainer.config.seed} (engine): ${summary.totalSteps} steps in ${summary.wallSeconds.toFixed(1)} s; ` +
        (summary.solvedAtStep !== null ? `solved at step ${summary.solvedAtStep} after ${secondsToSolve!.toFixed(1)} s` : 'not solved') +
        `; deterministic evaluation ${evaluation.mean.toFixed(1)} ± ${evaluation.std.toFixed(1)} over ${evaluation.episodes} episodes`,
    );
    return { params, wallSeconds: summary.wallSeconds };
  } finally {
    trainer.destroy();
  }
}

export async function benchSolve(context: SuiteContext, envs: readonly string[] = context.quick ? ['CartPole-v1'] : BENCH_ENV_IDS): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const env of envs) {
    const { params, wallSeconds } = await solveRun(context.gpu, env, {}, context.log);
    results.push(solveResult('solve.engine', params, wallSeconds));
  }
  return results;
}
