/**
 * Training with the conv encoder end to end: MinAtar/Breakout-v1 (observationShape [10, 10, 4]) gets MinAtar's
 * network by default (conv 16 3 x 3 → 8 x 8 x 16 → dense 128 → heads, relu), a few PPO iterations run with finite
 * losses and move the conv weights, evaluation runs, and the policy file and the checkpoint round-trip (encoder in
 * the architecture metadata, conv tensors bit for bit, the same actions on the GPU and, up to near-ties, on the
 * CPU); a JavaScript environment with a grid trains through the per-step kernel; files written before encoders
 * existed (no 'encoder' key) still load as MLPs; bad encoder configs are refused naming the field, the value and
 * what was expected; TRPO refuses an encoder.
 */
import { describe, expect, test } from 'vitest';
import { ConfigError, resolveConfig } from '../../src/config.js';
import { createTrainer, decodeSafetensors, encodeSafetensors, exportPolicy, loadPolicy, loadTrainer, saveTrainer, type Trainer } from '../../src/index.js';
import { defineJsEnv } from '../../src/envs/registry.js';
import type { JsEnvBatch, JsEnvStepOutput } from '../../src/envs/jsEnv.js';
import { CpuPolicy } from '../../src/cpuPolicy.js';
import { gpuTest } from '../helpers/gpu.js';
import { seededRandom } from '../helpers/random.js';

const BREAKOUT = 'MinAtar/Breakout-v1';
const BREAKOUT_SHAPE = [10, 10, 4];
/**
 * The first build of a conv network's kernels takes lavapipe (LLVM) about a minute each with an empty shader
 * cache (the loss kernel most); later runs read them from the cache.
 */
const COLD_COMPILE_MS = 900_000;

/** A 4 x 3 grid with one channel: the agent's cell is 1; actions move it right / down; reaching the far corner pays 1. */
class CornerBatch implements JsEnvBatch {
  readonly position: Int32Array;
  constructor(readonly numEnvs: number) {
    this.position = new Int32Array(numEnvs);
  }
  private draw(obs: Float32Array, n: number): void {
    obs.fill(0, n * 12, (n + 1) * 12);
    obs[n * 12 + this.position[n]!] = 1;
  }
  reset(obs: Float32Array, mask?: Uint8Array): void {
    for (let n = 0; n < this.numEnvs; n++) {
      if (mask && !mask[n]) continue;
      this.position[n] = 0;
      this.draw(obs, n);
    }
  }
  step(actions: Int32Array | Float32Array, out: JsEnvStepOutput): void {
    for (let n = 0; n < this.numEnvs; n++) {
      const p = this.position[n]!;
      const [y, x] = [Math.floor(p / 3), p % 3];
      const next = actions[n] === 0 ? y * 3 + Math.min(x + 1, 2) : Math.min(y + 1, 3) * 3 + x;
      this.position[n] = next;
      this.draw(out.obs, n);
      out.reward[n] = next === 11 ? 1 : 0;
      out.terminated[n] = next === 11 ? 1 : 0;
    }
  }
}
defineJsEnv({ id: 'Corner-v0', observationSize: 12, observationShape: [4, 3, 1], action: { type: 'discrete', n: 2 }, maxEpisodeSteps: 20, create: ({ numEnvs }) => new CornerBatch(numEnvs) });

/** Random Breakout-like frames: each cell of each channel set with probability 0.1. */
function frames(rows: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: rows * 400 }, () => (random() < 0.1 ? 1 : 0));
}

async function trainFor(trainer: Trainer, iterations: number): Promise<void> {
  let done = 0;
  for await (const report of trainer.iterations({ totalSteps: iterations * trainer.config.num_envs * trainer.config.num_steps })) {
    for (const key of ['policyLoss', 'valueLoss', 'entropy', 'gradNorm'] as const) expect(Number.isFinite(report[key]), `${key} at iteration ${report.iteration}`).toBe(true);
    expect(report.gradNorm).toBeGreaterThan(0);
    done++;
  }
  expect(done).toBe(iterations);
}

describe('conv encoder: configuration', () => {
  test("grid environments default to MinAtar's network; flat ones and trpo keep the MLP", () => {
    expect(resolveConfig({ env: BREAKOUT }, false, BREAKOUT_SHAPE)).toMatchObject({ encoder: { conv: [{ channels: 16, kernel: 3 }] }, hidden_sizes: [128], activation: 'relu' });
    expect(resolveConfig({ env: BREAKOUT, algo: 'a2c' }, false, BREAKOUT_SHAPE).encoder).toEqual({ conv: [{ channels: 16, kernel: 3 }] });
    expect(resolveConfig({ env: BREAKOUT, algo: 'trpo' }, false, BREAKOUT_SHAPE)).toMatchObject({ encoder: null, hidden_sizes: [64, 64] });
    expect(resolveConfig({ env: 'CartPole-v1' }, false)).toMatchObject({ encoder: null, hidden_sizes: [64, 64], activation: 'tanh' });
    expect(resolveConfig({ env: BREAKOUT, encoder: null }, false, BREAKOUT_SHAPE).encoder).toBeNull();
  });

  test('bad encoders are refused naming the field, the value and what was expected', () => {
    const cases: [unknown, readonly number[] | undefined, RegExp][] = [
      [{ conv: [{ channels: 8, kernel: 3 }] }, undefined, /'encoder' is .*expected null: the environment's observationShape is not declared, and a conv encoder needs a grid \[height, width, channels\]/],
      [{ conv: [{ channels: 8, kernel: 3 }] }, [4, 5], /observationShape is \[4, 5\]/],
      [{ conv: [{ channels: 8, kernel: 11 }] }, BREAKOUT_SHAPE, /'encoder\.conv\[0\]\.kernel' is 11; expected an integer in 1\.\.10 \(valid padding: the kernel must fit the 10 x 10 input of this layer\)/],
      [{ conv: [{ channels: 8, kernel: 5 }, { channels: 4, kernel: 7 }] }, BREAKOUT_SHAPE, /'encoder\.conv\[1\]\.kernel' is 7; expected an integer in 1\.\.6/],
      [{ conv: [{ channels: 0, kernel: 3 }] }, BREAKOUT_SHAPE, /'encoder\.conv\[0\]\.channels' is 0; expected an integer in 1\.\.256/],
      [{ conv: [{ chanels: 8, kernel: 3 }] }, BREAKOUT_SHAPE, /'encoder\.conv\[0\]\.chanels' is 8; expected no such key/],
      [{ conv: [] }, BREAKOUT_SHAPE, /'encoder\.conv' is \[\]; expected a non-empty array/],
      [{ layers: [] }, BREAKOUT_SHAPE, /'encoder\.layers' is \[\]; expected no such key/],
      [[16, 3], BREAKOUT_SHAPE, /'encoder' is \[16, 3\]; expected null or an object/],
    ];
    for (const [encoder, shape, message] of cases) {
      const run = () => resolveConfig({ env: BREAKOUT, encoder: encoder as never }, false, shape);
      expect(run).toThrow(ConfigError);
      expect(run).toThrow(message);
    }
    expect(() => resolveConfig({ env: BREAKOUT, algo: 'trpo', encoder: { conv: [{ channels: 4, kernel: 3 }] } }, false, BREAKOUT_SHAPE)).toThrow(
      /'encoder' is .*expected null with algo 'trpo' \(TRPO takes MLP policies/,
    );
  });
});

describe('conv encoder: training', () => {
  gpuTest(`${BREAKOUT} with the default network: iterations, evaluation, policy file and checkpoint round trips`, async (gpu) => {
    const trainer = await createTrainer({ env: BREAKOUT, num_envs: 4, num_steps: 16, num_minibatches: 2, update_epochs: 2, seed: 3 }, { gpu });
    expect(trainer.config).toMatchObject({ encoder: { conv: [{ channels: 16, kernel: 3 }] }, hidden_sizes: [128], activation: 'relu' });
    const agent = trainer.algorithm.agent;
    expect(agent.table.view('actor.conv0.weight').shape).toEqual([3, 3, 4, 16]);
    expect(agent.table.view('critic.conv0.weight').shape).toEqual([3, 3, 4, 16]);
    expect(agent.actor[0]!.shape.inputs).toBe(8 * 8 * 16);
    const before = await trainer.algorithm.readParameters();
    await trainFor(trainer, 3);
    const after = await trainer.algorithm.readParameters();
    for (const name of ['actor.conv0.weight', 'actor.conv0.bias', 'critic.conv0.weight', 'critic.conv0.bias']) {
      const view = agent.table.view(name);
      const moved = Array.from({ length: view.size }, (_, i) => Math.abs(after[view.offset + i]! - before[view.offset + i]!)).some((d) => d > 0);
      expect(moved, `${name} moved`).toBe(true);
    }
    const evaluation = await trainer.evaluate({ episodes: 2 });
    expect(evaluation.returns).toHaveLength(2);

    const obs = frames(64, 5);
    const expected = Array.from(await trainer.policy.act(obs, { deterministic: true }));
    const bytes = await exportPolicy(trainer);
    const file = decodeSafetensors(bytes);
    expect(JSON.parse(file.metadata.architecture!).encoder).toEqual({ conv: [{ channels: 16, kernel: 3 }], observationShape: BREAKOUT_SHAPE });
    for (const name of ['actor.conv0.weight', 'actor.conv0.bias']) {
      const view = agent.table.view(name);
      expect(new Uint32Array(file.tensors.get(name)!.data.buffer), name).toEqual(new Uint32Array(after.buffer, view.offset * 4, view.size));
    }
    expect(file.tensors.has('critic.conv0.weight')).toBe(false);
    const gpuPolicy = await loadPolicy(bytes, { gpu });
    expect(Array.from(await gpuPolicy.act(obs, { deterministic: true }))).toEqual(expected);
    gpuPolicy.destroy();
    const cpuPolicy = await loadPolicy(bytes, { backend: 'cpu' });
    expect(cpuPolicy).toBeInstanceOf(CpuPolicy);
    const cpuActions = cpuPolicy.actSync(obs, { deterministic: true });
    for (let b = 0; b < 64; b++) {
      if (cpuActions[b] === expected[b]) continue;
      // float32 on the GPU, float64 on the CPU: only a near-tie of the two best logits may decide differently.
      const head = [...cpuPolicy.head(obs, b * 400)].sort((x, y) => y - x);
      expect(head[0]! - head[1]!, `row ${b}: CPU ${cpuActions[b]} GPU ${expected[b]}`).toBeLessThan(1e-4);
    }

    const checkpoint = await saveTrainer(trainer);
    const restored = await loadTrainer(checkpoint, { gpu });
    expect(restored.config).toEqual(trainer.config);
    expect(Array.from(await restored.policy.act(obs, { deterministic: true }))).toEqual(expected);
    await trainFor(restored, 1);
    restored.destroy();
    trainer.destroy();
  }, COLD_COMPILE_MS);

  gpuTest('a JavaScript environment with a grid trains through the per-step kernel', async (gpu) => {
    // A small encoder and MLP keep the kernels' first build short (the default network is checked on Breakout).
    const encoder = { conv: [{ channels: 4, kernel: 2 }] };
    expect(resolveConfig({ env: 'Corner-v0' }, false, [4, 3, 1]).encoder).toEqual({ conv: [{ channels: 16, kernel: 3 }] });
    const trainer = await createTrainer({ env: 'Corner-v0', encoder, hidden_sizes: [16], num_envs: 3, num_steps: 8, num_minibatches: 1, update_epochs: 2, seed: 4 }, { gpu });
    expect(trainer.algorithm.agent.actor[0]!.shape.inputs).toBe(3 * 2 * 4);
    await trainFor(trainer, 2);
    trainer.destroy();
  }, COLD_COMPILE_MS);

  gpuTest("files without an 'encoder' (written before encoders existed) load as MLP policies", async (gpu) => {
    const trainer = await createTrainer({ env: BREAKOUT, encoder: null, num_envs: 2, num_steps: 8, num_minibatches: 1, update_epochs: 1, hidden_sizes: [8], seed: 6 }, { gpu });
    await trainFor(trainer, 1);
    const checkpoint = decodeSafetensors(await saveTrainer(trainer));
    const config = JSON.parse(checkpoint.metadata.config!) as Record<string, unknown>;
    expect(config.encoder).toBeNull();
    delete config.encoder;
    expect(JSON.parse(checkpoint.metadata.architecture!).encoder).toBeUndefined();
    const old = encodeSafetensors(checkpoint.tensors, { ...checkpoint.metadata, config: JSON.stringify(config) });
    const restored = await loadTrainer(old, { gpu });
    expect(restored.config.encoder).toBeNull();
    expect(restored.algorithm.agent.actorConv).toEqual([]);
    const obs = frames(16, 7);
    expect(Array.from(await restored.policy.act(obs, { deterministic: true }))).toEqual(Array.from(await trainer.policy.act(obs, { deterministic: true })));
    restored.destroy();
    trainer.destroy();
  }, COLD_COMPILE_MS);
});
