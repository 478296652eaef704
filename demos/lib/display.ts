/**
 * The environments a visitor watches: a small batch of its own (not the trainer's), stepped at most once per
 * animation frame with the current policy, drawn in a grid on one canvas. A step is two promises, policy.act then
 * env.step, started from the frame callback and never awaited by training: while one is in flight, frames redraw
 * the last observations. On a busy GPU the display steps as fast as the queue serves it and training never waits.
 *
 * A two-player game (spec.players 2) has two observation rows per environment, each player's own view: the policy
 * acts for both rows (it plays itself), and an environment is drawn, and its return counted, from player 0's row.
 */
import type { Actions, VecEnv } from '../../src/index.js';
import type { Renderer } from './render/types.js';
import { fitCanvas } from './canvas.js';

/** Anything that turns observations into actions: trainer.policy, a loaded GpuPolicy or a CpuPolicy. */
export interface ActingPolicy {
  act(obs: Float32Array, options: { deterministic?: boolean; mask?: Float32Array }): Promise<Actions>;
}

export interface DisplayOptions {
  /** Upper bound on environment steps per second (the environments' own clocks differ). Default 50. */
  stepsPerSecond?: number;
  columns?: number;
}

export class DisplayLoop {
  policy: ActingPolicy | null = null;
  deterministic = false;
  private obs: Float32Array | null = null;
  private actions: Actions | null = null;
  private readonly episodeReturn: Float64Array;
  private readonly lastReturn: (number | null)[];
  private readonly episodes: Uint32Array;
  private inFlight: Promise<void> | null = null;
  private frame = 0;
  private lastStepTime = 0;
  private running = false;
  private failed: ((error: unknown) => void) | null = null;
  /** When the recent steps finished (ms), for the drawn rate. */
  private readonly stepTimes: number[] = [];
  private readonly context: CanvasRenderingContext2D;
  /** Observation rows (and actions, and rewards) per environment: 2 for a two-player game. */
  private readonly players: 1 | 2;

  constructor(
    readonly env: VecEnv,
    readonly canvas: HTMLCanvasElement,
    readonly renderer: Renderer,
    private readonly options: DisplayOptions = {},
  ) {
    const context = canvas.getContext('2d');
    if (!context) throw new Error('DisplayLoop: the canvas has no 2D context');
    this.context = context;
    this.players = env.spec.players === 2 ? 2 : 1;
    this.episodeReturn = new Float64Array(env.numEnvs);
    this.lastReturn = new Array<number | null>(env.numEnvs).fill(null);
    this.episodes = new Uint32Array(env.numEnvs);
  }

  /** Resets the environments and starts drawing; `onError` receives a failed step (the loop then stops). */
  async start(onError: (error: unknown) => void): Promise<void> {
    this.obs = await this.env.reset();
    this.failed = onError;
    this.running = true;
    this.frame = requestAnimationFrame((time) => this.tick(time));
  }

  /** Stops drawing and waits for the step in flight, after which the environment may be destroyed. */
  async stop(): Promise<void> {
    this.running = false;
    cancelAnimationFrame(this.frame);
    await this.inFlight?.catch(() => undefined);
  }

  /** Resolves once the step in flight (if any) has finished: its policy is no longer in use. */
  async settle(): Promise<void> {
    await this.inFlight?.catch(() => undefined);
  }

  private tick(time: number): void {
    if (!this.running) return;
    const interval = 1000 / (this.options.stepsPerSecond ?? 50);
    if (!this.inFlight && this.policy && this.obs && time - this.lastStepTime >= interval * 0.9) {
      this.lastStepTime = time;
      this.inFlight = this.step(this.policy).then(
        () => {
          this.inFlight = null;
        },
        (error: unknown) => {
          this.inFlight = null;
          this.running = false;
          this.failed?.(error);
        },
      );
    }
    this.draw();
    this.frame = requestAnimationFrame((t) => this.tick(t));
  }

  private async step(policy: ActingPolicy): Promise<void> {
    // Games with action masks: the masks of the observations shown (a masked move is never taken here either).
    const mask = this.env.lastActionMask;
    const actions = await policy.act(this.obs!, { deterministic: this.deterministic, ...(mask ? { mask } : {}) });
    if (!this.running) return;
    const result = await this.env.step(actions);
    for (let n = 0; n < this.env.numEnvs; n++) {
      this.episodeReturn[n] = this.episodeReturn[n]! + result.reward[n * this.players]!;
      if (result.terminated[n] || result.truncated[n]) {
        this.lastReturn[n] = this.episodeReturn[n]!;
        this.episodeReturn[n] = 0;
        this.episodes[n] = this.episodes[n]! + 1;
      }
    }
    this.obs = result.obs;
    this.actions = actions;
    const now = performance.now();
    this.stepTimes.push(now);
    while (this.stepTimes.length > 0 && this.stepTimes[0]! < now - 3000) this.stepTimes.shift();
  }

  /** Steps per second over the last three seconds. */
  get rate(): number {
    const now = performance.now();
    return this.stepTimes.filter((t) => t >= now - 3000).length / 3;
  }

  private draw(): void {
    const { canvas, context: g } = this;
    const { width, height } = fitCanvas(canvas, g);
    g.fillStyle = '#fff';
    g.fillRect(0, 0, width, height);
    if (!this.obs) return;
    const count = this.env.numEnvs;
    const columns = this.options.columns ?? Math.min(count, 2);
    const rows = Math.ceil(count / columns);
    const cellW = width / columns;
    const cellH = height / rows;
    const size = this.env.spec.observationSize;
    const width1 = this.env.spec.action.type === 'box' ? this.env.spec.action.size : 1;
    for (let n = 0; n < count; n++) {
      const x = (n % columns) * cellW;
      const y = Math.floor(n / columns) * cellH;
      g.save();
      g.translate(x, y);
      g.beginPath();
      g.rect(0, 0, cellW, cellH);
      g.clip();
      const row = n * this.players;
      const action = this.actions === null ? null : this.actions instanceof Int32Array ? this.actions[row]! : (this.actions as Float32Array).subarray(row * width1, (row + 1) * width1);
      this.renderer(g, { obs: this.obs.subarray(row * size, (row + 1) * size), action, width: cellW, height: cellH });
      const last = this.lastReturn[n];
      const label = `env ${n} · return ${formatReturn(this.episodeReturn[n]!)}${last === null ? '' : ` · last episode ${formatReturn(last)}`}`;
      g.font = '12px system-ui, sans-serif';
      g.textBaseline = 'top';
      g.fillStyle = 'rgba(255, 255, 255, 0.8)';
      g.fillRect(4, 4, g.measureText(label).width + 8, 17);
      g.fillStyle = '#333';
      g.fillText(label, 8, 6);
      g.strokeStyle = '#ddd';
      g.strokeRect(0.5, 0.5, cellW - 1, cellH - 1);
      g.restore();
    }
    // The drawn environments share the GPU's one queue with training: say so when that slows them down.
    const target = this.options.stepsPerSecond ?? 50;
    const rate = this.rate;
    if (this.policy && this.stepTimes.length > 0 && rate < target / 2) {
      const note = `drawn at ${rate.toFixed(1)} steps/s: the GPU is busy training (pause to watch at full speed)`;
      g.font = '12px system-ui, sans-serif';
      g.textBaseline = 'bottom';
      const w = g.measureText(note).width + 10;
      g.fillStyle = 'rgba(255, 248, 225, 0.92)';
      g.fillRect(width - w - 4, height - 21, w, 17);
      g.fillStyle = '#8a5a00';
      g.fillText(note, width - w + 1, height - 6);
    }
  }
}

function formatReturn(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
