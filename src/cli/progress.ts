/**
 * Training progress on stderr: a bar on a terminal (cli-progress), a line every ~5% of the run otherwise (CI logs).
 * Both show this session's steps out of this session's total, its steps per second, the time left at that rate
 * (ETA) and the mean return of the last 20 training episodes. The bar hides the cursor while it runs: stop()
 * shows it again and may be called any number of times, also from an exit hook.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /**
   * `steps` of this session done, at `sps` steps per second; `recentReturn` null before any episode ended. For a
   * population: steps per agent, sps of all agents, the agents' mean of recentReturn and its spread (standard
   * deviation across agents).
   */
  update(steps: number, sps: number, recentReturn: number | null, spread?: number): void;
  /** Ends the bar (its last state stays on screen) and shows the cursor; idempotent. */
  stop(): void;
}

/** Seconds as `1h02m`, `3m05s` or `42s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.round(seconds);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s >= 3600) return `${Math.floor(s / 3600)}h${pad(Math.round((s % 3600) / 60) % 60)}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${s}s`;
}

/** `stream` is a terminal when `isTTY` (the CLI's child sets it when its launcher's stderr is one: see relay.ts). */
/** `agents`: a population's size (steps count per agent, SPS all agents' steps). */
export function createProgress(total: number, stream: NodeJS.WriteStream = process.stderr, agents = 1): Progress {
  const tty = stream.isTTY === true;
  const payloadOf = (steps: number, sps: number, recentReturn: number | null, spread?: number) => ({
    sps: sps > 0 ? Math.round(sps).toString() : '-',
    timeLeft: sps > 0 ? formatDuration(((total - steps) * agents) / sps) : '-',
    ret: recentReturn === null ? '-' : `${recentReturn.toFixed(1)}${spread === undefined ? '' : ` ± ${spread.toFixed(1)} (${agents} agents)`}`,
  });
  if (!tty) {
    let nextLine = 0;
    return {
      update(steps, sps, recentReturn, spread) {
        if (steps < nextLine && steps < total) return;
        const p = payloadOf(steps, sps, recentReturn, spread);
        stream.write(`${steps}/${total} steps | ${p.sps} SPS | ETA ${p.timeLeft} | mean return ${p.ret}\n`);
        nextLine = steps + Math.max(1, Math.floor(total / 20));
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {percentage}% | {value}/{total} steps | {sps} SPS | ETA {timeLeft} | mean return {ret}',
      hideCursor: true,
      stream,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, payloadOf(0, 0, null));
  let running = true;
  return {
    update(steps, sps, recentReturn, spread) {
      if (running) bar.update(Math.min(steps, total), payloadOf(steps, sps, recentReturn, spread));
    },
    stop() {
      if (!running) return;
      running = false;
      bar.stop();
    },
  };
}
