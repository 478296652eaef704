/**
 * Pendulum-v1: Gymnasium's registration (200 steps, no reward threshold; action Box(-2, 2, (1,))) over
 * src/envs/builtins/pendulum.wgsl.ts.
 */
import { pendulumWgsl } from './pendulum.wgsl.js';
import type { GpuEnvDefinition } from '../spec.js';

export const pendulumDefinition: GpuEnvDefinition = {
  id: 'Pendulum-v1',
  observationSize: 3,
  action: { type: 'box', size: 1, low: [-2], high: [2] },
  maxEpisodeSteps: 200,
  rewardThreshold: null,
  stateSize: 2,
  stateNames: ['theta', 'theta_dot'],
  wgsl: pendulumWgsl,
};
