/** Acrobot-v1: Gymnasium's registration (500 steps, threshold -100) over the WGSL of src/envs/builtins/acrobot.wgsl.ts. */
import { acrobotWgsl } from './acrobot.wgsl.js';
import type { GpuEnvDefinition } from '../spec.js';

export const acrobotDefinition: GpuEnvDefinition = {
  id: 'Acrobot-v1',
  observationSize: 6,
  action: { type: 'discrete', n: 3 },
  maxEpisodeSteps: 500,
  rewardThreshold: -100,
  stateSize: 4,
  stateNames: ['theta1', 'theta2', 'dtheta1', 'dtheta2'],
  wgsl: acrobotWgsl,
};
