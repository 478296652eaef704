/**
 * Stopping a run on request. The first SIGINT (Ctrl-C), SIGTERM or SIGHUP — or the launching process going away —
 * asks the command to stop at its next safe point (training: after the iteration in flight) and write what it was
 * asked to write; the exit code is then 128 + the signal's number (130 for SIGINT, 143 for SIGTERM). A second
 * signal exits at once, after the exit hooks (show the cursor, remove half-written temporary files).
 */
import { constants } from 'node:os';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type StopSignal = (typeof SIGNALS)[number];

export class Interrupt {
  /** The first signal received, if any. */
  signal: StopSignal | undefined;
  private readonly exitHooks: (() => void)[] = [];

  /** Starts listening; `onFirst` runs once, at the first signal (e.g. to say that the run is stopping). */
  install(onFirst: (signal: StopSignal) => void): void {
    const receive = (signal: StopSignal) => {
      if (this.signal === undefined) {
        this.signal = signal;
        onFirst(signal);
        return;
      }
      this.runExitHooks();
      process.exit(this.exitCode);
    };
    for (const signal of SIGNALS) process.on(signal, () => receive(signal));
    // Run by a launching process (see relay.ts) over an IPC channel: its end means that it was killed.
    if (process.channel) {
      process.on('disconnect', () => receive('SIGTERM'));
      process.channel.unref();
    }
    // Every exit path, also an uncaught error, restores what the hooks restore.
    process.on('exit', () => this.runExitHooks());
  }

  get requested(): boolean {
    return this.signal !== undefined;
  }

  /** 128 + the number of the first signal (the shell's convention), or 0 when none came. */
  get exitCode(): number {
    return this.signal === undefined ? 0 : 128 + constants.signals[this.signal];
  }

  /** Adds a synchronous hook run before an immediate exit and on every exit. */
  onExit(hook: () => void): void {
    this.exitHooks.push(hook);
  }

  private runExitHooks(): void {
    for (const hook of this.exitHooks.splice(0)) {
      try {
        hook();
      } catch {
        // Keep running the others: the process is on its way out.
      }
    }
  }
}
