/** MountainCar-v0: Gymnasium's registration (200 steps, threshold -110) over src/envs/builtins/mountainCar.wgsl.ts. */
import { mountainCarWgsl } from './mountainCar.wgsl.js';
import type { GpuEnvDefinition } from '../spec.js';

export const mountainCarDefinition: GpuEnvDefinition = {
  id: 'MountainCar-v0',
  observationSize: 2,
  action: { type: 'discrete', n: 3 },
  maxEpisodeSteps: 200,
  rewardThreshold: -110,
  stateSize: 2,
  stateNames: ['position', 'velocity'],
  wgsl: mountainCarWgsl,
};
