/** The built-in GPU environments (Gymnasium's classic control), in the order listEnvs() reports them. */
import { acrobotDefinition } from './acrobot.js';
import { cartPoleDefinition } from './cartpole.js';
import { mountainCarDefinition } from './mountainCar.js';
import { mountainCarContinuousDefinition } from './mountainCarContinuous.js';
import { pendulumDefinition } from './pendulum.js';
import type { GpuEnvDefinition } from '../spec.js';

export const BUILTIN_ENVS: readonly GpuEnvDefinition[] = [
  cartPoleDefinition,
  acrobotDefinition,
  mountainCarDefinition,
  mountainCarContinuousDefinition,
  pendulumDefinition,
];

export { acrobotDefinition, cartPoleDefinition, mountainCarDefinition, mountainCarContinuousDefinition, pendulumDefinition };
