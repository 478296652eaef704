/**
 * MinAtar/Breakout-v1: MinAtar's Breakout (its Gymnasium registration, with the minimal action set n, l, r) with its
 * default sticky actions (probability 0.1) over the WGSL of src/envs/builtins/breakout.wgsl.ts.
 *
 * Observation: MinAtar's state(), shape [10, 10, 4] in (y, x, channel) order (channels paddle, ball, trail, brick),
 * flattened row-major as 400 floats of 0/1.
 * State (getState / setState, 109 floats, all integers): [ball_y, ball_x, ball_dir, pos, last_y, last_x, strike,
 * terminal, then the brick map as 100 values at 8 + y * 10 + x], then last_action (index 108), the previous action
 * that a sticky step repeats; it comes after MinAtar's 108 values and is 0 at every reset.
 * Time limit: MinAtar registers none, so maxEpisodeSteps is the engine's largest, MAX_EPISODE_STEPS_LIMIT = 2^28
 * steps (the step count shares a u32 with the stream id of the step generator). MinAtar defines no reward threshold.
 *
 * Options: createEnv and the registry take an id only (no per-environment options), so the sticky-action
 * probability is a constant of the definition's WGSL. breakoutVariant({ stickyActionProbability }) gives the same
 * game with another probability (0 turns sticky actions off) under the same id: pass it to GpuVecEnv.create, or
 * register it under an id of its own, defineGpuEnv({ ...breakoutVariant({ stickyActionProbability: 0 }), id }).
 * The registered built-in is breakoutVariant() (probability 0.1).
 */
import { EnvInputError, describeValue } from '../errors.js';
import { MAX_EPISODE_STEPS_LIMIT } from '../gpuEnv.wgsl.js';
import type { GpuEnvDefinition } from '../spec.js';
import { checkOptionKeys } from '../../options.js';
import { BREAKOUT_OBS_SIZE, BREAKOUT_STATE_SIZE, breakoutWgsl } from './breakout.wgsl.js';

/** MinAtar's default sticky_action_prob. */
export const BREAKOUT_STICKY_ACTION_PROBABILITY = 0.1;

export const BREAKOUT_OBSERVATION_SHAPE: readonly number[] = [10, 10, 4];

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

/** The Breakout definition with the given sticky-action probability (same id as the built-in). */
export function breakoutVariant(options: BreakoutOptions = {}): GpuEnvDefinition {
  const where = 'breakoutVariant';
  if (typeof options !== 'object' || options === null) {
    throw new EnvInputError(where, 'options', describeValue(options), '{ stickyActionProbability? }');
  }
  checkOptionKeys(where, options, ['stickyActionProbability']);
  const p = options.stickyActionProbability ?? BREAKOUT_STICKY_ACTION_PROBABILITY;
  if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p >= 1) {
    throw new EnvInputError(where, 'stickyActionProbability', describeValue(p), 'a number in [0, 1)');
  }
  return {
    id: 'MinAtar/Breakout-v1',
    observationSize: BREAKOUT_OBS_SIZE,
    observationShape: [...BREAKOUT_OBSERVATION_SHAPE],
    action: { type: 'discrete', n: 3 },
    maxEpisodeSteps: MAX_EPISODE_STEPS_LIMIT,
    rewardThreshold: null,
    stateSize: BREAKOUT_STATE_SIZE,
    stateNames: [...BREAKOUT_STATE_NAMES],
    wgsl: breakoutWgsl(p),
  };
}

export const breakoutDefinition: GpuEnvDefinition = breakoutVariant();
