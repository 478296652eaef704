/**
 * The training page's starting hyperparameters per built-in environment, chosen to show learning within minutes
 * in a browser on a software GPU (CartPole from the engine's tuned defaults; the others after RL Zoo and CleanRL,
 * with more environments per batch), and one sentence on what to expect from each.
 */
import { TUNED } from '../../src/index.js';
import type { EditableConfig } from './hyperparams.js';

export interface EnvPreset {
  config: EditableConfig;
  expect: string;
  /** Drawn steps per second: each environment's own clock (CartPole 50 Hz, Pendulum 20 Hz), faster for slow ones. */
  stepsPerSecond: number;
}

const cartPole = TUNED['CartPole-v1'] ?? {};

export const PRESETS: Record<string, EnvPreset> = {
  'CartPole-v1': {
    config: {
      algo: 'ppo',
      num_envs: cartPole.num_envs ?? 8,
      num_steps: cartPole.num_steps ?? 32,
      learning_rate: cartPole.learning_rate ?? 1e-3,
      update_epochs: cartPole.update_epochs ?? 20,
      num_minibatches: cartPole.num_minibatches ?? 1,
      ent_coef: cartPole.ent_coef ?? 0,
      clip_coef: 0.2,
      gamma: cartPole.gamma ?? 0.98,
      gae_lambda: cartPole.gae_lambda ?? 0.8,
      total_timesteps: 100_000,
      seed: 1,
    },
    expect: 'Balances the pole: the mean return climbs from about 20 towards 500 (the episode limit) within a few tens of thousands of steps.',
    stepsPerSecond: 50,
  },
  'Acrobot-v1': {
    config: {
      algo: 'ppo',
      num_envs: 16,
      num_steps: 128,
      learning_rate: 2.5e-4,
      update_epochs: 4,
      num_minibatches: 4,
      ent_coef: 0.01,
      clip_coef: 0.2,
      gamma: 0.99,
      gae_lambda: 0.95,
      total_timesteps: 300_000,
      seed: 1,
    },
    expect: 'Swings the free end above the line: the return stays at -500 until random swings first get there, then rises towards -100 (typically after 50-100k steps).',
    stepsPerSecond: 30,
  },
  'MountainCar-v0': {
    config: {
      algo: 'ppo',
      num_envs: 16,
      num_steps: 128,
      learning_rate: 2.5e-4,
      update_epochs: 4,
      num_minibatches: 4,
      ent_coef: 0.01,
      clip_coef: 0.2,
      gamma: 0.99,
      gae_lambda: 0.95,
      total_timesteps: 500_000,
      seed: 1,
    },
    expect: 'A hard exploration problem: -1 per step until the car reaches the flag, which random pushing almost never does, so expect a long flat -200.',
    stepsPerSecond: 60,
  },
  'MountainCarContinuous-v0': {
    config: {
      algo: 'ppo',
      num_envs: 16,
      num_steps: 128,
      learning_rate: 3e-4,
      update_epochs: 10,
      num_minibatches: 32,
      ent_coef: 0,
      clip_coef: 0.2,
      gamma: 0.99,
      gae_lambda: 0.95,
      total_timesteps: 500_000,
      seed: 1,
    },
    expect: 'Pushing costs a little and only the flag pays (+100): PPO often settles on standing still (return near 0) before it ever finds the flag.',
    stepsPerSecond: 60,
  },
  'Pendulum-v1': {
    config: {
      algo: 'ppo',
      num_envs: 16,
      num_steps: 128,
      learning_rate: 1e-3,
      update_epochs: 10,
      num_minibatches: 8,
      ent_coef: 0,
      clip_coef: 0.2,
      gamma: 0.9,
      gae_lambda: 0.95,
      total_timesteps: 200_000,
      seed: 1,
    },
    expect: 'Swing up and hold: the return rises from about -1200 towards -200 as the pendulum learns to swing up and balance.',
    stepsPerSecond: 20,
  },
};
