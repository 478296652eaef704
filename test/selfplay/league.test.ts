/**
 * Self-play's host book (src/selfplay/league.ts, elo.ts): the Elo update against a float64 transcription of
 * ML-Agents' GhostController (10^(R/400) form), the order games are applied in, the snapshot schedule (every
 * save_steps, the initial policy first, eviction of the oldest beyond the window) and the config's validation.
 */
import { describe, expect, test } from 'vitest';
import { eloChange, expectedScore, gameResult } from '../../src/selfplay/elo.js';
import { League } from '../../src/selfplay/league.js';
import { ConfigError, resolveConfig } from '../../src/config.js';
import { seededRandom } from '../helpers/random.js';

/** ML-Agents' compute_elo_rating_changes, written as there (float64). */
function mlAgentsChange(rating: number, opponent: number, result: number): number {
  const r1 = 10 ** (rating / 400);
  const r2 = 10 ** (opponent / 400);
  return 16 * (result - r1 / (r1 + r2));
}

describe('Elo', () => {
  test('the change matches ML-Agents\' formula on 1000 seeded ratings (1e-9 absolute)', () => {
    const random = seededRandom(14);
    for (let i = 0; i < 1000; i++) {
      const a = 800 + 1000 * random();
      const b = 800 + 1000 * random();
      const result = [0, 0.5, 1][Math.floor(random() * 3)]!;
      expect(Math.abs(eloChange(a, b, result) - mlAgentsChange(a, b, result))).toBeLessThan(1e-9);
    }
    expect(expectedScore(1200, 1200)).toBe(0.5);
    expect(eloChange(1200, 1200, 1)).toBe(8);
    expect(expectedScore(1600, 1200)).toBeCloseTo(1 / (1 + 10 ** -1), 12);
    expect([gameResult(1), gameResult(-1), gameResult(0)]).toEqual([1, 0, 0.5]);
  });

  test('an iteration\'s games are applied one at a time, round-robin over opponents and results, in float64', () => {
    const league = new League({ window: 2, saveSteps: 1e9, initialElo: 1200, k: 16 });
    // Slot 1 is not filled yet: only slot 0 (the initial policy) and the latest self play.
    league.planIteration(100);
    league.planIteration(200);
    // [slot 0: loss, draw, win][slot 1][latest]
    const first = league.completeIteration([1, 0, 2, 0, 0, 0, 0, 1, 1]);
    // Reference: the same order, written out.
    let r = 1200;
    let s0 = 1200;
    let latest = 1200;
    const play = (opp: 'slot' | 'latest', score: number) => {
      const o = opp === 'slot' ? s0 : latest;
      const c = mlAgentsChange(r, o, score);
      r += c;
      if (opp === 'slot') s0 -= c;
      else latest -= c;
    };
    play('slot', 1); play('slot', 0); play('latest', 1); play('latest', 0.5); play('slot', 1);
    expect(first.elo).toBeCloseTo(r, 10);
    expect(first.snapshotElos).toHaveLength(1);
    expect(first.snapshotElos[0]).toBeCloseTo(s0, 10);
    expect(first).toMatchObject({ wins: 3, draws: 1, losses: 1, gamesAgainstLatest: 2, gamesPerSlot: [3, 0], snapshots: 1 });
    // The latest self's rating restarts from the learner's each iteration.
    const second = league.completeIteration([0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(second.elo).toBeCloseTo(r + mlAgentsChange(r, r, 1), 10);
    expect(() => league.completeIteration([0, 0, 0, 0, 0, 0, 0, 0, 0])).toThrow(/no iteration was planned/);
  });

  test('snapshots: the initial policy, then every save_steps at iteration ends, the oldest evicted beyond the window', () => {
    const league = new League({ window: 3, saveSteps: 2500, initialElo: 1000, k: 16 });
    const batch = 1000;
    const plans = Array.from({ length: 12 }, (_, i) => league.planIteration((i + 1) * batch));
    // Global steps 1000, 2000, ...: a snapshot once 2500 steps have passed since the last (at 3000, 6000, 9000, 12000).
    expect(plans.map((p) => p.snapshotSlot)).toEqual([null, null, 1, null, null, 2, null, null, 0, null, null, 1]);
    expect(plans.map((p) => p.filled)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3]);
    const reports = plans.map((_, i) => league.completeIteration(new Array(12).fill(0).map((_, b) => (b === 2 && i === 0 ? 1 : 0))));
    expect(reports.map((r) => r.snapshots)).toEqual([1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5]);
    // A new snapshot takes the learner's rating (the learner won one game against slot 0 in iteration 1).
    const learner = reports[0]!.elo;
    expect(learner).toBeGreaterThan(1000);
    expect(reports[2]!.snapshotElos[1]).toBe(learner);
    expect(reports[11]!.snapshotElos).toHaveLength(3);
  });

  test('config keys: ML-Agents\' defaults, and errors naming the key and the expected value', () => {
    const config = resolveConfig({ env: 'Pong-v0' }, false);
    expect(config).toMatchObject({ save_steps: 20000, window: 10, play_against_latest_model_ratio: 0.5, swap_steps: 10000, initial_elo: 1200 });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ save_steps: 0 }, /'save_steps' is 0; expected a positive integer/],
      [{ window: 0 }, /'window' is 0; expected an integer in 1..64/],
      [{ window: 65 }, /'window' is 65/],
      [{ play_against_latest_model_ratio: 1.5 }, /'play_against_latest_model_ratio' is 1.5; expected a number in \[0, 1\]/],
      [{ swap_steps: -1 }, /'swap_steps' is -1; expected a positive integer/],
      [{ initial_elo: Number.NaN }, /'initial_elo' is NaN; expected a finite number/],
      [{ team_change: 5 }, /'team_change' is 5; expected no such key/],
    ];
    for (const [override, message] of cases) {
      expect(() => resolveConfig({ env: 'Pong-v0', ...override }, false)).toThrow(ConfigError);
      expect(() => resolveConfig({ env: 'Pong-v0', ...override }, false)).toThrow(message);
    }
  });
});
