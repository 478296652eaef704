/**
 * Benchmark case solvetime: wall time to solve CartPole-v1 and Acrobot-v1, the engine with its defaults for the
 * environment against the TF.js baseline (bench/baselines/tfjsPpo.ts: the same num_envs, num_steps, epochs,
 * minibatches, annealed learning rate, network, normalisation and GAE, its environments stepped in JavaScript with
 * Gymnasium's dynamics) on each TF.js backend, in the same process and the same run (in Chrome: the same page).
 *
 * One attempt (bench/cases/solveAttempt.ts) starts the clock, creates a new device (the engine: requestGpu, then
 * createTrainer, which compiles every pipeline) or a new backend instance (TF.js: freshBackend, then the agent;
 * tfjs-backend-webgpu compiles its shaders during the first iteration), and trains until the engine's criterion
 * holds (mean return of the last 20 episodes >= Gymnasium's threshold), the step budget is spent (the default
 * total_timesteps, the learning-rate schedule's horizon on both sides) or the next iteration would end after the
 * side's wall-time cap. Shader compilation is therefore inside the time; how much it is shows as the set-up time
 * and the start-up time (the first iteration's end minus one steady iteration).
 *
 * Repetitions: MIN_REPS attempts per side with seeds 1, 2, ... (one attempt per side with --quick, marked so in
 * the report), the sides interleaved seed by seed so that a slow spell of a shared machine hits both. In Node
 * --quick runs CartPole-v1 only, and TF.js's cpu backend is left out of --quick runs.
 *
 * Comparisons solve-vs-tfjs-<backend>-<env>: TF.js seconds / engine seconds (higher is better), a bound where a
 * side did not solve; the goal (GOALS.solveRatio) is set for CartPole-v1 against wasm in Chrome.
 */
import { resolveConfig, type TrainerConfig } from '../../src/config.js';
import { requestGpu } from '../../src/gpu/device.js';
import { createTrainer } from '../../src/createTrainer.js';
import { getEnvDefinition } from '../../src/envs/registry.js';
import type { TfjsBackend } from '../baselines/tfjsSetup.js';
import type { TfjsJob } from '../baselines/tfjsJobs.js';
import { GOALS } from '../report.js';
import { MIN_REPS, now, summarize, type CaseResult } from '../harness.js';
import { attemptsResult, compareTimesToSolve, stopBefore, type SolveAttempt } from './solveAttempt.js';
import { tfjsFailure, type SuiteContext } from './ppo.js';

export const SOLVE_TIME_ENVS = ['CartPole-v1', 'Acrobot-v1'] as const;

/**
 * Wall-time caps per side, seconds: full runs and --quick. TF.js webgpu on a software adapter runs at tens of
 * env-steps/s, so it gets a short cap and its ratio is a bound rather than an hour's wait.
 */
export const SOLVE_CAPS: Record<'engine' | TfjsBackend, { full: number; quick: number }> = {
  engine: { full: 600, quick: 300 },
  wasm: { full: 600, quick: 300 },
  cpu: { full: 300, quick: 120 },
  webgpu: { full: 120, quick: 60 },
};

/** The configuration keys both sides must share (the TF.js baseline implements exactly these, plus tanh and no target_kl). */
const SHARED_KEYS = [
  'seed', 'num_envs', 'num_steps', 'total_timesteps', 'learning_rate', 'anneal_lr', 'gamma', 'gae_lambda', 'num_minibatches',
  'update_epochs', 'norm_adv', 'clip_coef', 'clip_vloss', 'ent_coef', 'vf_coef', 'max_grad_norm', 'adam_eps', 'hidden_sizes',
  'norm_obs', 'norm_reward', 'clip_obs', 'clip_reward',
] as const satisfies readonly (keyof TrainerConfig)[];

/**
 * Throws unless the engine's configuration is one the baseline runs alike: the shared keys equal to the
 * baseline's, PPO, tanh, no KL early stop. Names the first key that differs.
 */
export function assertSameConfig(engine: TrainerConfig, baseline: TrainerConfig): void {
  for (const key of SHARED_KEYS) {
    if (JSON.stringify(engine[key]) !== JSON.stringify(baseline[key])) {
      throw new Error(`solvetime: ${engine.env}: the engine's ${key} is ${JSON.stringify(engine[key])}, the TF.js baseline's ${JSON.stringify(baseline[key])}; the comparison needs the same configuration`);
    }
  }
  const fixed = { algo: 'ppo', activation: 'tanh', target_kl: null } as const;
  for (const [key, value] of Object.entries(fixed)) {
    const actual = engine[key as keyof typeof fixed];
    if (actual !== value) throw new Error(`solvetime: ${engine.env}: the engine's ${key} is ${JSON.stringify(actual)}; the TF.js baseline implements only ${JSON.stringify(value)}`);
  }
}

/** The configuration both sides run: the engine's defaults for `env` with `seed`. */
export function solveConfig(env: string, seed: number): TrainerConfig {
  return resolveConfig({ env, seed }, getEnvDefinition(env).action.type === 'box');
}

/** One attempt of the engine, on a device of its own (created and destroyed inside the timed attempt). */
export async function engineSolveAttempt(env: string, seed: number, capSeconds: number, log: (line: string) => void): Promise<SolveAttempt> {
  const start = now();
  const gpu = await requestGpu();
  try {
    const trainer = await createTrainer({ env, seed }, { gpu });
    try {
      const setupSeconds = now() - start;
      assertSameConfig(trainer.config, solveConfig(env, seed));
      const batch = trainer.config.num_envs * trainer.config.num_steps;
      const stepBudget = trainer.algorithm.iterationsFor(trainer.config.total_timesteps) * batch;
      const durations: number[] = [];
      let firstIterationSeconds = null as number | null;
      let last = null as number | null;
      let end = now();
      let steps = 0;
      let recent = null as number | null;
      // Set inside the callback (a type assertion keeps TypeScript from narrowing it to the initial value).
      let stop = 'steps' as SolveAttempt['stop'];
      let lastLog = start;
      // The trainer submits the next iteration before it reports this one, so the time between two reports is
      // one iteration's.
      await trainer.train({
        onIteration: (stats) => {
          const t = now();
          if (last === null) firstIterationSeconds = t - start;
          else durations.push(t - last);
          last = t;
          end = t;
          steps = stats.globalStep;
          recent = stats.recentReturn;
          if (trainer.solvedAtStep !== null) {
            stop = 'solved';
            return false;
          }
          const reason = stopBefore(stats.globalStep, batch, stepBudget, t - start, durations.length ? Math.min(...durations) : 0, capSeconds);
          if (reason) {
            stop = reason;
            end = now();
            return false;
          }
          if (t - lastLog > 30) {
            lastLog = t;
            log(`  ${env} (engine, seed ${seed}): ${stats.globalStep} steps, recent return ${stats.recentReturn?.toFixed(1) ?? '-'}, ${(t - start).toFixed(0)} s`);
          }
          return true;
        },
      });
      return {
        runner: 'engine',
        env,
        seed,
        solved: stop === 'solved',
        stop,
        seconds: end - start,
        steps,
        setupSeconds,
        firstIterationSeconds,
        iterationSeconds: durations.length ? summarize(durations).median : null,
        recentReturn: recent,
        stepBudget,
        capSeconds,
      };
    } finally {
      trainer.destroy();
    }
  } finally {
    gpu.destroy();
  }
}

function describeAttempt(a: SolveAttempt): string {
  const how = a.solved ? `solved at step ${a.steps} after ${a.seconds.toFixed(1)} s` : `not solved in ${a.steps} steps / ${a.seconds.toFixed(1)} s (${a.stop === 'steps' ? `step budget ${a.stepBudget}` : `cap ${a.capSeconds} s`})`;
  return (
    `solvetime ${a.env} ${a.runner} seed ${a.seed}: ${how}; set-up ${a.setupSeconds.toFixed(1)} s, first iteration done at ${a.firstIterationSeconds?.toFixed(1) ?? '-'} s, ` +
    `steady iteration ${a.iterationSeconds?.toFixed(2) ?? '-'} s, recent return ${a.recentReturn?.toFixed(1) ?? '-'}`
  );
}

export async function benchSolveTime(context: SuiteContext): Promise<CaseResult[]> {
  const { quick, log } = context;
  const reps = quick ? 1 : MIN_REPS;
  const envs: readonly string[] = quick && context.runtime === 'node' ? ['CartPole-v1'] : SOLVE_TIME_ENVS;
  const backends = context.tfjs.map((l) => l.backend).filter((b) => !(quick && b === 'cpu'));
  const cap = (side: 'engine' | TfjsBackend) => SOLVE_CAPS[side][quick ? 'quick' : 'full'];
  const seed0 = solveConfig('CartPole-v1', 1).seed;
  const results: CaseResult[] = [];
  for (const env of envs) {
    const config = solveConfig(env, seed0);
    const shape = { numEnvs: config.num_envs, numSteps: config.num_steps, totalTimesteps: config.total_timesteps };
    const engine: SolveAttempt[] = [];
    const baselines = new Map<TfjsBackend, SolveAttempt[]>(backends.map((b) => [b, []]));
    for (let rep = 0; rep < reps; rep++) {
      const seed = seed0 + rep;
      const attempt = await engineSolveAttempt(env, seed, cap('engine'), log);
      engine.push(attempt);
      log(describeAttempt(attempt));
      for (const [backend, attempts] of baselines) {
        const job: TfjsJob = { kind: 'solve', backend, env, seed, capSeconds: cap(backend) };
        try {
          const done = await context.runTfjs(job);
          attempts.push(done);
          log(describeAttempt(done));
        } catch (error) {
          // A failed attempt is recorded as such; the backend is not timed again on this environment.
          results.push(tfjsFailure(job, error, log));
          baselines.delete(backend);
        }
      }
    }
    const engineCase = attemptsResult(engine, shape);
    results.push(engineCase);
    for (const [backend, attempts] of baselines) {
      const baseCase = attemptsResult(attempts, shape);
      results.push(baseCase);
      const goal = context.runtime === 'chrome' && env === 'CartPole-v1' && backend === 'wasm' ? GOALS.solveRatio : null;
      const comparison = compareTimesToSolve(`solve-vs-tfjs-${backend}-${env}`, engineCase, baseCase, goal);
      context.comparisons.push(comparison);
      log(`solvetime ${env}: TF.js ${backend} / engine = ${comparison.ratio.toFixed(2)}${comparison.bound ? ` (${comparison.bound} bound)` : ''} over ${engine.length} / ${attempts.length} attempts`);
    }
  }
  return results;
}
