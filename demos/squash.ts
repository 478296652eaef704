/**
 * The arcade page: Squash-v0, a game whose rules are a GPU environment, played full size by a policy shipped with
 * the page (demos/policies/squash.safetensors) or by one trained here, and by the visitor at the keyboard.
 * URL parameters: ?policy=none (start without the shipped policy), training keys (?num_envs=...), autostart=1.
 */
import { startPage } from './lib/page.js';
import { TrainingPanel } from './lib/trainingPanel.js';
import { wireArcadeControls } from './lib/arcade.js';
import { renderSquash } from './games/squash/render.js';
import { SquashGame } from './games/squash/play.js';
import { SQUASH_PRESET } from './games/squash/preset.js';
import { defineSquash, SQUASH_ID } from './games/squash/rules.js';

const SHIPPED_POLICY = new URL('./policies/squash.safetensors', import.meta.url);

const query = new URLSearchParams(location.search);
const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

async function main(): Promise<void> {
  defineSquash();
  const source = byId('policy-source');
  let game: SquashGame | undefined;
  const panel = TrainingPanel.mount({ start: 'Start training', episodes: 'rallies', drawn: 'courts', deterministicNote: '(small courts)' }, {
    onPolicy: async (policy, name) => {
      source.textContent = policy ? `agent: ${name}` : 'agent: no policy (load one or train)';
      await game?.setPolicy(policy, name);
    },
  });
  game = new SquashGame(
    { canvas: byId('court'), score: byId('score'), player: byId('player'), frames: byId('frames'), table: byId<HTMLTableSectionElement>('score-table'), returns: { agent: byId('agent-returns'), you: byId('your-returns') } },
    (error) => panel.status.error('Playing', error),
  );
  await panel.setEnv(
    {
      id: SQUASH_ID,
      renderer: renderSquash,
      displayEnvs: 4,
      stepsPerSecond: 60,
      preset: SQUASH_PRESET,
    },
    query,
  );
  await game.start(Number(query.get('seed') ?? 7));

  await wireArcadeControls(panel, game, SHIPPED_POLICY, query);
}

startPage(main);
