/**
 * MountainCarContinuous-v0: Gymnasium's registration (999 steps, threshold 90; action Box(-1, 1, (1,))) over
 * src/envs/builtins/mountainCarContinuous.wgsl.ts.
 */
import { mountainCarContinuousWgsl } from './mountainCarContinuous.wgsl.js';
import type { GpuEnvDefinition } from '../spec.js';

export const mountainCarContinuousDefinition: GpuEnvDefinition = {
  id: 'MountainCarContinuous-v0',
  observationSize: 2,
  action: { type: 'box', size: 1, low: [-1], high: [1] },
  maxEpisodeSteps: 999,
  rewardThreshold: 90,
  stateSize: 2,
  stateNames: ['position', 'velocity'],
  wgsl: mountainCarContinuousWgsl,
};
