/**
 * Playing Pong-v0 at game speed on one full-size court (demos/lib/arcade.ts's loop), stepped by the same WGSL
 * rules the agent trained on (createEnv with one court, both players' actions per step). The agent (any policy
 * with act(), deterministic) plays the right paddle, player 1, from its own view (the court turned by 180
 * degrees, as in training). The left paddle, player 0, is the agent too until a person takes it: ↑ ↓ (or W S), or
 * by pressing on the court and dragging (mouse, pen or touch: the paddle follows the pointer); Esc or the button
 * hands it back. One episode is one point; the score table counts the points of each pairing.
 */
import { PONG_ID, PONG_MAX_RALLY_STEPS, PONG_PADDLE_SPEED } from '../../../src/index.js';
import { ArcadeGame, type ArcadeElements, type Player } from '../../lib/arcade.js';
import { courtFromObservation, drawPong, type PongCourt } from './render.js';

/** Game speed: court steps per second (a serve crosses the court in about 1.1 s, the fastest ball in 0.45 s). */
export const STEPS_PER_SECOND = 50;

const OBS = 7;
const UP_KEYS = new Set(['ArrowUp', 'KeyW']);
const DOWN_KEYS = new Set(['ArrowDown', 'KeyS']);
const STAY = 1;

export interface PongElements extends ArcadeElements {
  /** Points of the pairing now playing, the left paddle's and the right one's (plain numbers). */
  leftPoints: HTMLElement;
  rightPoints: HTMLElement;
  /** The paddles' centres along the court, 0 (top wall) to 1 (bottom wall) (plain numbers, for people and tests). */
  leftPaddle: HTMLElement;
  rightPaddle: HTMLElement;
  /** Balls returned so far by the agent (either paddle when it plays both) and by the person (plain numbers). */
  returns: Record<Player, HTMLElement>;
}

interface Points {
  left: number;
  right: number;
  draws: number;
}

export class PongGame extends ArcadeGame {
  private readonly held = new Set<string>();
  /** Where the pointer holds the left paddle (court x), while it is pressed on the court. */
  private pointerTarget: number | null = null;
  private pointSteps = 0;
  private readonly trail: { x: number; y: number }[] = [];
  private readonly points: Record<Player, Points> = { agent: { left: 0, right: 0, draws: 0 }, you: { left: 0, right: 0, draws: 0 } };
  private readonly returns: Record<Player, number> = { agent: 0, you: 0 };

  constructor(
    private readonly pong: PongElements,
    onError: (error: unknown) => void,
  ) {
    super(PONG_ID, STEPS_PER_SECOND, pong, onError);
    const canvas = pong.canvas;
    canvas.style.touchAction = 'none';
    canvas.addEventListener('pointerdown', (event) => {
      canvas.setPointerCapture(event.pointerId);
      this.pointerTarget = this.courtX(event);
      if (this.player === 'agent') void this.setPlayer('you').catch(onError);
    });
    canvas.addEventListener('pointermove', (event) => {
      if (this.pointerTarget !== null) this.pointerTarget = this.courtX(event);
    });
    const release = () => (this.pointerTarget = null);
    canvas.addEventListener('pointerup', release);
    canvas.addEventListener('pointercancel', release);
  }

  /** The court x under the pointer: the drawn square's vertical position (render.ts turns the court). */
  private courtX(event: PointerEvent): number {
    const box = this.pong.canvas.getBoundingClientRect();
    const size = Math.min(box.width, box.height);
    const top = box.top + (box.height - size) / 2;
    return Math.min(1, Math.max(0, (event.clientY - top) / size));
  }

  protected override key(code: string, down: boolean): boolean {
    if (!UP_KEYS.has(code) && !DOWN_KEYS.has(code)) return false;
    if (down) this.held.add(code);
    else this.held.delete(code);
    return true;
  }

  protected override newGame(): void {
    this.pointSteps = 0;
    this.trail.length = 0;
    this.renderPoints();
  }

  /** The person's action for the left paddle: the keys held, else towards the pointer, else stay. */
  private personAction(court: PongCourt): number {
    const up = [...this.held].some((code) => UP_KEYS.has(code));
    const down = [...this.held].some((code) => DOWN_KEYS.has(code));
    if (up !== down) return up ? 0 : 2;
    if (up && down) return STAY;
    if (this.pointerTarget === null) return STAY;
    const gap = this.pointerTarget - court.paddle0;
    return Math.abs(gap) < PONG_PADDLE_SPEED / 2 ? STAY : gap < 0 ? 0 : 2;
  }

  protected override async play(player: Player): Promise<void> {
    const obs = this.obs!;
    const before = courtFromObservation(obs);
    let actions: Int32Array;
    if (player === 'you') {
      // The agent acts from its own view, player 1's row; without a policy its paddle stays.
      const agent = this.policy ? await this.policy.act(obs.slice(OBS, 2 * OBS), { deterministic: true }) : Int32Array.of(STAY);
      actions = Int32Array.of(this.personAction(before), Number(agent[0]));
    } else {
      actions = Int32Array.from((await this.policy!.act(obs, { deterministic: true })) as ArrayLike<number>);
    }
    if (player !== this.player) return;
    const result = await this.env!.step(actions);
    if (player !== this.player) return;
    this.steps += 1;
    this.pointSteps += 1;
    this.trail.push({ x: before.ballX, y: before.ballY });
    if (this.trail.length > 6) this.trail.shift();
    const ended = result.terminated[0] === 1 || result.truncated[0] === 1;
    // The court the step reached (before an auto-reset): a ball whose vertical velocity turned was returned.
    const after = courtFromObservation(ended ? result.finalObs : result.obs);
    const returnedBy = before.ballVy > 0 && after.ballVy < 0 ? 'left' : before.ballVy < 0 && after.ballVy > 0 ? 'right' : null;
    if (returnedBy) {
      this.score += 1;
      const by: Player = player === 'you' && returnedBy === 'left' ? 'you' : 'agent';
      this.returns[by] += 1;
      this.pong.returns[by].textContent = String(this.returns[by]);
    }
    if (ended) {
      const points = this.points[player];
      // The environment's reward is player 0's, the left paddle's.
      const reward = result.reward[0]!;
      const [leftName, rightName] = player === 'you' ? ['you', 'the agent'] : ['the left agent', 'the right agent'];
      let message: string;
      if (reward > 0) {
        points.left += 1;
        message = `${leftName} scored after ${this.score} returns`;
      } else if (reward < 0) {
        points.right += 1;
        message = `${rightName} scored after ${this.score} returns`;
      } else {
        points.draws += 1;
        message = `a draw: the point lasted all ${PONG_MAX_RALLY_STEPS} steps`;
      }
      this.endGame(player, message);
      this.newGame();
    }
    this.obs = result.obs;
    const now = courtFromObservation(result.obs);
    this.pong.leftPaddle.textContent = now.paddle0.toFixed(3);
    this.pong.rightPaddle.textContent = now.paddle1.toFixed(3);
  }

  private renderPoints(): void {
    const points = this.points[this.player];
    this.pong.leftPoints.textContent = String(points.left);
    this.pong.rightPoints.textContent = String(points.right);
  }

  protected override tableCells(player: Player): string[] {
    const p = this.points[player];
    return [player === 'agent' ? 'Agent vs agent' : 'You vs agent', String(p.left + p.right + p.draws), String(p.left), String(p.right), String(p.draws)];
  }

  protected override render(g: CanvasRenderingContext2D, width: number, height: number): void {
    const points = this.points[this.player];
    const you = this.player === 'you';
    const seconds = Math.max(0, (PONG_MAX_RALLY_STEPS - this.pointSteps) / STEPS_PER_SECOND);
    drawPong(g, this.obs!, width, height, {
      headline: `${points.left} : ${points.right}`,
      caption: `${you ? 'you (left) against the agent (right)' : 'the agent plays both paddles'} · ${seconds.toFixed(0)} s left in the point`,
      footnote: this.message,
      trail: this.trail,
      leftColor: you ? '#ffd166' : '#9be7c4',
      rightColor: '#9be7c4',
    });
  }
}
