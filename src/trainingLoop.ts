/**
 * The training loop's scheduling, shared by a trainer and a population: one iteration in flight while the
 * previous one's statistics are read (the GPU never waits for the CPU), submissions taking turns with snapshots
 * (saveTrainer, exportPolicy, evaluate read between two submissions, after every iteration already submitted has
 * finished and been counted), and the iterations of a loop stopped early still counted, in order.
 *
 * What an iteration is (how it is submitted, how its statistics are counted) is the owner's: `submit` encodes and
 * submits iteration `iteration` and returns a function that maps its statistics; `count` turns them into a report.
 */

interface Flight<R> {
  iteration: number;
  /** Maps the iteration's statistics (call once). */
  read: () => Promise<Float32Array>;
  /** Its report, once someone asked for it (see outcome). */
  outcome?: Promise<R>;
}

export interface LoopOwner<R> {
  /** Counts an iteration from its statistics (in submission order); throws on a failed one. */
  count(words: Float32Array): R;
  /** The owner's memory is freed (the loop stops before its next iteration). */
  readonly destroyed: boolean;
  /** Throws DestroyedError naming `method` when the owner is destroyed. */
  assertAlive(method: string, detail?: string): void;
}

export class TrainingLoop<R extends { iteration: number }> {
  /**
   * Iterations submitted and not yet taken by the loop, oldest first (at most two: one is in flight while the
   * previous one's statistics are read). Each is counted exactly once, in order, by whoever first needs it: the
   * loop, or a snapshot that waits for it.
   */
  private flights: Flight<R>[] = [];
  /** A loop is running. */
  private running = false;
  /** Operations that must not interleave (a submission, a snapshot, the release of the memory) run one at a time. */
  private exclusiveTail: Promise<void> = Promise.resolve();
  private exclusivePending = 0;

  constructor(private readonly owner: LoopOwner<R>) {}

  get training(): boolean {
    return this.running;
  }

  /** No loop, snapshot or submission is running or waiting: the memory can be released at once. */
  get idle(): boolean {
    return !this.running && this.exclusivePending === 0 && this.flights.length === 0;
  }

  /** Throws unless no loop is running (`what`: the owner's name, e.g. 'Trainer.train()'). */
  assertNotTraining(what: string, owner = 'trainer'): void {
    if (this.running) {
      throw new Error(
        `${what}: this ${owner} is already training (a train() or iterations() loop is running); wait for it ` +
          'to end (or break out of the iterations() loop) before starting another',
      );
    }
  }

  /** Starts a loop (refused while one runs); end() it in a finally. */
  begin(what: string, owner = 'trainer'): void {
    this.assertNotTraining(what, owner);
    this.running = true;
  }

  end(): void {
    this.running = false;
  }

  /**
   * Submits `iterations` iterations, the one after `completed` first, and yields their reports in order. The
   * iteration after the one being reported is already submitted; breaking out waits for it and counts it, so that
   * counters and GPU state agree.
   */
  async *run(
    iterations: number,
    completed: () => number,
    submit: (iteration: number) => Promise<() => Promise<Float32Array>>,
    method: string,
  ): AsyncGenerator<R> {
    let toSubmit = iterations;
    // Submissions take turns with snapshots: none is encoded while saveTrainer, exportPolicy or evaluate reads.
    const next = () =>
      this.exclusive(async () => {
        if (this.owner.destroyed) return;
        // After the last one submitted (a snapshot may already have counted it: completed() would not tell).
        const iteration = (this.flights.at(-1)?.iteration ?? completed()) + 1;
        toSubmit--;
        this.flights.push({ iteration, read: await submit(iteration) });
      });
    let failure: unknown;
    try {
      await next();
      while (this.flights.length > 0) {
        this.owner.assertAlive(method, 'training stopped');
        const flight = this.flights[0]!;
        // The next iteration goes to the GPU before this one's statistics are read.
        if (toSubmit > 0) await next();
        const report = await this.outcome(flight);
        this.flights.shift();
        this.owner.assertAlive(method, `training stopped after iteration ${report.iteration}`);
        yield report;
      }
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      // Stopped early: the iterations already submitted still ran; count them (their own health reports are
      // dropped when an error is already on its way: the first failing iteration is the one to name).
      let drainFailure: unknown;
      for (const flight of [...this.flights]) {
        try {
          await this.outcome(flight);
        } catch (error) {
          drainFailure ??= error;
        }
      }
      this.flights = [];
      if (failure === undefined && drainFailure !== undefined && !this.owner.destroyed) throw drainFailure;
    }
  }

  /** The statistics of a submitted iteration, read and counted once (whoever asks first). */
  private outcome(flight: Flight<R>): Promise<R> {
    flight.outcome ??= flight.read().then((words) => this.owner.count(words));
    return flight.outcome;
  }

  /** Waits until every submitted iteration has finished and been counted; their failures are the loop's to report. */
  async quiesce(): Promise<void> {
    for (const flight of [...this.flights]) await this.outcome(flight).catch(() => undefined);
  }

  /** Runs `op` after every earlier exclusive operation has finished. */
  exclusive<T>(op: () => Promise<T>): Promise<T> {
    this.exclusivePending++;
    const run = this.exclusiveTail.then(op);
    this.exclusiveTail = run.then(
      () => void this.exclusivePending--,
      () => void this.exclusivePending--,
    );
    return run;
  }

  /**
   * Runs `read` at rest: after every iteration already submitted has finished and been counted, and with no new
   * iteration submitted until `read` has finished (a running loop goes on afterwards).
   */
  snapshot<T>(read: () => Promise<T>, method: string): Promise<T> {
    try {
      this.owner.assertAlive(method);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.exclusive(async () => {
      this.owner.assertAlive(method);
      await this.quiesce();
      this.owner.assertAlive(method);
      return read();
    });
  }
}
