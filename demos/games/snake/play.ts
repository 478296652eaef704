/**
 * Playing Snake-v0 at game speed on one board: the agent (any policy with act(), sampling, given the board's
 * action mask) or a person at the keyboard (arrows or W A S D turn the snake, which keeps going the way it faces;
 * Esc or the button hands it back to the agent), with a table of games per player. The board is the same GPU
 * environment the agent trained on, one instance of it, and its mask holds for both players: a person's key that
 * would reverse the snake into its neck is ignored, as the agent can never choose that move.
 */
import { createEnv, type VecEnv } from '../../../src/index.js';
import type { ActingPolicy } from '../../lib/display.js';
import { drawBoard } from './render.js';
import { boardFromObservation, MOVE_DX, MOVE_DY, SNAKE_ID } from './rules.js';

export type Player = 'agent' | 'you';

/** Game speed: snake steps per second. */
export const STEPS_PER_SECOND = 8;

/** Keys of the moves 0 up, 1 right, 2 down, 3 left. */
const KEY_MOVES: Record<string, number> = { ArrowUp: 0, KeyW: 0, ArrowRight: 1, KeyD: 1, ArrowDown: 2, KeyS: 2, ArrowLeft: 3, KeyA: 3 };

interface Tally {
  games: number;
  best: number;
  total: number;
}

export interface SnakeElements {
  board: HTMLCanvasElement;
  /** Food eaten this game (plain number). */
  score: HTMLElement;
  /** Who steers: "agent" or "you". */
  player: HTMLElement;
  /** Steps played so far (plain number). */
  frames: HTMLElement;
  /** tbody of the score table: one row per player. */
  table: HTMLTableSectionElement;
  /** Food eaten so far by each player (plain numbers). */
  eaten: Record<Player, HTMLElement>;
  /** Masked moves the agent was kept from (plain number). */
  masked: HTMLElement;
}

export class SnakeGame {
  private env: VecEnv | undefined;
  private obs: Float32Array | null = null;
  private policy: ActingPolicy | null = null;
  private player: Player = 'agent';
  private score = 0;
  private steps = 0;
  /** The last move taken (the snake's heading while it is one cell long), and the move a person asked for. */
  private heading = 0;
  private requested: number | null = null;
  private maskedMoves = 0;
  private inFlight: Promise<void> | null = null;
  private last = 0;
  private running = false;
  private frame = 0;
  private message = 'waiting for a policy';
  private readonly tallies: Record<Player, Tally> = { agent: { games: 0, best: 0, total: 0 }, you: { games: 0, best: 0, total: 0 } };
  private readonly eaten: Record<Player, number> = { agent: 0, you: 0 };

  constructor(
    private readonly elements: SnakeElements,
    private readonly onError: (error: unknown) => void,
  ) {
    window.addEventListener('keydown', (event) => this.key(event));
    this.renderTable();
  }

  async start(seed: number): Promise<void> {
    this.env = await createEnv(SNAKE_ID, { numEnvs: 1, seed });
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

  /** Hands the snake to `player` and starts a new game. */
  async setPlayer(player: Player): Promise<void> {
    if (player === this.player) return;
    this.player = player;
    this.elements.player.textContent = player;
    document.body.dataset.player = player;
    await this.inFlight?.catch(() => undefined);
    this.obs = await this.env!.reset();
    this.score = 0;
    this.requested = null;
    this.elements.score.textContent = '0';
  }

  private key(event: KeyboardEvent): void {
    const target = event.target as HTMLElement | null;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA')) return;
    const move = KEY_MOVES[event.code];
    if (move !== undefined) {
      event.preventDefault();
      this.requested = move;
      if (this.player === 'agent') void this.setPlayer('you').catch(this.onError);
    } else if (event.code === 'Escape') {
      void this.setPlayer('agent').catch(this.onError);
    }
  }

  /** The direction the snake faces: from its neck to its head (its last move while it is one cell). */
  private facing(): number {
    const board = boardFromObservation(this.obs!);
    if (!board.head || !board.neck) return this.heading;
    const dy = board.head[0] - board.neck[0];
    const dx = board.head[1] - board.neck[1];
    return MOVE_DY.findIndex((y, d) => y === dy && MOVE_DX[d] === dx);
  }

  /** A person's move: the key pressed, unless the mask forbids it (the reversal), else straight on. */
  private personMove(mask: Float32Array | null): number {
    const move = this.requested ?? this.facing();
    this.requested = null;
    return mask && mask[move] === 0 ? this.facing() : move;
  }

  private tick(time: number): void {
    if (!this.running) return;
    const due = time - this.last >= (1000 / STEPS_PER_SECOND) * 0.9;
    const canAct = this.player === 'you' || this.policy !== null;
    if (due && canAct && !this.inFlight && this.obs) {
      this.last = time;
      this.inFlight = this.step().then(
        () => {
          this.inFlight = null;
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

  private async step(): Promise<void> {
    const player = this.player;
    const mask = this.env!.lastActionMask;
    let actions: Int32Array;
    if (player === 'you') {
      actions = Int32Array.of(this.personMove(mask));
    } else {
      // The agent samples its moves, as in training: a greedy snake can circle until it starves.
      actions = (await this.policy!.act(this.obs!, { deterministic: false, ...(mask ? { mask } : {}) })) as Int32Array;
      if (mask && mask.includes(0)) this.maskedMoves += 1;
    }
    if (player !== this.player) return;
    const result = await this.env!.step(actions);
    if (player !== this.player) return;
    this.heading = actions[0]!;
    this.steps += 1;
    if (result.reward[0]! > 0) {
      this.score += 1;
      this.eaten[player] += 1;
      this.elements.eaten[player].textContent = String(this.eaten[player]);
    }
    if (result.terminated[0] || result.truncated[0]) this.endGame(player, result.reward[0]! > 0);
    this.obs = result.obs;
    this.elements.score.textContent = String(this.score);
    this.elements.frames.textContent = String(this.steps);
    this.elements.masked.textContent = String(this.maskedMoves);
  }

  private endGame(player: Player, won: boolean): void {
    const tally = this.tallies[player];
    tally.games += 1;
    tally.total += this.score;
    tally.best = Math.max(tally.best, this.score);
    const who = player === 'you' ? 'you' : 'the agent';
    this.message = won ? `${who} filled the board: ${this.score} food` : `${who} crashed after ${this.score} food`;
    this.score = 0;
    this.renderTable();
  }

  private renderTable(): void {
    const rows = (['agent', 'you'] as const).map((player) => {
      const t = this.tallies[player];
      const row = document.createElement('tr');
      row.dataset.player = player;
      const cells = [player === 'agent' ? 'Agent' : 'You', String(t.games), String(t.best), t.games ? (t.total / t.games).toFixed(1) : '–'];
      for (const text of cells) {
        const cell = document.createElement('td');
        cell.textContent = text;
        row.append(cell);
      }
      return row;
    });
    this.elements.table.replaceChildren(...rows);
  }

  private draw(): void {
    const canvas = this.elements.board;
    const g = canvas.getContext('2d')!;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    if (!this.obs) return;
    drawBoard(g, this.obs, width, height, {
      headline: String(this.score),
      caption: `${this.player === 'you' ? 'you steer' : 'the agent steers'} · ${this.message}`,
      headColor: this.player === 'you' ? '#ffd166' : '#b9f6ca',
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    cancelAnimationFrame(this.frame);
    await this.inFlight?.catch(() => undefined);
    this.env?.destroy();
  }
}
