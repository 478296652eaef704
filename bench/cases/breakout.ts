/**
 * Benchmark case: PPO learning MinAtar/Breakout-v1, the return it reaches against environment steps within a
 * budget that fits a software adapter (PureJaxRL's published MinAtar Breakout PPO reaches about 40 in 10M steps on
 * an A100). The network is what the trainer's defaults give this grid environment (MinAtar's: conv 16 3x3, ReLU,
 * dense 128; `encoder: null` with hidden [64, 64] tanh was the flat MLP of breakout-mlp); the rest of the configuration
 * is MinAtar-sized PPO: 64 environments x 128 steps, 8 minibatches, 4 epochs, learning rate 5e-4 annealed, entropy
 * 0.01. Reports the learning curve (mean of the last 20 training episodes, one point per iteration), the best and
 * final values, and a 100-episode evaluation (sampled and deterministic).
 */
import type { TrainerConfig } from '../../src/config.js';
import { createTrainer } from '../../src/createTrainer.js';
import { now, type CaseResult } from '../harness.js';
import type { SuiteContext } from './ppo.js';

export const BREAKOUT_ID = 'MinAtar/Breakout-v1';

export const BREAKOUT_CONFIG: Partial<TrainerConfig> = {
  num_envs: 64,
  num_steps: 128,
  num_minibatches: 8,
  update_epochs: 4,
  learning_rate: 5e-4,
  ent_coef: 0.01,
};

/** Environment steps of the run: full and --quick. */
export const BREAKOUT_BUDGET = { full: 2_000_000, quick: 262_144 } as const;

export async function benchBreakout(context: SuiteContext, totalSteps = context.quick ? BREAKOUT_BUDGET.quick : BREAKOUT_BUDGET.full): Promise<CaseResult[]> {
  const trainer = await createTrainer({ env: BREAKOUT_ID, ...BREAKOUT_CONFIG, total_timesteps: totalSteps }, { gpu: context.gpu });
  try {
    const curve: [number, number][] = [];
    let lastLog = now();
    const summary = await trainer.train({
      onIteration: (stats) => {
        if (stats.recentReturn !== null) curve.push([stats.globalStep, Number(stats.recentReturn.toFixed(3))]);
        if (now() - lastLog > 30) {
          lastLog = now();
          context.log(`  breakout: ${stats.globalStep} steps, recent return ${stats.recentReturn?.toFixed(2) ?? '-'}, ${stats.sps.toFixed(0)} SPS`);
        }
      },
    });
    const sampled = await trainer.evaluate({ episodes: 100, deterministic: false });
    const greedy = await trainer.evaluate({ episodes: 100, deterministic: true });
    const best = curve.reduce((m, [, r]) => Math.max(m, r), -Infinity);
    const params = {
      env: BREAKOUT_ID,
      network: { hidden: trainer.config.hidden_sizes, activation: trainer.config.activation, encoder: trainer.config.encoder },
      config: BREAKOUT_CONFIG,
      totalSteps: summary.totalSteps,
      sps: summary.sps,
      bestRecentReturn: best,
      finalRecentReturn: summary.recentReturn,
      evalSampledMean: sampled.mean,
      evalSampledStd: sampled.std,
      evalDeterministicMean: greedy.mean,
      evalDeterministicStd: greedy.std,
      curve,
    };
    context.log(
      `breakout: ${summary.totalSteps} steps in ${summary.wallSeconds.toFixed(0)} s (${summary.sps.toFixed(0)} SPS); best recent return ${best.toFixed(2)}, ` +
        `final ${summary.recentReturn?.toFixed(2) ?? '-'}; evaluation sampled ${sampled.mean.toFixed(2)} ± ${sampled.std.toFixed(2)}, deterministic ${greedy.mean.toFixed(2)} ± ${greedy.std.toFixed(2)}`,
    );
    return [{ name: 'breakout.engine', params, unit: 's (whole run)', median: summary.wallSeconds, min: summary.wallSeconds, max: summary.wallSeconds, reps: 1 }];
  } finally {
    trainer.destroy();
  }
}
