/** The built-in GPU environments (Gymnasium's classic control, MinAtar's Breakout, then the two-player Pong), in the order listEnvs() reports them. */
import { acrobotDefinition } from './acrobot.js';
import { breakoutDefinition } from './breakout.js';
import { cartPoleDefinition } from './cartpole.js';
import { mountainCarDefinition } from './mountainCar.js';
import { mountainCarContinuousDefinition } from './mountainCarContinuous.js';
import { pendulumDefinition } from './pendulum.js';
import { pongDefinition } from './pong.js';
import type { GpuEnvDefinition } from '../spec.js';

export const BUILTIN_ENVS: readonly GpuEnvDefinition[] = [
  cartPoleDefinition,
  acrobotDefinition,
  mountainCarDefinition,
  mountainCarContinuousDefinition,
  pendulumDefinition,
  breakoutDefinition,
  pongDefinition,
];

export { acrobotDefinition, breakoutDefinition, cartPoleDefinition, mountainCarDefinition, mountainCarContinuousDefinition, pendulumDefinition, pongDefinition };
