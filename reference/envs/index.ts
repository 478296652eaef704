/** The float64 references of the built-in environments, by Gymnasium id. */
import { acrobotReference } from './acrobot.js';
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
};

export type { ReferenceEnv, ReferenceOutcome } from './types.js';
