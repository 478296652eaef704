/**
 * The Markdown of the self-play case's results (bench/cases/selfplay.ts), from its JSON alone: the suite's report
 * section (bench/report.ts) and bench/results/selfplay.md (bench/selfplay-main.ts).
 */
import type { CaseResult } from '../harness.js';

/** Games per match: half with the trained policy on each side. */
export const SELF_PLAY_GAMES = 400;

export type Opponent = 'random' | 'firstSnapshot' | 'secondSnapshot';

const OPPONENT_LABELS: Record<Opponent, string> = {
  random: 'uniformly random',
  firstSnapshot: 'first snapshot (the initial policy)',
  secondSnapshot: 'second snapshot (the first taken while training)',
};

/** The Markdown of benchSelfPlay's results: the matches against their goals, then each training run. */
export function selfPlayReport(results: readonly CaseResult[]): string {
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const matches = results.filter((r) => r.name === 'selfplay.match');
  const lines = [
    '| opponent | won (median over seeds) | min – max | games won / drawn / lost (median seed) | goal | status |',
    '| --- | --- | --- | --- | --- | --- |',
    ...matches.map((m) => {
      const goal = m.params.goal as number | null;
      const status = goal === null ? '–' : m.median >= goal ? '**met**' : `**missed** (${pct(goal - m.median)} short)`;
      return `| ${OPPONENT_LABELS[m.params.opponent as Opponent]} | ${pct(m.median)} | ${pct(m.min)} – ${pct(m.max)} | ${String(m.params.wins)} / ${String(m.params.draws)} / ${String(m.params.losses)} of ${String(m.params.games)} | ${goal === null ? '–' : `≥ ${pct(goal)}`} | ${status} |`;
    }),
  ];
  const runs = results.filter((r) => r.name === 'selfplay.train');
  if (runs.length > 0) {
    lines.push('', '| seed | steps | s | env-steps/s | Elo: start → end | snapshots | pool Elos at the end | dispatches / submits / readbacks per iteration |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of runs) {
      const p = r.params;
      lines.push(
        `| ${String(p.seed)} | ${String(p.steps)} | ${r.median.toFixed(1)} | ${Math.round(Number(p.sps))} | ${String(p.initialElo)} → ${Number(p.finalElo).toFixed(0)} | ${String(p.snapshots)} | ${(p.snapshotElos as number[]).map((e) => e.toFixed(0)).join(', ')} | ${String(p.dispatchesPerIteration)} / ${String(p.submitsPerIteration)} / ${String(p.readbacksPerIteration)} |`,
      );
    }
  }
  return lines.join('\n');
}

/** The words above the tables: the configuration and what a game is. */
export function selfPlayText(results: readonly CaseResult[]): string {
  const run = results.find((r) => r.name === 'selfplay.train');
  const p = run?.params ?? {};
  return (
    `Pong-v0 trained by self-play (src/selfplay/presets.ts: ${String(p.numEnvs)} courts × ${String(p.numSteps)} steps, network ${JSON.stringify(p.hiddenSizes)}, ` +
    `a snapshot every ${String(p.saveSteps)} steps into a pool of ${String(p.window)}, the latest self as opponent with probability ${String(p.playAgainstLatestModelRatio)}, sides swapped every ${String(p.swapSteps)} steps), ` +
    `then the trained policy (deterministic) against each opponent (the snapshots sampling from their policy, the random player uniformly), ${SELF_PLAY_GAMES} games each, ` +
    'half on each side; a game is one point, and a point cut by the 1000-step time limit is a draw (bench/cases/selfplay.ts).'
  );
}
