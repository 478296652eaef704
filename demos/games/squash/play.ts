/**
 * Playing Squash-v0 at game speed on one full-size court: the agent (any policy with act(), deterministic) or a
 * person at the keyboard (← → or A D; the agent takes over again with Esc or the button), with a score table of
 * rallies per player. The court is the same GPU environment the agent trained on, one instance of it: every
 * frame is policy.act then env.step, two promises; frames in between redraw the last position.
 */
import { createEnv, type VecEnv } from '../../../src/index.js';
import type { ActingPolicy } from '../../lib/display.js';
import { drawCourt } from './render.js';
import { courtFromObservation, MAX_RALLY_STEPS, SQUASH_ID } from './rules.js';

export type Player = 'agent' | 'you';

/** Game speed: court steps per second (the ball crosses the court in about a second at serve speed). */
export const STEPS_PER_SECOND = 60;

const LEFT_KEYS = new Set(['ArrowLeft', 'KeyA']);
const RIGHT_KEYS = new Set(['ArrowRight', 'KeyD']);

interface Tally {
  rallies: number;
  best: number;
  total: number;
}

export interface PlayElements {
  court: HTMLCanvasElement;
  /** Rally score so far (plain number). */
  score: HTMLElement;
  /** Who controls the paddle: "agent" or "you". */
  player: HTMLElement;
  /** Court steps played so far (plain number). */
  frames: HTMLElement;
  /** tbody of the score table: one row per player. */
  table: HTMLTableSectionElement;
  /** Balls returned so far by each player (plain numbers). */
  returns: Record<Player, HTMLElement>;
}

export class SquashGame {
  private env: VecEnv | undefined;
  private obs: Float32Array | null = null;
  private policy: ActingPolicy | null = null;
  private player: Player = 'agent';
  private score = 0;
  private steps = 0;
  private rallySteps = 0;
  private readonly held = new Set<string>();
  private inFlight: Promise<void> | null = null;
  private last = 0;
  private running = false;
  private frame = 0;
  private readonly trail: { x: number; y: number }[] = [];
  private readonly tallies: Record<Player, Tally> = { agent: { rallies: 0, best: 0, total: 0 }, you: { rallies: 0, best: 0, total: 0 } };
  private readonly returns: Record<Player, number> = { agent: 0, you: 0 };
  private message = 'waiting for a policy';

  constructor(
    private readonly elements: PlayElements,
    private readonly onError: (error: unknown) => void,
  ) {
    window.addEventListener('keydown', (event) => this.key(event, true));
    window.addEventListener('keyup', (event) => this.key(event, false));
    this.renderTable();
  }

  async start(seed: number): Promise<void> {
    this.env = await createEnv(SQUASH_ID, { numEnvs: 1, seed });
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

  /** Hands the paddle to `player` and serves a new rally. */
  async setPlayer(player: Player): Promise<void> {
    if (player === this.player) return;
    this.player = player;
    this.elements.player.textContent = player;
    document.body.dataset.player = player;
    await this.inFlight?.catch(() => undefined);
    this.obs = await this.env!.reset();
    this.score = 0;
    this.rallySteps = 0;
    this.trail.length = 0;
    this.elements.score.textContent = '0';
  }

  private key(event: KeyboardEvent, down: boolean): void {
    const target = event.target as HTMLElement | null;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA')) return;
    if (LEFT_KEYS.has(event.code) || RIGHT_KEYS.has(event.code)) {
      event.preventDefault();
      if (down) this.held.add(event.code);
      else this.held.delete(event.code);
      if (down && this.player === 'agent') void this.setPlayer('you').catch(this.onError);
    } else if (down && event.code === 'Escape') {
      void this.setPlayer('agent').catch(this.onError);
    }
  }

  private keyboardAction(): number {
    const left = [...this.held].some((code) => LEFT_KEYS.has(code));
    const right = [...this.held].some((code) => RIGHT_KEYS.has(code));
    return left === right ? 1 : left ? 0 : 2;
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
      this.elements.returns[player].textContent = String(this.returns[player]);
    }
    if (result.terminated[0] || result.truncated[0]) {
      this.endRally(player, result.truncated[0] === 1 && !result.terminated[0]);
    }
    this.obs = result.obs;
    this.elements.score.textContent = String(this.score);
    this.elements.frames.textContent = String(this.steps);
  }

  private endRally(player: Player, timeUp: boolean): void {
    const tally = this.tallies[player];
    tally.rallies += 1;
    tally.total += this.score;
    tally.best = Math.max(tally.best, this.score);
    this.message = timeUp ? `${player === 'you' ? 'you' : 'the agent'} kept it up for all ${MAX_RALLY_STEPS} steps: ${this.score} returns` : `${player === 'you' ? 'you' : 'the agent'} missed after ${this.score} returns`;
    this.score = 0;
    this.rallySteps = 0;
    this.trail.length = 0;
    this.renderTable();
  }

  private renderTable(): void {
    const rows = (['agent', 'you'] as const).map((player) => {
      const t = this.tallies[player];
      const row = document.createElement('tr');
      row.dataset.player = player;
      const cells = [player === 'agent' ? 'Agent' : 'You', String(t.rallies), String(t.best), t.rallies ? (t.total / t.rallies).toFixed(1) : '–'];
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
    const canvas = this.elements.court;
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
    const seconds = Math.max(0, (MAX_RALLY_STEPS - this.rallySteps) / STEPS_PER_SECOND);
    drawCourt(g, this.obs, width, height, {
      headline: String(this.score),
      caption: `${this.player === 'you' ? 'you play' : 'the agent plays'} · ${seconds.toFixed(0)} s left`,
      footnote: this.message,
      trail: this.trail,
      paddleColor: this.player === 'you' ? '#ffd166' : '#9be7c4',
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    cancelAnimationFrame(this.frame);
    await this.inFlight?.catch(() => undefined);
    this.env?.destroy();
  }
}
