/**
 * The JavaScript-game page: Catch-v0 (a plain JS game behind defineJsEnv) trained live, four games drawn with the
 * current policy. URL parameters as on the training page (?num_envs=..., autostart=1).
 */
import { startPage } from './lib/page.js';
import { TrainingPanel } from './lib/trainingPanel.js';
import { defineCatch, CATCH_ID } from './games/catch/env.js';
import { renderCatch } from './games/catch/render.js';

const query = new URLSearchParams(location.search);

async function main(): Promise<void> {
  defineCatch();
  const panel = TrainingPanel.mount({ start: 'Start', episodes: 'rounds', episodesNote: 'at most 5', drawn: 'games' });
  await panel.setEnv(
    {
      id: CATCH_ID,
      renderer: renderCatch,
      stepsPerSecond: 60,
      preset: {
        algo: 'ppo',
        num_envs: 16,
        num_steps: 64,
        learning_rate: 2e-3,
        update_epochs: 5,
        num_minibatches: 2,
        ent_coef: 0,
        clip_coef: 0.2,
        gamma: 0.99,
        gae_lambda: 0.95,
        total_timesteps: 100_000,
        seed: 1,
      },
    },
    query,
  );
  if (query.get('autostart') === '1') document.getElementById('start')!.click();
}

startPage(main);
