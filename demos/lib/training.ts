/**
 * One training run of a page: drives `trainer.iterations()` to a step budget, reporting every iteration, with
 * pause, resume and stop. Between iterations the loop awaits the GPU's statistics readback, so the page stays
 * responsive; pausing holds the loop between two iterations (the iteration already submitted finishes on the
 * GPU), it never blocks inside one.
 *
 * The budget is the run's whole horizon (total_timesteps): the learning rate anneals over it, and a trainer
 * restored from a checkpoint continues the same schedule where it stopped.
 */
import type { IterationReport, Trainer } from '../../src/index.js';

export type RunEnd = 'done' | 'stopped';

export interface RunHandlers {
  onReport(report: IterationReport): void;
  onPauseChange?(paused: boolean): void;
}

export class TrainingRun {
  /** Resolves when the loop has ended ('done': the budget is spent; 'stopped'); rejects on a training error. */
  readonly finished: Promise<RunEnd>;
  private gate: { promise: Promise<void>; open: () => void } | undefined;
  private stopRequested = false;

  constructor(
    readonly trainer: Trainer,
    /** Environment steps of the whole run (the horizon of the learning-rate schedule). */
    readonly totalSteps: number,
    private readonly handlers: RunHandlers,
  ) {
    if (trainer.globalStep + this.batchSize > totalSteps) {
      throw new RangeError(`this trainer has already taken ${trainer.globalStep} of its ${totalSteps} steps; raise total steps to train on`);
    }
    this.finished = this.loop();
  }

  private get batchSize(): number {
    return this.trainer.config.num_envs * this.trainer.config.num_steps;
  }

  get paused(): boolean {
    return this.gate !== undefined;
  }

  pause(): void {
    if (this.gate || this.stopRequested) return;
    let open!: () => void;
    const promise = new Promise<void>((resolve) => (open = resolve));
    this.gate = { promise, open };
    this.handlers.onPauseChange?.(true);
  }

  resume(): void {
    const gate = this.gate;
    if (!gate) return;
    this.gate = undefined;
    gate.open();
    this.handlers.onPauseChange?.(false);
  }

  /** Ends the run after the iteration in flight; resolves once the loop has returned. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    this.resume();
    await this.finished.catch(() => undefined);
  }

  private async loop(): Promise<RunEnd> {
    for await (const report of this.trainer.iterations({ totalSteps: this.totalSteps })) {
      this.handlers.onReport(report);
      // A restored trainer starts mid-schedule: its iterations() would run past the budget.
      if (report.globalStep + this.batchSize > this.totalSteps) return 'done';
      if (this.gate) await this.gate.promise;
      if (this.stopRequested) return 'stopped';
    }
    return 'done';
  }
}
