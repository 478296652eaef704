/**
 * The live training page: pick a built-in environment, set the hyperparameters, start, and watch four of its
 * environments act with the policy as it learns, next to the learning curves. URL parameters choose the start:
 * ?env=Acrobot-v1&num_envs=8&...&deterministic=1&autostart=1.
 */
import { startPage } from './lib/page.js';
import { PRESETS } from './lib/presets.js';
import { RENDERERS } from './lib/render/index.js';
import { TrainingPanel, type PanelEnv } from './lib/trainingPanel.js';

const query = new URLSearchParams(location.search);
const select = document.getElementById('env') as HTMLSelectElement;
const note = document.getElementById('env-note')!;

function panelEnv(id: string): PanelEnv | null {
  const preset = PRESETS[id];
  const renderer = RENDERERS[id];
  if (!preset || !renderer) return null;
  return { id, renderer, preset: preset.config, stepsPerSecond: preset.stepsPerSecond };
}

function showEnv(env: PanelEnv): void {
  select.value = env.id;
  note.textContent = PRESETS[env.id]!.expect;
}

async function main(): Promise<void> {
  for (const id of Object.keys(PRESETS)) {
    const option = document.createElement('option');
    option.value = id;
    option.textContent = id;
    select.append(option);
  }
  const panel = TrainingPanel.mount(
    {
      start: 'Start',
      episodes: 'episodes',
      drawn: 'environments',
      hyperparameters: { summary: 'Hyperparameters (used when Start creates a new run)', open: true },
      canvasNote: 'Four environments of their own, acting with the current policy once per frame, while training runs on a separate batch.',
    },
    { resolveEnv: panelEnv, onEnvChange: showEnv },
  );
  const requested = query.get('env') ?? 'CartPole-v1';
  const first = panelEnv(requested);
  if (!first) {
    panel.status.set(`Unknown environment '${requested}' in the URL; showing CartPole-v1. Known: ${Object.keys(PRESETS).join(', ')}.`, 'error');
  }
  await panel.setEnv(first ?? panelEnv('CartPole-v1')!, query);
  select.addEventListener('change', () => {
    const env = panelEnv(select.value);
    if (env) void panel.setEnv(env);
  });
  if (query.get('autostart') === '1') document.getElementById('start')!.click();
}

startPage(main);
