/**
 * The training page's starting hyperparameters per built-in environment: the engine's own tuned defaults (TUNED
 * over CleanRL's defaults, as createTrainer resolves them), so the form shows what a plain createTrainer({ env })
 * would use; and one sentence on what to expect from each.
 */
import { CLEANRL_CONTINUOUS_DEFAULTS, CLEANRL_DEFAULTS, listEnvs, TUNED } from '../../src/index.js';
import { EDITABLE_KEYS, type EditableConfig } from './hyperparams.js';

export interface EnvPreset {
  config: EditableConfig;
  expect: string;
  /** Drawn steps per second: each environment's own clock (CartPole 50 Hz, Pendulum 20 Hz), faster for slow ones. */
  stepsPerSecond: number;
}

/** The editable keys of what createTrainer({ env: id }) resolves to. */
export function engineDefaults(id: string): EditableConfig {
  const continuous = listEnvs().find((env) => env.id === id)?.action.type === 'box';
  const resolved = { ...(continuous ? CLEANRL_CONTINUOUS_DEFAULTS : CLEANRL_DEFAULTS), ...(TUNED[id] ?? {}) };
  return Object.fromEntries(EDITABLE_KEYS.map((key) => [key, resolved[key]])) as EditableConfig;
}

const EXPECT: Record<string, { expect: string; stepsPerSecond: number }> = {
  'CartPole-v1': {
    expect: 'Balances the pole: the mean return climbs from about 20 towards 500 (the episode limit) within a few tens of thousands of steps.',
    stepsPerSecond: 50,
  },
  'Acrobot-v1': {
    expect: 'Swings the free end above the line: the return starts at -500 (the time limit) and rises towards -100 within about 60k steps (measured with these settings).',
    stepsPerSecond: 30,
  },
  'MountainCar-v0': {
    expect: 'A hard exploration problem: -1 per step until the car reaches the flag, which random pushing rarely does, so expect a long flat -200 first.',
    stepsPerSecond: 60,
  },
  'MountainCarContinuous-v0': {
    expect: 'Pushing costs a little and only the flag pays (+100): PPO may settle on standing still (return near 0) before it finds the flag.',
    stepsPerSecond: 60,
  },
  'Pendulum-v1': {
    expect: 'Swing up and hold: the return rises from about -1200 towards -250 within about 100k steps (measured with these settings).',
    stepsPerSecond: 20,
  },
  'MinAtar/Breakout-v1': {
    expect: 'MinAtar Breakout (+1 per brick, the episode ends when the ball passes the paddle, sticky actions 0.1): no tuned settings yet, so these are the plain defaults over an MLP on the 400-cell grid; not measured here.',
    stepsPerSecond: 15,
  },
};

export const PRESETS: Record<string, EnvPreset> = Object.fromEntries(
  Object.entries(EXPECT).map(([id, about]) => [id, { config: engineDefaults(id), ...about }]),
);
