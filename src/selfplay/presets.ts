/**
 * Pong-v0's self-play hyperparameters (the bench case's, the page's and the shipped policy's): its tuned defaults
 * (src/config.ts TUNED: 32 courts x 128 steps, a [32, 32] network) with ML-Agents' pool (window 10, latest with
 * probability 0.5, a snapshot every 20k steps).
 */
import { TUNED, type TrainerConfig } from '../config.js';

export const PONG_SELF_PLAY: Partial<TrainerConfig> = { ...TUNED['Pong-v0'], save_steps: 20_000 };
