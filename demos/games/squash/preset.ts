/**
 * Squash-v0's training hyperparameters: the page's defaults and the shipped policy's. Measured in Node (lavapipe),
 * seed 1: the deterministic policy keeps every rally going to the time limit after about 35k steps, and the mean
 * training return (sampled actions) climbs from -1 to about 14 by 60k.
 */
import type { EditableConfig } from '../../lib/hyperparams.js';

export const SQUASH_PRESET: EditableConfig = {
  algo: 'ppo',
  num_envs: 16,
  num_steps: 64,
  learning_rate: 1e-3,
  update_epochs: 10,
  num_minibatches: 4,
  ent_coef: 0,
  clip_coef: 0.2,
  gamma: 0.99,
  gae_lambda: 0.95,
  total_timesteps: 100_000,
  seed: 1,
};
