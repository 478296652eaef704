/**
 * Matches between two players of a two-player game (benchmarks, tests, the shipped policy's check): `games`
 * episodes at once, one per environment, on the typed-array VecEnv; player A takes side 0 in the even
 * environments and side 1 in the odd ones. A game's result is the sign of A's reward on its last step (the
 * Elo's rule, src/selfplay/elo.ts); a point cut by the time limit is a draw.
 */
import type { VecEnv } from '../envs/spec.js';
import type { AgentLayout } from '../agent/agent.js';
import { CpuPolicy } from '../cpuPolicy.js';

/** Actions for a batch of observations (rows of observationSize, each player's own view), one per row. */
export type Player = (obs: Float32Array) => Int32Array;

export interface MatchResult {
  games: number;
  wins: number;
  draws: number;
  losses: number;
  /** wins / games. */
  winRate: number;
}

/** Plays one game per environment of `env` (a fresh two-player batch: numEnvs games). */
export async function playMatch(env: VecEnv, a: Player, b: Player): Promise<MatchResult> {
  if (env.spec.players !== 2) throw new Error(`playMatch: '${env.spec.id}' is not a two-player game (players: 2)`);
  const N = env.numEnvs;
  const O = env.spec.observationSize;
  let obs = await env.reset();
  const done = new Uint8Array(N);
  const result = { games: N, wins: 0, draws: 0, losses: 0 };
  const rowsA = new Float32Array(N * O);
  const rowsB = new Float32Array(N * O);
  // A's side in environment n: n mod 2.
  for (let finished = 0; finished < N; ) {
    for (let n = 0; n < N; n++) {
      const sideA = n % 2;
      rowsA.set(obs.subarray((2 * n + sideA) * O, (2 * n + sideA + 1) * O), n * O);
      rowsB.set(obs.subarray((2 * n + 1 - sideA) * O, (2 * n + 2 - sideA) * O), n * O);
    }
    const actionsA = a(rowsA);
    const actionsB = b(rowsB);
    const actions = new Int32Array(2 * N);
    for (let n = 0; n < N; n++) {
      const sideA = n % 2;
      actions[2 * n + sideA] = actionsA[n]!;
      actions[2 * n + 1 - sideA] = actionsB[n]!;
    }
    const step = await env.step(actions);
    for (let n = 0; n < N; n++) {
      if (done[n] || !(step.terminated[n] || step.truncated[n])) continue;
      done[n] = 1;
      finished += 1;
      const reward = step.reward[2 * n + (n % 2)]!;
      if (reward > 0) result.wins += 1;
      else if (reward < 0) result.losses += 1;
      else result.draws += 1;
    }
    obs = step.obs;
  }
  return { ...result, winRate: result.wins / N };
}

/** A CPU player of the agent's actor with flat parameters `flat` (deterministic: argmax). */
export function policyPlayer(agent: AgentLayout, flat: Float32Array, spec: VecEnv['spec'], deterministic = true): Player {
  const layers = agent.actor.map((layer) => ({
    ...layer.shape,
    weight: flat.slice(layer.weight.offset, layer.weight.offset + layer.weight.size),
    bias: flat.slice(layer.bias.offset, layer.bias.offset + layer.bias.size),
  }));
  const policy = new CpuPolicy(spec, layers, undefined, 17);
  return (obs) => Int32Array.from(policy.actSync(obs, { deterministic }) as ArrayLike<number>);
}

/** A player choosing uniformly among the n actions for observations of `observationSize`, seeded (mulberry32). */
export function randomPlayer(n: number, observationSize: number, seed = 1): Player {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (obs) => Int32Array.from({ length: obs.length / observationSize }, () => Math.floor(next() * n));
}
