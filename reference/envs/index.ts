/** The float64 references of the built-in environments, by Gymnasium id (and MinAtar's Breakout). */
import { acrobotReference } from './acrobot.js';
import { breakoutReference } from './breakout.js';
import { cartPoleReference } from './cartpole.js';
import { mountainCarReference } from './mountainCar.js';
import { mountainCarContinuousReference } from './mountainCarContinuous.js';
import { pendulumReference } from './pendulum.js';
import type { ReferenceEnv } from './types.js';

export const REFERENCE_ENVS: Readonly<Record<string, ReferenceEnv>> = {
  'CartPole-v1': cartPoleReference,
  'Acrobot-v1': acrobotReference,
  'MountainCar-v0': mountainCarReference,
  'MountainCarContinuous-v0': mountainCarContinuousReference,
  'Pendulum-v1': pendulumReference,
  'MinAtar/Breakout-v1': breakoutReference,
};

export type { ReferenceEnv, ReferenceOutcome } from './types.js';
