/**
 * Snake-v0's training hyperparameters: the page's defaults and the shipped policy's. The shipped policy is these for
 * 2M steps (train-shipped.ts --steps 2000000, seed 1; Node on lavapipe, 787 s): about 20 food per game sampling its
 * moves, against 0.13 for a random snake that respects the mask.
 */
import type { TrainerConfig } from '../../../src/index.js';
import type { EditableConfig } from '../../lib/hyperparams.js';

/** The network of the page and of the shipped policy: CleanRL's MLP (2 x 64 tanh) on the flat board. */
export const SNAKE_NETWORK: Partial<TrainerConfig> = { hidden_sizes: [64, 64], activation: 'tanh', encoder: null };

export const SNAKE_PRESET: EditableConfig = {
  algo: 'ppo',
  num_envs: 64,
  num_steps: 64,
  learning_rate: 5e-4,
  update_epochs: 4,
  num_minibatches: 4,
  ent_coef: 0.01,
  clip_coef: 0.2,
  gamma: 0.99,
  gae_lambda: 0.95,
  total_timesteps: 1_000_000,
  seed: 1,
};
