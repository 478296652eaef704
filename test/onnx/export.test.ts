/**
 * exportOnnx (src/onnx/export.ts) against the engine's CPU forward (CpuPolicy): the exported file runs in
 * onnxruntime-web (its WebAssembly backend, one thread) and gives, for seeded random observations in batches of 1,
 * 7 and 33, the logits / means of CpuPolicy.head, its actor_logstd on every row, and the deterministic actions of
 * actSync. Values are float32 in the graph and float64 in CpuPolicy: they must agree within
 * |onnx - cpu| <= 1e-5 + 1e-5 |cpu|; discrete actions must be equal. Covered: discrete and box spaces, tanh and relu,
 * one to three hidden layers, observation normalisation on (with clipped components and a zero variance) and off,
 * a grid observation given as a rank-4 input, and a policy exported by a trainer. Bad policies are refused naming
 * the field, its value and what was expected.
 */
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, test } from 'vitest';
import { createTrainer, CpuPolicy, exportOnnx, exportPolicy, loadPolicy, OnnxExportError, ONNX_OPSET } from '../../src/index.js';
import { gpuTest } from '../helpers/gpu.js';
import { expectClose, randomArray, seededRandom } from '../helpers/random.js';
import { ARM_SPEC, CARTPOLE_SPEC, CONV_GRID_SPEC, GRID_SPEC, MASKED_MULTI_SPEC, MASKED_SPEC, MULTI_SPEC, observationStats, PENDULUM_SPEC, policyFile, type PolicyRecipe } from './policies.js';
import { policyOutputs } from '../../src/agent/agent.js';
import { categoricalHeads } from '../../src/envs/spec.js';

const TOLERANCE = { atol: 1e-5, rtol: 1e-5 };
const BATCHES = [1, 7, 33];

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

/** The exported model of `policy` as an onnxruntime session. */
function session(policy: CpuPolicy): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(exportOnnx(policy));
}

/**
 * Seeded observations, `rows` of them: around the normalisation's mean, out to ±5 of its standard deviations (so
 * that clip_obs 3 clips some components), or in [-1, 1) for a policy that does not normalise.
 */
function observations(recipe: PolicyRecipe, rows: number): Float32Array {
  const O = recipe.spec.observationSize;
  const unit = randomArray(seededRandom(recipe.seed * 31 + rows), rows * O, -1, 1);
  if (recipe.clipObs === undefined) return unit;
  const { mean, variance } = observationStats(recipe);
  return unit.map((u, i) => mean[i % O]! + 5 * u * Math.sqrt(variance[i % O]! + 0.01));
}

/** The head (logits or means) of every row, as CpuPolicy computes it in float64. */
function heads(policy: CpuPolicy, obs: Float32Array): number[] {
  const O = policy.spec.observationSize;
  return Array.from({ length: obs.length / O }, (_, b) => [...policy.head(obs, b * O)]).flat();
}

/** How many normalised components CpuPolicy's formula clips: the test must reach the clip. */
function clippedComponents(policy: CpuPolicy, obs: Float32Array): number {
  const norm = policy.normalization!;
  const O = policy.spec.observationSize;
  return [...obs].filter((x, i) => Math.abs((x - norm.mean[i % O]!) / Math.sqrt(norm.variance[i % O]! + 1e-8)) > norm.clipObs).length;
}

const RECIPES: [string, PolicyRecipe][] = [
  ['CartPole-like, tanh 64 x 64, no normalisation', { spec: CARTPOLE_SPEC, hidden: [64, 64], activation: 'tanh', seed: 1 }],
  ['CartPole-like, relu 16 x 8 x 5, normalised (clip 3)', { spec: CARTPOLE_SPEC, hidden: [16, 8, 5], activation: 'relu', clipObs: 3, seed: 2 }],
  ['Pendulum-like, tanh 64 x 64, normalised (clip 3)', { spec: PENDULUM_SPEC, hidden: [64, 64], activation: 'tanh', clipObs: 3, seed: 3, headScale: 4 }],
  ['Pendulum-like, relu 32, no normalisation', { spec: PENDULUM_SPEC, hidden: [32], activation: 'relu', seed: 4, headScale: 0.5 }],
  ['a two-component box with its own bounds, relu 8 x 8, normalised (clip 3)', { spec: ARM_SPEC, hidden: [8, 8], activation: 'relu', clipObs: 3, seed: 5, headScale: 4 }],
  ['multi-discrete heads [3, 2, 4], tanh 16 x 16', { spec: MULTI_SPEC, hidden: [16, 16], activation: 'tanh', seed: 6, headScale: 3 }],
  ['discrete 5 with action masks, relu 16, normalised (clip 3)', { spec: MASKED_SPEC, hidden: [16], activation: 'relu', clipObs: 3, seed: 7, headScale: 3 }],
  ['multi-discrete [4, 3] with action masks, tanh 8 x 8', { spec: MASKED_MULTI_SPEC, hidden: [8, 8], activation: 'tanh', seed: 8, headScale: 3 }],
];

/** Seeded action masks for `rows` observations: each choice allowed with probability 1/2, at least one per head. */
function masks(spec: PolicyRecipe['spec'], rows: number, seed: number): Float32Array {
  const heads = categoricalHeads(spec.action)!;
  const random = seededRandom(seed);
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (const n of heads) {
      const head = Array.from({ length: n }, () => (random() < 0.5 ? 1 : 0));
      if (!head.includes(1)) head[Math.floor(random() * n)] = 1;
      out.push(...head);
    }
  }
  return Float32Array.from(out);
}

describe('exportOnnx: the ONNX model computes what CpuPolicy computes', () => {
  for (const [name, recipe] of RECIPES) {
    test(name, async () => {
      const policy = await loadPolicy(policyFile(recipe), { backend: 'cpu' });
      const model = await session(policy);
      const action = recipe.spec.action;
      const masked = recipe.spec.actionMask === true;
      expect(model.inputNames).toEqual(masked ? ['obs', 'action_mask'] : ['obs']);
      expect([...model.outputNames].sort()).toEqual(action.type === 'box' ? ['action', 'log_std', 'mean'] : ['action', 'logits']);
      let maskedChoices = 0;
      let clipped = 0;
      let boundsHit = 0;
      let inside = 0;
      for (const rows of BATCHES) {
        const obs = observations(recipe, rows);
        const O = recipe.spec.observationSize;
        const A = policyOutputs(action);
        const mask = masked ? masks(recipe.spec, rows, recipe.seed + rows) : undefined;
        const feeds: Record<string, ort.Tensor> = { obs: new ort.Tensor('float32', obs, [rows, O]) };
        if (mask) feeds.action_mask = new ort.Tensor('float32', mask, [rows, A]);
        const out = await model.run(feeds);
        const expected = policy.actSync(obs, { deterministic: true, ...(mask ? { mask } : {}) });
        if (recipe.clipObs !== undefined) clipped += clippedComponents(policy, obs);
        if (action.type !== 'box') {
          const K = categoricalHeads(action)!.length;
          const logits = heads(policy, obs);
          const expectedLogits = mask ? logits.map((z, j) => (mask[j] === 1 ? z : -1e30)) : logits;
          if (mask) maskedChoices += mask.filter((v) => v === 0).length;
          expect(out.logits!.dims).toEqual([rows, A]);
          expectClose(out.logits!.data as Float32Array, expectedLogits, TOLERANCE, `logits, batch ${rows}`);
          expect(out.action!.type).toBe('int64');
          expect(out.action!.dims).toEqual(action.type === 'discrete' ? [rows] : [rows, K]);
          expect(Array.from(out.action!.data as BigInt64Array, Number), `actions, batch ${rows}`).toEqual([...expected]);
        } else {
          const box = action;
          for (const output of ['action', 'mean', 'log_std']) {
            expect(out[output]!.type, output).toBe('float32');
            expect(out[output]!.dims, output).toEqual([rows, A]);
          }
          const means = heads(policy, obs);
          expectClose(out.mean!.data as Float32Array, means, TOLERANCE, `mean, batch ${rows}`);
          expect([...(out.log_std!.data as Float32Array)]).toEqual(Array.from({ length: rows }, () => [...policy.logstd!]).flat());
          expectClose(out.action!.data as Float32Array, expected, TOLERANCE, `action, batch ${rows}`);
          means.forEach((m, i) => (m < box.low[i % A]! || m > box.high[i % A]! ? boundsHit++ : inside++));
        }
      }
      if (recipe.clipObs !== undefined) expect(clipped, 'normalised components beyond clip_obs').toBeGreaterThan(0);
      if (masked) expect(maskedChoices, 'masked choices').toBeGreaterThan(0);
      if (action.type === 'box') {
        expect(boundsHit, 'means outside the bounds (clipped actions)').toBeGreaterThan(0);
        expect(inside, 'means inside the bounds').toBeGreaterThan(0);
      }
    });
  }

  test('a convolutional encoder (grid [5, 4, 3], conv 6 x 3x3, relu 7, normalised, multi-discrete masked) computes CpuPolicy.head', async () => {
    const recipe: PolicyRecipe = { spec: CONV_GRID_SPEC, hidden: [7], activation: 'relu', clipObs: 3, seed: 9, headScale: 3, encoder: { channels: 6, kernel: 3 } };
    const policy = await loadPolicy(policyFile(recipe), { backend: 'cpu' });
    expect(policy.conv).toMatchObject({ height: 5, width: 4, inputChannels: 3, kernel: 3, outputChannels: 6 });
    const model = await session(policy);
    for (const rows of BATCHES) {
      const obs = observations(recipe, rows);
      const mask = masks(recipe.spec, rows, rows);
      const out = await model.run({ obs: new ort.Tensor('float32', obs, [rows, 5, 4, 3]), action_mask: new ort.Tensor('float32', mask, [rows, 5]) });
      const logits = heads(policy, obs).map((z, j) => (mask[j] === 1 ? z : -1e30));
      expectClose(out.logits!.data as Float32Array, logits, TOLERANCE, `logits, batch ${rows}`);
      expect(Array.from(out.action!.data as BigInt64Array, Number), `actions, batch ${rows}`).toEqual([...policy.actSync(obs, { deterministic: true, mask })]);
    }
  });

  test('a grid observation is a rank-4 input [batch, 3, 2, 2], flattened row-major in the graph', async () => {
    const recipe: PolicyRecipe = { spec: GRID_SPEC, hidden: [8], activation: 'tanh', clipObs: 3, seed: 6 };
    const policy = await loadPolicy(policyFile(recipe), { backend: 'cpu' });
    expect(policy.spec.observationShape).toEqual([3, 2, 2]);
    const model = await session(policy);
    for (const rows of BATCHES) {
      const obs = observations(recipe, rows);
      const out = await model.run({ obs: new ort.Tensor('float32', obs, [rows, 3, 2, 2]) });
      expectClose(out.logits!.data as Float32Array, heads(policy, obs), TOLERANCE, `logits, batch ${rows}`);
      expect(Array.from(out.action!.data as BigInt64Array, Number)).toEqual([...policy.actSync(obs)]);
    }
    // The declared input rank is enforced by the runtime: a flat batch is refused.
    await expect(model.run({ obs: new ort.Tensor('float32', observations(recipe, 2), [2, 12]) })).rejects.toThrow(/rank/i);
  });

  test('the model declares operator set 15 and names the outputs in its description', async () => {
    expect(ONNX_OPSET).toBe(15);
    const policy = await loadPolicy(policyFile({ spec: CARTPOLE_SPEC, hidden: [4], activation: 'tanh', seed: 7 }), { backend: 'cpu' });
    const bytes = exportOnnx(policy);
    // ModelProto starts with ir_version 8 (08 08); opset_import is { domain '', version 15 } (42 04 0a 00 10 0f).
    expect([...bytes.subarray(0, 2)]).toEqual([0x08, 0x08]);
    expect(Buffer.from(bytes).toString('hex')).toContain('42040a00100f');
    expect(Buffer.from(bytes).toString('latin1')).toContain('outputs action int64 [batch] (argmax of the logits), logits float32 [batch, 2]');
  });

  gpuTest("a trainer's policy file (MinAtar Breakout: its observation shape, normalisation statistics) gives the same logits and actions", async (gpu) => {
    const trainer = await createTrainer({ env: 'MinAtar/Breakout-v1', num_envs: 2, num_steps: 8, update_epochs: 1, num_minibatches: 1, norm_obs: true, hidden_sizes: [16], seed: 9 }, { gpu });
    const file = await exportPolicy(trainer);
    trainer.destroy();
    const policy = await loadPolicy(file, { backend: 'cpu' });
    expect(policy.spec.observationShape).toEqual([10, 10, 4]);
    const model = await session(policy);
    const random = seededRandom(10);
    for (const rows of BATCHES) {
      const obs = Float32Array.from({ length: rows * 400 }, () => (random() < 0.1 ? 1 : 0));
      const out = await model.run({ obs: new ort.Tensor('float32', obs, [rows, 10, 10, 4]) });
      expectClose(out.logits!.data as Float32Array, heads(policy, obs), TOLERANCE, `logits, batch ${rows}`);
      expect(Array.from(out.action!.data as BigInt64Array, Number)).toEqual([...policy.actSync(obs)]);
    }
  });
});

describe('exportOnnx: bad policies are refused naming the field, the value and what was expected', () => {
  const layer = (inputs: number, outputs: number, activation: 'tanh' | 'relu' | 'identity' = 'tanh') => ({
    inputs,
    outputs,
    activation,
    weight: new Float32Array(inputs * outputs),
    bias: new Float32Array(outputs),
  });

  test('not a CpuPolicy, layers that do not chain, non-finite values, missing log-std, bad statistics', () => {
    const cases: [unknown, string][] = [
      [{ spec: CARTPOLE_SPEC }, "exportOnnx(policy): policy is an object (Object); expected a CpuPolicy, as loadPolicy(file, { backend: 'cpu' }) gives it"],
      [undefined, 'exportOnnx(policy): policy is undefined; expected a CpuPolicy'],
      [new CpuPolicy(CARTPOLE_SPEC, [layer(4, 8), layer(6, 2, 'identity')], undefined), 'exportOnnx(policy): layers[1].inputs is 6; expected 8 (layers[0].outputs)'],
      [new CpuPolicy(CARTPOLE_SPEC, [layer(3, 2)], undefined), 'exportOnnx(policy): layers[0].inputs is 3; expected 4 (the observation size)'],
      [new CpuPolicy(CARTPOLE_SPEC, [layer(4, 8), layer(8, 3, 'identity')], undefined), 'exportOnnx(policy): layers[1].outputs is 3; expected 2 (the logits of the discrete actions)'],
      [new CpuPolicy(CARTPOLE_SPEC, [{ ...layer(4, 2), activation: 'gelu' as 'tanh' }], undefined), "exportOnnx(policy): layers[0].activation is \"gelu\"; expected one of 'tanh', 'relu', 'identity'"],
      [new CpuPolicy(CARTPOLE_SPEC, [{ ...layer(4, 2), weight: new Float32Array(7) }], undefined), 'exportOnnx(policy): layers[0].weight is a Float32Array of length 7; expected a Float32Array of length 8'],
      [new CpuPolicy(CARTPOLE_SPEC, [{ ...layer(4, 2), bias: Float32Array.of(0, Number.NaN) }], undefined), 'exportOnnx(policy): layers[0].bias[1] is NaN; expected a finite number'],
      [new CpuPolicy(PENDULUM_SPEC, [layer(3, 1, 'identity')], undefined), 'exportOnnx(policy): logstd is undefined; expected a Float32Array of length 1'],
      [
        new CpuPolicy(CARTPOLE_SPEC, [layer(4, 2)], undefined, 0, { mean: new Float32Array(4), variance: Float32Array.of(1, 1, -0.5, 1), clipObs: 10 }),
        'exportOnnx(policy): normalization.variance[2] is -0.5; expected a finite, non-negative number',
      ],
      [new CpuPolicy(CARTPOLE_SPEC, [layer(4, 2)], undefined, 0, { mean: new Float32Array(4), variance: new Float32Array(4), clipObs: 0 }), 'exportOnnx(policy): normalization.clipObs is 0; expected a finite number > 0'],
      [new CpuPolicy({ ...CARTPOLE_SPEC, observationShape: [3, 2] }, [layer(4, 2)], undefined), 'exportOnnx(policy): spec.observationShape is [3, 2] (product 6); expected a non-empty array of positive integers whose product is observationSize (4)'],
    ];
    for (const [policy, message] of cases) {
      let error: unknown;
      try {
        exportOnnx(policy as CpuPolicy);
      } catch (e) {
        error = e;
      }
      expect(error, message).toBeInstanceOf(OnnxExportError);
      expect((error as Error).message).toContain(message);
    }
  });
});
