/**
 * Learning is proven on the real tasks with the tuned defaults and nothing else: CartPole-v1 reaches a
 * deterministic evaluation mean of at least 475 over 100 episodes, Pendulum-v1 at least -250. (Acrobot-v1 and
 * MountainCarContinuous-v0 are measured by the benchmark suite's "solve" case, not here.) These are the slowest
 * tests: their length is the tuned defaults' total_timesteps, which the benchmark keeps as short as learning allows.
 */
import { describe, expect } from 'vitest';
import { createTrainer } from '../src/index.js';
import { gpuTest } from './helpers/gpu.js';

describe('learning with the tuned defaults', () => {
  gpuTest(
    'CartPole-v1 solves: deterministic evaluation >= 475 over 100 episodes',
    async (gpu) => {
      const trainer = await createTrainer({ env: 'CartPole-v1' }, { gpu });
      const summary = await trainer.train();
      const evaluation = await trainer.evaluate({ episodes: 100, deterministic: true });
      trainer.destroy();
      expect(summary.solvedAtStep, 'mean of the last 20 training episodes reached 475').not.toBeNull();
      expect(evaluation.mean).toBeGreaterThanOrEqual(475);
    },
    900_000,
  );

  gpuTest(
    'Pendulum-v1 learns: deterministic evaluation >= -250 over 100 episodes',
    async (gpu) => {
      const trainer = await createTrainer({ env: 'Pendulum-v1' }, { gpu });
      await trainer.train();
      const evaluation = await trainer.evaluate({ episodes: 100, deterministic: true });
      trainer.destroy();
      expect(evaluation.mean).toBeGreaterThanOrEqual(-250);
    },
    900_000,
  );
});
