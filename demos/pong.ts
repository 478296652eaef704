/**
 * The two-player page: Pong-v0 (the engine's built-in self-play game, rules in WGSL), trained here by self-play
 * against a pool of the learner's past selves, with the learner's Elo curve and the pool; on the court a person
 * plays the left paddle against the agent on the right, stepped by the same rules. A policy shipped with the page
 * (demos/policies/pong.safetensors, `npm run cli -- train --env Pong-v0 --save demos/policies/pong.safetensors`)
 * plays at once. URL parameters: ?policy=none (start without it), training keys (?num_envs=...), the self-play
 * keys (?save_steps=..., preset.ts), autostart=1.
 */
import { PONG_ID } from '../src/index.js';
import { startPage } from './lib/page.js';
import { TrainingPanel } from './lib/trainingPanel.js';
import { wireArcadeControls } from './lib/arcade.js';
import { LeagueView } from './lib/league.js';
import { renderPong } from './games/pong/render.js';
import { PongGame, STEPS_PER_SECOND } from './games/pong/play.js';
import { PONG_PRESET, pongFixed } from './games/pong/preset.js';

const SHIPPED_POLICY = new URL('./policies/pong.safetensors', import.meta.url);

const query = new URLSearchParams(location.search);
const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

async function main(): Promise<void> {
  const source = byId('policy-source');
  let game: PongGame | undefined;
  const league = new LeagueView({ elo: byId('elo'), snapshots: byId('snapshots'), games: byId('games'), pool: byId<HTMLTableSectionElement>('pool') });
  const panel = TrainingPanel.mount(
    { start: 'Start self-play', episodes: 'points', episodesNote: "the learner's: +1 won, -1 lost", drawn: 'courts', deterministicNote: '(small courts)' },
    {
      onPolicy: async (policy, name) => {
        source.textContent = policy ? `agent: ${name}` : 'agent: no policy (load one or train)';
        await game?.setPolicy(policy, name);
      },
      onReport: (report) => league.update(report),
      // A checkpoint restored on the page shows its pool until it trains on.
      onClear: () => {
        const trainer = panel.currentTrainer;
        const standing = trainer?.summary(0, 1).selfPlay;
        league.clear(trainer && standing ? { standing, window: trainer.config.window } : undefined);
      },
    },
    { charts: ['elo', 'return', 'policyLoss', 'valueLoss', 'entropy', 'approxKl'] },
  );
  game = new PongGame(
    {
      canvas: byId('court'),
      score: byId('score'),
      player: byId('player'),
      frames: byId('frames'),
      table: byId<HTMLTableSectionElement>('score-table'),
      leftPoints: byId('left-points'),
      rightPoints: byId('right-points'),
      leftPaddle: byId('left-paddle'),
      rightPaddle: byId('right-paddle'),
      returns: { agent: byId('agent-returns'), you: byId('your-returns') },
    },
    (error) => panel.status.error('Playing', error),
  );
  await panel.setEnv({ id: PONG_ID, renderer: renderPong, displayEnvs: 4, stepsPerSecond: STEPS_PER_SECOND, preset: PONG_PRESET, fixed: pongFixed(query) }, query);
  await game.start(Number(query.get('seed') ?? 7));

  await wireArcadeControls(panel, game, SHIPPED_POLICY, query);
}

startPage(main);
