/** Pong-v0: the two-player self-play game (rules in src/envs/builtins/pong.wgsl.ts); one episode is one point. */
import { PONG_ID, PONG_MAX_RALLY_STEPS, pongWgsl } from './pong.wgsl.js';
import type { GpuEnvDefinition } from '../spec.js';

export const pongDefinition: GpuEnvDefinition = {
  id: PONG_ID,
  observationSize: 7,
  action: { type: 'discrete', n: 3 },
  maxEpisodeSteps: PONG_MAX_RALLY_STEPS,
  rewardThreshold: null,
  players: 2,
  stateSize: 6,
  stateNames: ['ball_x', 'ball_y', 'ball_vx', 'ball_vy', 'paddle0_x', 'paddle1_x'],
  wgsl: pongWgsl,
};
