/**
 * Self-play benchmark: trains Pong-v0 by self-play (the pool of past selves, ML-Agents' defaults except where
 * given below) and plays the trained policy (deterministic) against a uniformly random player and against its
 * first snapshot (the initial policy, ML-Agents' snapshot 0) and its second (the first taken while training),
 * GAMES games each, half on each side. Goals: >= 95% won against random, >= 80% against the first snapshot.
 * Writes bench/results/selfplay.{json,md} and, with --save FILE, the trained policy.
 *
 *   nice -n 10 npx tsx bench/cases/selfplay.ts [--steps 300000] [--seed 1] [--save demos/policies/pong.safetensors]
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createEnv, createTrainer, exportPolicy } from '../../src/index.js';
import { readFloat32 } from '../../src/gpu/readback.js';
import { playMatch, policyPlayer, randomPlayer, type MatchResult } from '../../src/selfplay/match.js';
import { PONG_SELF_PLAY } from '../../src/selfplay/presets.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};
const steps = Number(option('steps') ?? PONG_SELF_PLAY.total_timesteps);
const seed = Number(option('seed') ?? 1);
const save = option('save');
const GAMES = 400;

const trainer = await createTrainer({ env: 'Pong-v0', ...PONG_SELF_PLAY, seed, total_timesteps: steps });
const eloCurve: { step: number; elo: number }[] = [];
const summary = await trainer.train({
  totalSteps: steps,
  onIteration: (s) => {
    eloCurve.push({ step: s.globalStep, elo: s.selfPlay!.elo });
    if (s.iteration % 20 === 0) console.log(`${s.globalStep} steps: Elo ${s.selfPlay!.elo.toFixed(0)}, ${s.selfPlay!.snapshots} snapshots, mean point length ${s.episodicLength?.toFixed(0) ?? '-'}`);
  },
});
const agent = trainer.algorithm.agent;
const P = agent.table.size;
const trained = await trainer.algorithm.readParameters();
const league = trainer.algorithm.selfPlay!.league;
// Snapshot 0 is in slot 0 until the window wraps: the initial parameters are recomputed from the seed instead.
const first = agent.initialParameters(seed);
const second = summary.selfPlay!.snapshots > 1 && summary.selfPlay!.snapshots <= trainer.config.window ? await readFloat32(trainer.gpu, league, P, 2 * P) : null;
const spec = trainer.spec;
const match = async (opponent: ReturnType<typeof randomPlayer>, matchSeed: number): Promise<MatchResult> => {
  const env = await createEnv('Pong-v0', { numEnvs: GAMES, seed: matchSeed, gpu: trainer.gpu });
  try {
    return await playMatch(env, policyPlayer(agent, trained, spec), opponent);
  } finally {
    env.destroy();
  }
};
const vsRandom = await match(randomPlayer(3, spec.observationSize, 5), 1001);
const vsFirst = await match(policyPlayer(agent, first, spec, false), 1002);
const vsSecond = second ? await match(policyPlayer(agent, second, spec, false), 1003) : null;
if (save) writeFileSync(save, await exportPolicy(trainer));

const result = {
  env: 'Pong-v0',
  command: `nice -n 10 npx tsx bench/cases/selfplay.ts --steps ${steps} --seed ${seed}`,
  config: summary.config,
  trainedSteps: summary.totalSteps,
  wallSeconds: summary.wallSeconds,
  sps: summary.sps,
  adapter: summary.adapter,
  gpu: summary.gpu,
  finalElo: summary.selfPlay!.elo,
  snapshots: summary.selfPlay!.snapshots,
  snapshotElos: summary.selfPlay!.snapshotElos,
  eloCurve: eloCurve.filter((_, i) => i % 5 === 0 || i === eloCurve.length - 1),
  games: GAMES,
  vsRandom,
  vsFirstSnapshot: vsFirst,
  vsSecondSnapshot: vsSecond,
  goals: { vsRandom: 0.95, vsFirstSnapshot: 0.8 },
  met: { vsRandom: vsRandom.winRate >= 0.95, vsFirstSnapshot: vsFirst.winRate >= 0.8 },
};
const pct = (m: MatchResult) => `${(100 * m.winRate).toFixed(1)}% (${m.wins} won, ${m.draws} drawn, ${m.losses} lost of ${m.games})`;
const md = `# Self-play: Pong-v0

\`${result.command}\` on ${summary.adapter.description || summary.adapter.vendor} (a shared machine: 2 cores, other jobs running;
timings are noisy). The trained policy (deterministic) against each opponent (sampling from its own policy, the
random player uniformly), ${GAMES} games each, half on each side; a point cut by the ${trainer.spec.maxEpisodeSteps}-step time
limit is a draw.

| opponent | won | goal |
| --- | --- | --- |
| uniformly random | ${pct(vsRandom)} | >= 95% ${result.met.vsRandom ? 'met' : 'NOT met'} |
| first snapshot (the initial policy) | ${pct(vsFirst)} | >= 80% ${result.met.vsFirstSnapshot ? 'met' : 'NOT met'} |
${vsSecond ? `| second snapshot (after ${trainer.config.save_steps} steps) | ${pct(vsSecond)} | — |\n` : ''}
Training: ${summary.totalSteps} steps in ${summary.wallSeconds.toFixed(0)} s (${summary.sps.toFixed(0)} steps/s), ${summary.gpu.submitsPerIteration} submit and
${summary.gpu.readbacksPerIteration} readback per iteration; the learner's Elo went from ${trainer.config.initial_elo} to ${summary.selfPlay!.elo.toFixed(0)} over
${summary.selfPlay!.snapshots} snapshots (pool Elos at the end: ${summary.selfPlay!.snapshotElos.map((e) => e.toFixed(0)).join(', ')}).
`;
const out = (ext: string) => fileURLToPath(new URL(`../results/selfplay.${ext}`, import.meta.url));
writeFileSync(out('json'), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(out('md'), md);
console.log(md);
trainer.destroy();
process.exit(0);
