/**
 * Self-play training on the GPU (src/selfplay/, the two-player path of the fused rollout): the games counted per
 * opponent on the GPU are exactly the episodes the statistics count; the pool's sampling (latest self with
 * probability play_against_latest_model_ratio, else uniform over the filled slots) within stated bounds on a
 * fixed seed; snapshots are copies of the learner's parameters at the planned iterations; one submit and one
 * readback per iteration; a small run moves the Elo and checkpoints its pool; and the misuses refused.
 */
import { describe, expect } from 'vitest';
import { createTrainer, decodeSafetensors, exportPolicy, saveTrainer } from '../../src/index.js';
import { readFloat32 } from '../../src/gpu/readback.js';
import { gpuTest } from '../helpers/gpu.js';

/** A small network and batch: Pong-v0 with 64 courts x 32 steps (2048 samples per iteration). */
const SMALL = { env: 'Pong-v0', num_envs: 64, num_steps: 32, hidden_sizes: [8], update_epochs: 1, num_minibatches: 1, seed: 3 };

describe('self-play (Pong-v0)', () => {
  gpuTest('the pool\'s sampling: latest with probability 0.5, otherwise uniform over the window; games = episodes', async (gpu) => {
    // A snapshot every iteration into a window of 3: full from the fourth iteration on.
    const trainer = await createTrainer({ ...SMALL, save_steps: 2048, window: 3, learning_rate: 1e-9 }, { gpu });
    let latest = 0;
    let total = 0;
    const perSlot = [0, 0, 0];
    for await (const report of trainer.iterations({ totalSteps: 2048 * 40 })) {
      const sp = report.selfPlay!;
      expect(sp.wins + sp.draws + sp.losses, `iteration ${report.iteration}: games counted = episodes ended`).toBe(report.episodes);
      if (report.iteration <= 5) continue;
      latest += sp.gamesAgainstLatest;
      total += sp.wins + sp.draws + sp.losses;
      sp.gamesPerSlot.forEach((g, s) => (perSlot[s]! += g));
    }
    trainer.destroy();
    expect(total, 'games after the pool filled').toBeGreaterThan(1000);
    // Binomial(total, 0.5): within 4 standard deviations (a false failure about 1 in 16,000 for a fresh seed).
    const sd = Math.sqrt(total * 0.25);
    expect(Math.abs(latest - total / 2), `${latest} of ${total} games against the latest self`).toBeLessThan(4 * sd);
    // Uniform over the 3 slots: chi-square with 2 degrees of freedom below 13.8 (p = 0.001).
    const others = total - latest;
    const chi2 = perSlot.reduce((sum, g) => sum + (g - others / 3) ** 2 / (others / 3), 0);
    expect(chi2, `games per slot ${perSlot}`).toBeLessThan(13.8);
  }, 300_000);

  gpuTest('snapshots are copies of the learner\'s parameters at the planned iterations; one submit, one readback', async (gpu) => {
    const trainer = await createTrainer({ ...SMALL, save_steps: 4096, window: 2, learning_rate: 1e-2 }, { gpu });
    const P = trainer.algorithm.agent.table.size;
    const initial = await trainer.algorithm.readParameters();
    const league = trainer.algorithm.selfPlay!.league;
    const after: Float32Array[] = [];
    // One iteration per train() call, so that nothing is in flight when the parameters are read.
    for (let iteration = 1; iteration <= 5; iteration++) {
      await trainer.train({ totalSteps: 2048 });
      after[iteration] = await trainer.algorithm.readParameters();
    }
    const slot = (s: number) => readFloat32(gpu, league, P, (1 + s) * P);
    // Snapshot 0: the initial policy; global steps 2048 k: snapshots after iterations 2 (slot 1) and 4 (slot 0, evicting the initial one).
    expect(Array.from(await slot(1)), 'slot 1 = the parameters after iteration 2').toEqual(Array.from(after[2]!));
    expect(Array.from(await slot(0)), 'slot 0 = the parameters after iteration 4').toEqual(Array.from(after[4]!));
    expect(Array.from(after[4]!)).not.toEqual(Array.from(initial));
    const summary = trainer.summary(0, 1);
    expect(summary.gpu.submitsPerIteration).toBe(1);
    expect(summary.gpu.readbacksPerIteration).toBe(1);
    expect(summary.selfPlay!.snapshots).toBe(3);
    trainer.destroy();
  }, 300_000);

  gpuTest('a small self-play run moves the Elo, reports it per iteration and in the summary', async (gpu) => {
    const trainer = await createTrainer({ ...SMALL, save_steps: 4096, learning_rate: 3e-3, update_epochs: 4, num_minibatches: 2 }, { gpu });
    const summary = await trainer.train({ totalSteps: 2048 * 12 });
    expect(summary.selfPlay).not.toBeNull();
    expect(summary.selfPlay!.elo).not.toBe(1200);
    expect(summary.selfPlay!.snapshotElos).toHaveLength(summary.selfPlay!.snapshots);
    expect(summary.history.every((h) => typeof h.elo === 'number')).toBe(true);
    await expect(trainer.evaluate()).rejects.toThrow(/Pong-v0' is a two-player game/);
    // The checkpoint holds the pool (test/checkpoint.test.ts resumes one bit for bit).
    expect(decodeSafetensors(await saveTrainer(trainer)).tensors.get('selfplay.pool')!.data.length).toBe(trainer.config.window * trainer.algorithm.agent.table.size);
    expect((await exportPolicy(trainer)).length).toBeGreaterThan(0);
    trainer.destroy();
  }, 300_000);
});
