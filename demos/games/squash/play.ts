/**
 * Playing Squash-v0 at game speed on one full-size court (demos/lib/arcade.ts's loop): the agent (any policy with
 * act(), deterministic) or a person at the keyboard (← → or A D; the agent takes over again with Esc or the
 * button), with a score table of rallies per player. The court is the same GPU environment the agent trained on,
 * one instance of it.
 */
import { ArcadeGame, type ArcadeElements, type Player } from '../../lib/arcade.js';
import { drawCourt } from './render.js';
import { courtFromObservation, MAX_RALLY_STEPS, SQUASH_ID } from './rules.js';

/** Game speed: court steps per second (the ball crosses the court in about a second at serve speed). */
export const STEPS_PER_SECOND = 60;

const LEFT_KEYS = new Set(['ArrowLeft', 'KeyA']);
const RIGHT_KEYS = new Set(['ArrowRight', 'KeyD']);

export interface PlayElements extends ArcadeElements {
  /** Balls returned so far by each player (plain numbers). */
  returns: Record<Player, HTMLElement>;
}

export class SquashGame extends ArcadeGame {
  private rallySteps = 0;
  private readonly held = new Set<string>();
  private readonly trail: { x: number; y: number }[] = [];
  private readonly returns: Record<Player, number> = { agent: 0, you: 0 };

  constructor(
    private readonly squash: PlayElements,
    onError: (error: unknown) => void,
  ) {
    super(SQUASH_ID, STEPS_PER_SECOND, squash, onError);
  }

  protected override key(code: string, down: boolean): boolean {
    if (!LEFT_KEYS.has(code) && !RIGHT_KEYS.has(code)) return false;
    if (down) this.held.add(code);
    else this.held.delete(code);
    return true;
  }

  protected override newGame(): void {
    this.rallySteps = 0;
    this.trail.length = 0;
  }

  private keyboardAction(): number {
    const left = [...this.held].some((code) => LEFT_KEYS.has(code));
    const right = [...this.held].some((code) => RIGHT_KEYS.has(code));
    return left === right ? 1 : left ? 0 : 2;
  }

  protected override async play(player: Player): Promise<void> {
    const actions = player === 'you' ? Int32Array.of(this.keyboardAction()) : await this.policy!.act(this.obs!, { deterministic: true });
    if (player !== this.player) return;
    const result = await this.env!.step(actions);
    if (player !== this.player) return;
    this.steps += 1;
    this.rallySteps += 1;
    const before = courtFromObservation(this.obs!);
    this.trail.push({ x: before.ballX, y: before.ballY });
    if (this.trail.length > 6) this.trail.shift();
    if (result.reward[0]! > 0) {
      this.score += 1;
      this.returns[player] += 1;
      this.squash.returns[player].textContent = String(this.returns[player]);
    }
    if (result.terminated[0] || result.truncated[0]) {
      const who = player === 'you' ? 'you' : 'the agent';
      const timeUp = result.truncated[0] === 1 && !result.terminated[0];
      this.endGame(player, timeUp ? `${who} kept it up for all ${MAX_RALLY_STEPS} steps: ${this.score} returns` : `${who} missed after ${this.score} returns`);
      this.newGame();
    }
    this.obs = result.obs;
  }

  protected override render(g: CanvasRenderingContext2D, width: number, height: number): void {
    const seconds = Math.max(0, (MAX_RALLY_STEPS - this.rallySteps) / STEPS_PER_SECOND);
    drawCourt(g, this.obs!, width, height, {
      headline: String(this.score),
      caption: `${this.player === 'you' ? 'you play' : 'the agent plays'} · ${seconds.toFixed(0)} s left`,
      footnote: this.message,
      trail: this.trail,
      paddleColor: this.player === 'you' ? '#ffd166' : '#9be7c4',
    });
  }
}
