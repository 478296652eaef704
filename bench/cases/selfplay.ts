/**
 * Benchmark case: Pong-v0 trained by self-play (the pool of past selves, src/selfplay/presets.ts), then the trained
 * policy (deterministic) against a uniformly random player and against its first snapshot (the initial policy,
 * ML-Agents' snapshot 0) and its second (the first taken while training), GAMES games each, half on each side.
 * Goals: >= 95% won against random, >= 80% against the first snapshot.
 *
 *   selfplay.train  wall seconds of one training run (its Elo curve, final pool and GPU counters in params)
 *   selfplay.match  the win rate against one opponent (params: opponent, wins, draws, losses, games, seeds)
 *
 * A full run trains seeds 1-3 and reports the median win rate over them (min - max as the spread); a --quick run
 * trains seed 1 for half the steps. The comparisons are games won / games played against each goal.
 */
import type { Gpu } from '../../src/gpu/device.js';
import { createEnv, createTrainer } from '../../src/index.js';
import type { Trainer } from '../../src/trainer.js';
import { readFloat32 } from '../../src/gpu/readback.js';
import { playMatch, policyPlayer, randomPlayer, type MatchResult, type Player } from '../../src/selfplay/match.js';
import { PONG_SELF_PLAY } from '../../src/selfplay/presets.js';
import { summarize, type CaseResult, type Comparison } from '../harness.js';
import { SELF_PLAY_GAMES, type Opponent } from './selfplayReport.js';

export const SELF_PLAY_GOALS = { vsRandom: 0.95, vsFirstSnapshot: 0.8 } as const;

export interface SelfPlayOptions {
  steps: number;
  seeds: readonly number[];
}

export function selfPlayOptions(quick: boolean): SelfPlayOptions {
  const steps = PONG_SELF_PLAY.total_timesteps!;
  return quick ? { steps: steps / 2, seeds: [1] } : { steps, seeds: [1, 2, 3] };
}


/** Trains one seed; returns its training result and its matches. */
async function trainAndPlay(gpu: Gpu, steps: number, seed: number, log: (line: string) => void): Promise<{ train: CaseResult; matches: Map<Opponent, MatchResult>; trainer: Trainer }> {
  const trainer = await createTrainer({ env: 'Pong-v0', ...PONG_SELF_PLAY, seed, total_timesteps: steps }, { gpu });
  const eloCurve: [number, number][] = [];
  const summary = await trainer.train({
    totalSteps: steps,
    onIteration: (s) => {
      eloCurve.push([s.globalStep, s.selfPlay!.elo]);
    },
  });
  log(`selfplay seed ${seed}: ${summary.totalSteps} steps in ${summary.wallSeconds.toFixed(1)} s, Elo ${trainer.config.initial_elo} -> ${summary.selfPlay!.elo.toFixed(0)} over ${summary.selfPlay!.snapshots} snapshots`);
  const agent = trainer.algorithm.agent;
  const P = agent.table.size;
  const trained = await trainer.algorithm.readParameters();
  // Snapshot 0 is in slot 0 until the window wraps: the initial parameters are recomputed from the seed instead.
  const first = agent.initialParameters(seed);
  const league = trainer.algorithm.selfPlay!.league;
  const second = summary.selfPlay!.snapshots > 1 && summary.selfPlay!.snapshots <= trainer.config.window ? await readFloat32(trainer.gpu, league, P, 2 * P) : null;
  const spec = trainer.spec;
  const match = async (opponent: Player, matchSeed: number): Promise<MatchResult> => {
    const env = await createEnv('Pong-v0', { numEnvs: SELF_PLAY_GAMES, seed: matchSeed, gpu });
    try {
      return await playMatch(env, policyPlayer(agent, trained, spec), opponent);
    } finally {
      env.destroy();
    }
  };
  const matches = new Map<Opponent, MatchResult>();
  matches.set('random', await match(randomPlayer(3, spec.observationSize, 5 + seed), 1001 + 10 * seed));
  matches.set('firstSnapshot', await match(policyPlayer(agent, first, spec, false), 1002 + 10 * seed));
  if (second) matches.set('secondSnapshot', await match(policyPlayer(agent, second, spec, false), 1003 + 10 * seed));
  const train: CaseResult = {
    name: 'selfplay.train',
    params: {
      env: 'Pong-v0',
      seed,
      steps: summary.totalSteps,
      numEnvs: trainer.config.num_envs,
      numSteps: trainer.config.num_steps,
      hiddenSizes: trainer.config.hidden_sizes,
      saveSteps: trainer.config.save_steps,
      window: trainer.config.window,
      playAgainstLatestModelRatio: trainer.config.play_against_latest_model_ratio,
      swapSteps: trainer.config.swap_steps,
      sps: summary.sps,
      initialElo: trainer.config.initial_elo,
      finalElo: summary.selfPlay!.elo,
      snapshots: summary.selfPlay!.snapshots,
      snapshotElos: summary.selfPlay!.snapshotElos,
      eloCurve: eloCurve.filter((_, i) => i % 4 === 0 || i === eloCurve.length - 1),
      ...summary.gpu,
    },
    unit: 's (training)',
    median: summary.wallSeconds,
    min: summary.wallSeconds,
    max: summary.wallSeconds,
    reps: 1,
  };
  return { train, matches, trainer };
}

export async function benchSelfPlay(context: { gpu: Gpu; quick: boolean; log(line: string): void; comparisons?: Comparison[] }, options = selfPlayOptions(context.quick)): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const perOpponent = new Map<Opponent, MatchResult[]>();
  for (const seed of options.seeds) {
    const { train, matches, trainer } = await trainAndPlay(context.gpu, options.steps, seed, context.log);
    trainer.destroy();
    results.push(train);
    for (const [opponent, result] of matches) perOpponent.set(opponent, [...(perOpponent.get(opponent) ?? []), result]);
  }
  for (const [opponent, matches] of perOpponent) {
    const rates = summarize(matches.map((m) => m.winRate));
    const median = matches.find((m) => m.winRate === rates.median) ?? matches[0]!;
    const goal = opponent === 'random' ? SELF_PLAY_GOALS.vsRandom : opponent === 'firstSnapshot' ? SELF_PLAY_GOALS.vsFirstSnapshot : null;
    results.push({
      name: 'selfplay.match',
      params: { env: 'Pong-v0', opponent, goal, games: SELF_PLAY_GAMES, perSeed: matches.map((m, i) => ({ seed: options.seeds[i], ...m })), wins: median.wins, draws: median.draws, losses: median.losses },
      unit: 'win rate',
      median: rates.median,
      min: rates.min,
      max: rates.max,
      reps: matches.length,
    });
    context.log(`selfplay vs ${opponent}: ${(100 * rates.median).toFixed(1)}% won (median over ${matches.length} seed${matches.length > 1 ? 's' : ''}, ${(100 * rates.min).toFixed(1)}-${(100 * rates.max).toFixed(1)}%)`);
    if (goal !== null && context.comparisons) {
      // Games won against games played: the ratio is the win rate, the goal the least win rate.
      context.comparisons.push({
        name: `selfplay-vs-${opponent === 'random' ? 'random' : 'first-snapshot'}-Pong-v0`,
        engine: rates.median * SELF_PLAY_GAMES,
        baseline: SELF_PLAY_GAMES,
        unit: 'games won / games played',
        ratio: rates.median,
        goal,
        reps: { engine: matches.length, baseline: matches.length },
        spread: { engine: [rates.min * SELF_PLAY_GAMES, rates.max * SELF_PLAY_GAMES], baseline: [SELF_PLAY_GAMES, SELF_PLAY_GAMES] },
      });
    }
  }
  return results;
}
