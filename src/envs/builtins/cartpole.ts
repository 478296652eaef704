/** CartPole-v1: Gymnasium's registration (500 steps, threshold 475) over the WGSL of src/envs/builtins/cartpole.wgsl.ts. */
import { cartpoleWgsl } from './cartpole.wgsl.js';
import type { GpuEnvDefinition } from '../spec.js';

export const cartPoleDefinition: GpuEnvDefinition = {
  id: 'CartPole-v1',
  observationSize: 4,
  action: { type: 'discrete', n: 2 },
  maxEpisodeSteps: 500,
  rewardThreshold: 475,
  stateSize: 4,
  stateNames: ['x', 'x_dot', 'theta', 'theta_dot'],
  wgsl: cartpoleWgsl,
};
