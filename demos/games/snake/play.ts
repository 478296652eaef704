/**
 * Playing Snake-v0 at game speed on one board (demos/lib/arcade.ts's loop): the agent (any policy with act(), sampling, given the board's
 * action mask) or a person at the keyboard (arrows or W A S D turn the snake, which keeps going the way it faces;
 * Esc or the button hands it back to the agent), with a table of games per player. The board is the same GPU
 * environment the agent trained on, one instance of it, and its mask holds for both players: a person's key that
 * would reverse the snake into its neck is ignored, as the agent can never choose that move.
 */
import { ArcadeGame, type ArcadeElements, type Player } from '../../lib/arcade.js';
import { drawBoard } from './render.js';
import { boardFromObservation, MOVE_DX, MOVE_DY, SNAKE_ID } from './rules.js';

/** Game speed: snake steps per second. */
export const STEPS_PER_SECOND = 8;

/** Keys of the moves 0 up, 1 right, 2 down, 3 left. */
const KEY_MOVES: Record<string, number> = { ArrowUp: 0, KeyW: 0, ArrowRight: 1, KeyD: 1, ArrowDown: 2, KeyS: 2, ArrowLeft: 3, KeyA: 3 };

export interface SnakeElements extends ArcadeElements {
  /** Food eaten so far by each player (plain numbers). */
  eaten: Record<Player, HTMLElement>;
  /** Steps at which the mask ruled a move out (plain number). */
  masked: HTMLElement;
}

export class SnakeGame extends ArcadeGame {
  /** The last move taken (the snake's heading while it is one cell long), and the move a person asked for. */
  private heading = 0;
  private requested: number | null = null;
  private maskedMoves = 0;
  private readonly eaten: Record<Player, number> = { agent: 0, you: 0 };

  constructor(
    private readonly snake: SnakeElements,
    onError: (error: unknown) => void,
  ) {
    super(SNAKE_ID, STEPS_PER_SECOND, snake, onError);
  }

  protected override key(code: string, down: boolean): boolean {
    const move = KEY_MOVES[code];
    if (move === undefined) return false;
    if (down) this.requested = move;
    return true;
  }

  protected override newGame(): void {
    this.requested = null;
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

  protected override async play(player: Player): Promise<void> {
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
      this.snake.eaten[player].textContent = String(this.eaten[player]);
    }
    if (result.terminated[0] || result.truncated[0]) {
      const who = player === 'you' ? 'you' : 'the agent';
      this.endGame(player, result.reward[0]! > 0 ? `${who} filled the board: ${this.score} food` : `${who} crashed after ${this.score} food`);
    }
    this.obs = result.obs;
    this.snake.masked.textContent = String(this.maskedMoves);
  }

  protected override render(g: CanvasRenderingContext2D, width: number, height: number): void {
    drawBoard(g, this.obs!, width, height, {
      headline: String(this.score),
      caption: this.player === 'you' ? 'you steer' : 'the agent steers',
      footnote: this.message,
      headColor: this.player === 'you' ? '#ffd166' : '#b9f6ca',
    });
  }
}
