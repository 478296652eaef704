/**
 * Benchmark case: the policy-gradient family against its learning targets. Each target is one run with the
 * algorithm's defaults (defaultsFor: its own keys, the environment's normalisation and discount) for a budget of
 * environment steps, then the deterministic evaluation over 100 episodes (solve.ts's solveRun): the steps and wall
 * seconds to "solved" (the mean of the last 20 training episodes reaching Gymnasium's threshold) and whether the
 * evaluation reaches the target's return.
 *
 * The targets are the anchors of published runs at similar budgets: SLM-Lab's REINFORCE (483 on CartPole at 200k),
 * RL Zoo's A2C (-83 on Acrobot at 500k) and TRPO (500 on CartPole at 100k, -83 on Acrobot at 100k, -175 on
 * Pendulum at 100k with gSDE, which this engine does not have). PPO-Clip and PPO-Penalty are run on CartPole-v1
 * with their own default budget for comparison. --quick runs TRPO on CartPole-v1 only.
 */
import type { Algo, Psi } from '../../src/config.js';
import type { CaseResult } from '../harness.js';
import type { SuiteContext } from './ppo.js';
import { solveRun } from './solve.js';

export interface FamilyTarget {
  algo: Algo;
  /** REINFORCE's ψ (its default otherwise). */
  psi?: Psi;
  env: string;
  /** Environment steps of the run (null: the configuration's total_timesteps). */
  budget: number | null;
  /** The deterministic evaluation must reach this mean return. */
  evalGoal: number;
}

export const FAMILY_TARGETS: readonly FamilyTarget[] = [
  { algo: 'reinforce', psi: 'baseline', env: 'CartPole-v1', budget: 500_000, evalGoal: 475 },
  { algo: 'a2c', env: 'CartPole-v1', budget: 500_000, evalGoal: 475 },
  { algo: 'a2c', env: 'Acrobot-v1', budget: 500_000, evalGoal: -100 },
  { algo: 'trpo', env: 'CartPole-v1', budget: 150_000, evalGoal: 475 },
  { algo: 'trpo', env: 'Acrobot-v1', budget: 200_000, evalGoal: -100 },
  { algo: 'trpo', env: 'Pendulum-v1', budget: 300_000, evalGoal: -250 },
  { algo: 'ppo', env: 'CartPole-v1', budget: null, evalGoal: 475 },
  { algo: 'ppo-penalty', env: 'CartPole-v1', budget: null, evalGoal: 475 },
];

/** The family's runs: one CaseResult 'family.<algo>' per target, with the goal and whether it was met. */
export async function benchFamily(context: SuiteContext, targets: readonly FamilyTarget[] = context.quick ? FAMILY_TARGETS.filter((t) => t.algo === 'trpo' && t.env === 'CartPole-v1') : FAMILY_TARGETS): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const target of targets) {
    const overrides = { algo: target.algo, ...(target.psi ? { psi: target.psi } : {}), ...(target.budget !== null ? { total_timesteps: target.budget } : {}) };
    const { params, wallSeconds } = await solveRun(context.gpu, target.env, overrides, context.log);
    results.push({
      name: `family.${target.algo}`,
      params: { ...params, algo: target.algo, psi: target.psi ?? null, evalGoal: target.evalGoal, met: params.evalMean >= target.evalGoal },
      unit: 's (whole run)',
      median: wallSeconds,
      min: wallSeconds,
      max: wallSeconds,
      reps: 1,
    });
  }
  return results;
}
