/**
 * The snake page: Snake-v0, a game with a grid observation and an action mask whose rules are a GPU environment,
 * played full size by a policy shipped with the page (demos/policies/snake.safetensors) or by one trained here,
 * and by the visitor at the keyboard. URL parameters: ?policy=none (start without the shipped policy), training
 * keys (?num_envs=...), autostart=1.
 */
import { startPage } from './lib/page.js';
import { TrainingPanel } from './lib/trainingPanel.js';
import { wireArcadeControls } from './lib/arcade.js';
import { renderSnake } from './games/snake/render.js';
import { SnakeGame } from './games/snake/play.js';
import { SNAKE_NETWORK, SNAKE_PRESET } from './games/snake/preset.js';
import { defineSnake, SNAKE_ID } from './games/snake/rules.js';

const SHIPPED_POLICY = new URL('./policies/snake.safetensors', import.meta.url);

const query = new URLSearchParams(location.search);
const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

async function main(): Promise<void> {
  defineSnake();
  const source = byId('policy-source');
  let game: SnakeGame | undefined;
  const panel = TrainingPanel.mount({ start: 'Start training', episodes: 'games', drawn: 'boards', deterministicNote: '(small boards)' }, {
    onPolicy: async (policy, name) => {
      source.textContent = policy ? `agent: ${name}` : 'agent: no policy (load one or train)';
      await game?.setPolicy(policy, name);
    },
  });
  game = new SnakeGame(
    {
      canvas: byId('board'),
      score: byId('score'),
      player: byId('player'),
      frames: byId('frames'),
      table: byId<HTMLTableSectionElement>('score-table'),
      eaten: { agent: byId('agent-eaten'), you: byId('your-eaten') },
      masked: byId('masked'),
    },
    (error) => panel.status.error('Playing', error),
  );
  await panel.setEnv({ id: SNAKE_ID, renderer: renderSnake, displayEnvs: 4, stepsPerSecond: 12, preset: SNAKE_PRESET, fixed: SNAKE_NETWORK }, query);
  await game.start(Number(query.get('seed') ?? 7));

  await wireArcadeControls(panel, game, SHIPPED_POLICY, query);
}

startPage(main);
