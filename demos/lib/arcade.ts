/**
 * What the arcade pages' games share: one environment instance played at game speed by the agent (any policy with
 * act()) or by a person at the keyboard, a score table of games per player, and the loop that steps once per
 * frame when a step is due (policy.act then env.step, never awaited by the frame: frames in between redraw the
 * last position). A game supplies its step (one move of the current player), its drawing and its keys.
 */
import { createEnv, type VecEnv } from '../../src/index.js';
import type { ActingPolicy } from './display.js';
import type { TrainingPanel } from './trainingPanel.js';
import { fitCanvas } from './canvas.js';

export type Player = 'agent' | 'you';

interface Tally {
  games: number;
  best: number;
  total: number;
}

export interface ArcadeElements {
  /** The canvas the game is drawn on. */
  canvas: HTMLCanvasElement;
  /** The score of the game in progress (plain number). */
  score: HTMLElement;
  /** Who plays: "agent" or "you". */
  player: HTMLElement;
  /** Steps played so far (plain number). */
  frames: HTMLElement;
  /** tbody of the score table: one row per player (games, best score, mean score). */
  table: HTMLTableSectionElement;
}

export abstract class ArcadeGame {
  protected env: VecEnv | undefined;
  protected obs: Float32Array | null = null;
  protected policy: ActingPolicy | null = null;
  protected player: Player = 'agent';
  /** The score of the game in progress, and the steps played in all. */
  protected score = 0;
  protected steps = 0;
  /** A line about the last game or the policy, for the drawing. */
  protected message = 'waiting for a policy';
  private inFlight: Promise<void> | null = null;
  private last = 0;
  private running = false;
  private frame = 0;
  private readonly tallies: Record<Player, Tally> = { agent: { games: 0, best: 0, total: 0 }, you: { games: 0, best: 0, total: 0 } };

  constructor(
    private readonly envId: string,
    private readonly stepsPerSecond: number,
    protected readonly elements: ArcadeElements,
    protected readonly onError: (error: unknown) => void,
  ) {
    window.addEventListener('keydown', (event) => this.keyEvent(event, true));
    window.addEventListener('keyup', (event) => this.keyEvent(event, false));
  }

  /** One move of `player` from this.obs: sets this.obs to the next observation, counts the score and ends games. */
  protected abstract play(player: Player): Promise<void>;

  /** Draws this.obs into the canvas area [0, width] x [0, height]. */
  protected abstract render(g: CanvasRenderingContext2D, width: number, height: number): void;

  /** A key the game handles (true: handled, the page must not scroll); a handled key-down hands the game to the person. */
  protected abstract key(code: string, down: boolean): boolean;

  /** Clears what a game keeps between steps, when a new one starts on a change of player. */
  protected abstract newGame(): void;

  async start(seed: number): Promise<void> {
    // Here rather than in the constructor: a subclass's tableCells reads fields that exist only after it.
    this.renderTable();
    this.env = await createEnv(this.envId, { numEnvs: 1, seed });
    this.obs = await this.env.reset();
    this.running = true;
    this.frame = requestAnimationFrame((time) => this.tick(time));
  }

  /** The agent's policy (null: none yet). Resolves once the previous one is no longer in use. */
  async setPolicy(policy: ActingPolicy | null, source: string): Promise<void> {
    this.policy = policy;
    this.message = policy ? `agent: ${source}` : 'waiting for a policy';
    await this.inFlight?.catch(() => undefined);
  }

  /** Hands the game to `player` and starts a new one. */
  async setPlayer(player: Player): Promise<void> {
    if (player === this.player) return;
    this.player = player;
    this.elements.player.textContent = player;
    document.body.dataset.player = player;
    await this.inFlight?.catch(() => undefined);
    this.obs = await this.env!.reset();
    this.score = 0;
    this.elements.score.textContent = '0';
    this.newGame();
  }

  /** Counts a finished game of `player` (its score is this.score) and starts the next score at 0. */
  protected endGame(player: Player, message: string): void {
    const tally = this.tallies[player];
    tally.games += 1;
    tally.total += this.score;
    tally.best = Math.max(tally.best, this.score);
    this.message = message;
    this.score = 0;
    this.renderTable();
  }

  private keyEvent(event: KeyboardEvent, down: boolean): void {
    const target = event.target as HTMLElement | null;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA')) return;
    if (this.key(event.code, down)) {
      event.preventDefault();
      if (down && this.player === 'agent') void this.setPlayer('you').catch(this.onError);
    } else if (down && event.code === 'Escape') {
      void this.setPlayer('agent').catch(this.onError);
    }
  }

  private tick(time: number): void {
    if (!this.running) return;
    const due = time - this.last >= (1000 / this.stepsPerSecond) * 0.9;
    const canAct = this.player === 'you' || this.policy !== null;
    if (due && canAct && !this.inFlight && this.obs) {
      this.last = time;
      this.inFlight = this.play(this.player).then(
        () => {
          this.inFlight = null;
          this.elements.score.textContent = String(this.score);
          this.elements.frames.textContent = String(this.steps);
        },
        (error: unknown) => {
          this.inFlight = null;
          this.running = false;
          this.onError(error);
        },
      );
    }
    this.draw();
    this.frame = requestAnimationFrame((t) => this.tick(t));
  }

  /** The score table's cells for `player` (default: name, games, best score, mean score); the page's thead matches. */
  protected tableCells(player: Player): string[] {
    const t = this.tallies[player];
    return [player === 'agent' ? 'Agent' : 'You', String(t.games), String(t.best), t.games ? (t.total / t.games).toFixed(1) : '–'];
  }

  /** Redraws the score table (endGame does; a game with cells of its own calls it when they change). */
  protected renderTable(): void {
    const rows = (['agent', 'you'] as const).map((player) => {
      const row = document.createElement('tr');
      row.dataset.player = player;
      for (const text of this.tableCells(player)) {
        const cell = document.createElement('td');
        cell.textContent = text;
        row.append(cell);
      }
      return row;
    });
    this.elements.table.replaceChildren(...rows);
  }

  private draw(): void {
    const canvas = this.elements.canvas;
    const g = canvas.getContext('2d')!;
    const { width, height } = fitCanvas(canvas, g);
    g.clearRect(0, 0, width, height);
    if (this.obs) this.render(g, width, height);
  }

  async stop(): Promise<void> {
    this.running = false;
    cancelAnimationFrame(this.frame);
    await this.inFlight?.catch(() => undefined);
    this.env?.destroy();
  }
}

/**
 * The arcade page's controls: the shipped policy (fetched from `shipped` on the button, and at once unless the URL
 * says ?policy=none), the player buttons (#agent-plays, #you-play, #load-shipped), and ?autostart=1 to train.
 */
export async function wireArcadeControls(panel: TrainingPanel, game: ArcadeGame, shipped: URL, query: URLSearchParams): Promise<void> {
  const byId = (id: string) => document.getElementById(id)!;
  const loadShipped = () =>
    panel.exclusive(async () => {
      panel.status.set('Loading the shipped policy…', 'busy');
      const response = await fetch(shipped);
      if (!response.ok) throw new Error(`fetching the shipped policy ${shipped.pathname}: HTTP ${response.status}`);
      await panel.usePolicyFile(new Uint8Array(await response.arrayBuffer()), 'the shipped policy');
    });
  byId('load-shipped').addEventListener('click', () => void loadShipped());
  byId('agent-plays').addEventListener('click', () => void game.setPlayer('agent').catch((error: unknown) => panel.status.error('Switching player', error)));
  byId('you-play').addEventListener('click', () => void game.setPlayer('you').catch((error: unknown) => panel.status.error('Switching player', error)));
  if (query.get('policy') !== 'none') await loadShipped();
  if (query.get('autostart') === '1') byId('start').click();
}
