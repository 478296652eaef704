/**
 * Several training runs on one GPU device, advanced together: one iteration at a time, always of the run that has
 * taken the fewest environment steps, so that runs with small batches (A2C's 40 samples) and large ones
 * (REINFORCE's 1600) stay level on the step axis. Each run's iterations() keeps its next iteration in flight while
 * another run's is read, so the device always has queued work; only one run submits at a time, which keeps each
 * trainer's count of its own submits and readbacks (differences of the device's counters) its own.
 *
 * A run that fails (a diverged loss, say) ends alone; the others go on. Stop ends every run after the iteration in
 * flight has been counted.
 */
import type { IterationReport, Trainer } from '../../src/index.js';

export type RoundRobinEnd = 'done' | 'stopped';

export interface RoundRobinHandlers {
  onReport(run: number, report: IterationReport): void;
  /** Run `run` failed: it takes no further iterations. */
  onError(run: number, error: unknown): void;
}

interface Lane {
  trainer: Trainer;
  iterations: AsyncGenerator<IterationReport>;
  finished: boolean;
}

export class RoundRobinRun {
  /** Resolves once every run has spent its budget or failed ('done'), or after stop() ('stopped'). */
  readonly finished: Promise<RoundRobinEnd>;
  private stopRequested = false;

  constructor(
    trainers: readonly Trainer[],
    /** Environment steps of each run, rounded down to whole iterations of its own batch. */
    readonly totalSteps: number,
    private readonly handlers: RoundRobinHandlers,
  ) {
    const lanes = trainers.map((trainer): Lane => ({ trainer, iterations: trainer.iterations({ totalSteps }), finished: false }));
    this.finished = this.loop(lanes);
  }

  /** Ends every run after its iteration in flight; resolves once they have all been counted. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    await this.finished.catch(() => undefined);
  }

  private async loop(lanes: Lane[]): Promise<RoundRobinEnd> {
    try {
      while (!this.stopRequested) {
        const index = behind(lanes);
        if (index < 0) return 'done';
        const lane = lanes[index]!;
        let next: IteratorResult<IterationReport>;
        try {
          next = await lane.iterations.next();
        } catch (error) {
          lane.finished = true;
          this.handlers.onError(index, error);
          continue;
        }
        if (next.done) lane.finished = true;
        else this.handlers.onReport(index, next.value);
      }
      return 'stopped';
    } finally {
      // Leaving a generator drains its iteration in flight (Trainer.iterations), so the trainers end at rest.
      await Promise.all(lanes.filter((lane) => !lane.finished).map((lane) => lane.iterations.return(undefined).catch(() => undefined)));
    }
  }
}

/** The unfinished lane with the fewest steps (the first of equals), or -1 when all have finished. */
function behind(lanes: readonly Lane[]): number {
  let best = -1;
  lanes.forEach((lane, index) => {
    if (!lane.finished && (best < 0 || lane.trainer.globalStep < lanes[best]!.trainer.globalStep)) best = index;
  });
  return best;
}
