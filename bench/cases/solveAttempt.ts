/**
 * Time to solve, the arithmetic shared by both sides of the comparison (bench/cases/solveTime.ts runs the engine,
 * bench/baselines/tfjsJobs.ts the TF.js baseline): when an attempt counts as solved, when it must stop, how its
 * repetitions summarise into a case, and how two such cases compare when some attempts did not solve.
 *
 * An attempt that did not solve within its step budget or wall-time cap is censored: its time to solve is
 * unknown but at least the seconds it ran. The median over repetitions is then bounded: replacing each
 * censored time by the seconds it ran gives a lower bound of the median (the median is non-decreasing in every
 * sample), by +infinity an upper bound; the two agree when the censored attempts cannot move the median. The
 * ratio baseline / engine (higher is better) is then exact, a lower bound (only the baseline censored), an upper
 * bound (only the engine censored), or a range.
 */
import { SOLVED_WINDOW } from '../../src/trainer.js';
import { summarize, type CaseResult, type Comparison } from '../harness.js';

/** One attempt: train from scratch until solved, out of steps, or out of time. */
export interface SolveAttempt {
  /** 'engine' or 'tfjs-<backend>'. */
  runner: string;
  env: string;
  seed: number;
  solved: boolean;
  /** Why it ended: the criterion was met, the step budget was spent, or the next iteration would end past the cap. */
  stop: 'solved' | 'steps' | 'seconds';
  /** Wall seconds from the start (creating the device or backend included) to the end of the iteration that solved, or to the stop. */
  seconds: number;
  /** Environment steps at the end of that iteration. */
  steps: number;
  /** Creating the device or backend and the trainer (the engine compiles its pipelines here), seconds. */
  setupSeconds: number;
  /** From the start to the end of the first iteration (null if none ran), seconds. */
  firstIterationSeconds: number | null;
  /** Median wall seconds of the iterations after the first (null with fewer than two). */
  iterationSeconds: number | null;
  /** Mean return of the last SOLVED_WINDOW episodes at the end. */
  recentReturn: number | null;
  stepBudget: number;
  capSeconds: number;
}

/**
 * The engine's "solved" (Trainer.solvedAtStep): at least SOLVED_WINDOW episodes have ended and the mean return of
 * the last SOLVED_WINDOW of them reached the threshold; an environment without a threshold is never solved.
 */
export function solvedNow(episodesEnded: number, recentMean: number | null, threshold: number | null): boolean {
  return threshold !== null && recentMean !== null && episodesEnded >= SOLVED_WINDOW && recentMean >= threshold;
}

/**
 * Whether to stop before the next iteration: the step budget is spent, or the next iteration (assumed as long as
 * the last) would end after the cap, so that it could not solve within it.
 */
export function stopBefore(steps: number, batch: number, stepBudget: number, elapsed: number, lastIteration: number, capSeconds: number): 'steps' | 'seconds' | null {
  if (steps + batch > stepBudget) return 'steps';
  if (elapsed + lastIteration > capSeconds) return 'seconds';
  return null;
}

/** How the time of the first iteration beyond a steady one splits off: the start-up cost (compilation, first use). */
export function startupSeconds(attempt: Pick<SolveAttempt, 'firstIterationSeconds' | 'iterationSeconds'>): number | null {
  if (attempt.firstIterationSeconds === null || attempt.iterationSeconds === null) return null;
  return Math.max(0, attempt.firstIterationSeconds - attempt.iterationSeconds);
}

const median = (values: number[]) => (values.length ? summarize(values).median : null);

/**
 * The case of one side: median seconds to solve over its attempts (censored ones at the seconds they ran: a lower
 * bound, see the header), min and max, the repetitions; params carry every attempt, the upper bound of the median
 * (null: unbounded), how many solved, and the medians of steps, set-up and start-up.
 */
export function attemptsResult(attempts: readonly SolveAttempt[], extra: Record<string, unknown> = {}): CaseResult {
  if (attempts.length === 0) throw new RangeError('attemptsResult: no attempts');
  const first = attempts[0]!;
  const seconds = summarize(attempts.map((a) => a.seconds));
  const upper = summarize(attempts.map((a) => (a.solved ? a.seconds : Infinity))).median;
  const solved = attempts.filter((a) => a.solved);
  return {
    name: `solveTime.${first.runner}`,
    params: {
      env: first.env,
      runner: first.runner,
      ...extra,
      stepBudget: first.stepBudget,
      capSeconds: first.capSeconds,
      solvedReps: solved.length,
      upperSeconds: Number.isFinite(upper) ? upper : null,
      medianStepsToSolve: median(solved.map((a) => a.steps)),
      medianSetupSeconds: median(attempts.map((a) => a.setupSeconds)),
      medianFirstIterationSeconds: median(attempts.flatMap((a) => (a.firstIterationSeconds === null ? [] : [a.firstIterationSeconds]))),
      medianIterationSeconds: median(attempts.flatMap((a) => (a.iterationSeconds === null ? [] : [a.iterationSeconds]))),
      medianStartupSeconds: median(attempts.flatMap((a) => {
        const s = startupSeconds(a);
        return s === null ? [] : [s];
      })),
      attempts: attempts.map((a) => ({ ...a })),
    },
    unit: 's to solve',
    median: seconds.median,
    min: seconds.min,
    max: seconds.max,
    reps: attempts.length,
  };
}

/** The median's upper bound of a solveTime case (Infinity when censored attempts leave it unbounded). */
function upperSeconds(c: CaseResult): number {
  const u = c.params.upperSeconds;
  return typeof u === 'number' ? u : Infinity;
}

/**
 * Baseline seconds / engine seconds (higher is better), with the bound the censored attempts leave: exact (no
 * `bound`), 'lower' (the true ratio is at least `ratio`), 'upper' (at most), or 'range' (within ratioRange).
 */
export function compareTimesToSolve(name: string, engine: CaseResult, baseline: CaseResult, goal: number | null): Comparison {
  const low = baseline.median / upperSeconds(engine);
  const high = upperSeconds(baseline) / engine.median;
  const ratio = baseline.median / engine.median;
  const engineExact = upperSeconds(engine) === engine.median;
  const baselineExact = upperSeconds(baseline) === baseline.median;
  const bound = engineExact && baselineExact ? undefined : engineExact ? 'lower' : baselineExact ? 'upper' : 'range';
  return {
    name,
    engine: engine.median,
    baseline: baseline.median,
    unit: 's to solve (from device / backend creation)',
    ratio,
    goal,
    reps: { engine: engine.reps, baseline: baseline.reps },
    spread: { engine: [engine.min, engine.max], baseline: [baseline.min, baseline.max] },
    ...(bound ? { bound, ratioRange: [low, Number.isFinite(high) ? high : null] as [number, number | null] } : {}),
    solvedReps: { engine: Number(engine.params.solvedReps), baseline: Number(baseline.params.solvedReps) },
  };
}
