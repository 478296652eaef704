/**
 * The Pong page's training settings: the engine's own for Pong-v0 (TUNED over CleanRL's defaults: 32 courts x 128
 * steps, a [32, 32] network), what `createTrainer({ env: 'Pong-v0' })` and the CLI use, so the shipped policy
 * (`npm run cli -- train --env Pong-v0 --save demos/policies/pong.safetensors`) was trained with exactly these.
 * The self-play keys are ML-Agents' defaults; the URL may set them (?save_steps=4096), as tests do for a pool
 * that fills within a few small iterations.
 */
import { TUNED, type TrainerConfig } from '../../../src/index.js';
import { engineDefaults } from '../../lib/presets.js';

export const PONG_PRESET = engineDefaults('Pong-v0');

/** The keys the form does not show: the network, and the self-play keys the URL gives. */
export function pongFixed(query: URLSearchParams): Partial<TrainerConfig> {
  const fixed: Partial<TrainerConfig> = { hidden_sizes: TUNED['Pong-v0']!.hidden_sizes };
  for (const key of ['save_steps', 'window', 'play_against_latest_model_ratio', 'swap_steps'] as const) {
    const text = query.get(key);
    // A value that is not a number reaches the engine as NaN, which its ConfigError names.
    if (text !== null) fixed[key] = text.trim() === '' ? Number.NaN : Number(text);
  }
  return fixed;
}
