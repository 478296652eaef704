/**
 * MinAtar/Breakout-v1: MinAtar's Breakout with its default sticky actions (probability 0.1) over the WGSL of
 * src/envs/builtins/breakout.wgsl.ts. MinAtar sets no time limit, so maxEpisodeSteps is the engine's largest
 * (MAX_EPISODE_STEPS_LIMIT = 2^28 steps: the step count shares a u32 with the stream id of the step generator);
 * MinAtar defines no reward threshold. breakoutVariant gives the same game with another sticky-action
 * probability (0 turns sticky actions off); the registered built-in is breakoutVariant() with the default.
 */
import { EnvInputError, describeValue } from '../errors.js';
import { MAX_EPISODE_STEPS_LIMIT } from '../gpuEnv.wgsl.js';
import type { GpuEnvDefinition } from '../spec.js';
import { BREAKOUT_OBS_SIZE, BREAKOUT_STATE_SIZE, breakoutWgsl } from './breakout.wgsl.js';

export const BREAKOUT_STICKY_ACTION_PROBABILITY = 0.1;

export const BREAKOUT_STATE_NAMES: readonly string[] = [
  'ball_y',
  'ball_x',
  'ball_dir',
  'pos',
  'last_y',
  'last_x',
  'strike',
  'terminal',
  ...Array.from({ length: 100 }, (_, i) => `brick_${Math.floor(i / 10)}_${i % 10}`),
  'last_action',
];

export interface BreakoutOptions {
  /** Probability that a step repeats the previous action instead of the one given, in [0, 1); MinAtar's 0.1. */
  stickyActionProbability?: number;
}

/** The Breakout definition with the given sticky-action probability (same id: register it under another to list both). */
export function breakoutVariant(options: BreakoutOptions = {}): GpuEnvDefinition {
  const where = 'breakoutVariant';
  if (typeof options !== 'object' || options === null) {
    throw new EnvInputError(where, 'options', describeValue(options), '{ stickyActionProbability? }');
  }
  const p = options.stickyActionProbability ?? BREAKOUT_STICKY_ACTION_PROBABILITY;
  if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p >= 1) {
    throw new EnvInputError(where, 'stickyActionProbability', describeValue(p), 'a number in [0, 1)');
  }
  return {
    id: 'MinAtar/Breakout-v1',
    observationSize: BREAKOUT_OBS_SIZE,
    action: { type: 'discrete', n: 3 },
    maxEpisodeSteps: MAX_EPISODE_STEPS_LIMIT,
    rewardThreshold: null,
    stateSize: BREAKOUT_STATE_SIZE,
    stateNames: [...BREAKOUT_STATE_NAMES],
    wgsl: breakoutWgsl(p),
  };
}

export const breakoutDefinition: GpuEnvDefinition = breakoutVariant();
