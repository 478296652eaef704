/**
 * The batch KL after the update and PPO-Penalty's β adaptation (src/ppo/batchKl.ts): d, the mean over the whole
 * batch of KL[π_old ‖ π_θ] with the parameters after the update, and H, the new policy's mean entropy, against
 * float64 references (categorical and Gaussian, awkward batch sizes, with and without the grid-stride loop of the
 * KL kernel); β doubling, halving and holding on crafted KLs, and left alone without adaptBeta; through the trainer,
 * every algorithm's reported kl is d after its update, and the paper's semantics: at update_epochs = 1 β follows
 * the KL after the update (not the KL measured before each minibatch's step, which is exactly 0 for the first
 * minibatch), also when target_kl stops the epochs.
 */
import { describe, expect } from 'vitest';
import type { Gpu } from '../../src/gpu/device.js';
import { readFloat32 } from '../../src/gpu/readback.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { AgentLayout, actionWidth } from '../../src/agent/agent.js';
import { RolloutLayout } from '../../src/ppo/storage.js';
import { BatchKl } from '../../src/ppo/batchKl.js';
import { PpoState } from '../../src/ppo/ppoState.js';
import { Hyper, hyperValues } from '../../src/ppo/hyper.js';
import type { ActionSpace } from '../../src/envs/spec.js';
import { createTrainer } from '../../src/index.js';
import type { IterationReport } from '../../src/ppo/ppo.js';
import { gpuTest } from '../helpers/gpu.js';
import { randomArray, seededRandom } from '../helpers/random.js';
import { logSoftmax, mlpForward } from '../../reference/ppo.js';

/** |gpu - reference| <= KL_ATOL + KL_RTOL |reference| for d (f32 forward and sums against float64). */
const KL_ATOL = 1e-6;
const KL_RTOL = 1e-4;

/** d = (1/M) sum_s KL[π_old(·|s) ‖ π_θ(·|s)] in float64, from the rollout storage's regions as the GPU holds them. */
function batchKlReference(theta: ArrayLike<number>, agent: AgentLayout, layout: RolloutLayout, data: Float32Array): number {
  return batchReference(theta, agent, layout, data).kl;
}

/** d and H = (1/M) sum_s H[π_θ(·|s)] in float64. */
function batchReference(theta: ArrayLike<number>, agent: AgentLayout, layout: RolloutLayout, data: Float32Array): { kl: number; entropy: number } {
  const M = layout.samples;
  const o = layout.offsets;
  const O = agent.architecture.observationSize;
  const A = agent.policyOutputs;
  const action = agent.architecture.action;
  let sum = 0;
  let entropy = 0;
  for (let s = 0; s < M; s++) {
    const obs = Array.from({ length: O }, (_, f) => data[o.obs + f * M + s]!);
    const head = mlpForward(theta, agent.actor, obs);
    const oldHead = Array.from({ length: A }, (_, j) => data[o.oldDist + j * M + s]!);
    if (action.type === 'discrete') {
      const logp = logSoftmax(head);
      const oldLogp = logSoftmax(oldHead);
      sum += oldLogp.reduce((kl, l, a) => kl + Math.exp(l) * (l - logp[a]!), 0);
      entropy -= logp.reduce((h, l) => h + Math.exp(l) * l, 0);
    } else {
      for (let d = 0; d < A; d++) {
        const logstd = theta[agent.logstd!.offset + d]!;
        entropy += logstd + 0.5 + 0.5 * Math.log(2 * Math.PI);
        const oldLogstd = data[o.oldDist + A * M + d]!;
        sum += logstd - oldLogstd + (Math.exp(2 * oldLogstd) + (oldHead[d]! - head[d]!) ** 2) / (2 * Math.exp(2 * logstd)) - 0.5;
      }
    }
  }
  return { kl: sum / M, entropy: entropy / M };
}

interface Fixture {
  agent: AgentLayout;
  layout: RolloutLayout;
  theta: Float32Array;
  data: Float32Array;
}

/** Random parameters (away from the near-uniform initial policy), observations and old distributions. */
function randomFixture(action: ActionSpace, samples: number, seed: number): Fixture {
  const random = seededRandom(seed);
  const obsSize = 3;
  const agent = new AgentLayout({ observationSize: obsSize, action, hidden: [5, 4], activation: 'tanh' });
  const layout = new RolloutLayout({ numEnvs: samples, numSteps: 1, obsSize, actionWidth: actionWidth(action), policyOutputs: agent.policyOutputs, keepOldDist: true });
  const theta = agent.initialParameters(seed);
  for (let i = 0; i < theta.length; i++) theta[i] = theta[i]! + 0.6 * (random() - 0.5);
  if (agent.logstd) theta.set(randomArray(random, agent.logstd.size, -0.6, 0.3), agent.logstd.offset);
  const data = new Float32Array(layout.floats);
  const M = layout.samples;
  const o = layout.offsets;
  data.set(randomArray(random, obsSize * M, -2, 2), o.obs);
  data.set(randomArray(random, agent.policyOutputs * M, -1.5, 1.5), o.oldDist);
  if (agent.logstd) data.set(randomArray(random, agent.policyOutputs, -0.8, 0.4), o.oldDist + agent.policyOutputs * M);
  return { agent, layout, theta, data };
}

/** Runs the KL pass once on a fixture with the given β and kl_target; returns d, H and β after the rule (if adaptBeta). */
async function runKlPass(
  gpu: Gpu,
  fixture: Fixture,
  beta: number,
  klTarget: number,
  options: { maxPartials?: number; adaptBeta?: boolean } = {},
): Promise<{ d: number; entropy: number; beta: number; partialCount: number }> {
  const { agent, layout, theta, data } = fixture;
  const storage = gpu.buffer({ label: 'BatchKlTest.storage', size: layout.bytes, data });
  const params = gpu.buffer({ label: 'BatchKlTest.params', size: agent.table.byteSize, data: theta });
  const store = layout.allocateUniform(gpu, 'BatchKlTest.layout');
  const hyper = Hyper.createBuffer(gpu, 'BatchKlTest.hyper', hyperValues({
    clipCoef: 0.2, entCoef: 0, vfCoef: 0.5, targetKl: -1, normAdv: true, clipVloss: true, iteration: 1, seed: 1,
    invMinibatch: 1, klTarget, minibatchSize: layout.samples, numMinibatches: 1, halfBits: 0, numRecords: 1,
  }));
  // The reserved last word holds a marker the pass must leave alone.
  const state = gpu.buffer({ label: 'BatchKlTest.state', size: 16, data: new Float32Array([beta, 0, 0, 7]) });
  const pass = await BatchKl.create(gpu, agent, layout, { params, storage, store, hyper, ppoState: state }, { adaptBeta: true, ...options });
  const recorder = new Recorder(gpu, 'BatchKlTest.encoder');
  pass.encode(recorder);
  recorder.submit();
  const after = await readFloat32(gpu, state, 4);
  expect(after[3], 'the reserved state word is left alone').toBe(7);
  const partialCount = pass.partialCount;
  pass.destroy();
  for (const b of [storage, params, store, hyper, state]) b.destroy();
  return { d: after[PpoState.kl]!, entropy: after[PpoState.entropy]!, beta: after[PpoState.beta]!, partialCount };
}

const discrete: ActionSpace = { type: 'discrete', n: 3 };
const gaussian: ActionSpace = { type: 'box', size: 2, low: [-1, -1], high: [1, 1] };

describe('the batch KL after the update, and PPO-Penalty\'s β rule', () => {
  gpuTest('d and H match the float64 batch KL and entropy: categorical and Gaussian, awkward batch sizes, with and without grid stride', async (gpu) => {
    let seed = 300;
    for (const [name, action] of [['categorical', discrete], ['Gaussian', gaussian]] as const) {
      for (const samples of [1, 7, 300, 1025]) {
        // maxPartials 3: fewer workgroups than samples / 64, so each lane walks several samples.
        for (const maxPartials of [undefined, 3]) {
          const fixture = randomFixture(action, samples, seed++);
          const { kl: reference, entropy: entropyReference } = batchReference(fixture.theta, fixture.agent, fixture.layout, fixture.data);
          expect(reference, 'the fixture has a clearly positive KL').toBeGreaterThan(0.01);
          const { d, entropy, partialCount } = await runKlPass(gpu, fixture, 1, 1, { maxPartials });
          const what = `${name}, batch ${samples}, ${partialCount} partial sums`;
          expect(Math.abs(d - reference), `${what}: d gpu ${d} reference ${reference}`).toBeLessThanOrEqual(KL_ATOL + KL_RTOL * Math.abs(reference));
          expect(Math.abs(entropy - entropyReference), `${what}: H gpu ${entropy} reference ${entropyReference}`).toBeLessThanOrEqual(KL_ATOL + KL_RTOL * Math.abs(entropyReference));
        }
      }
    }
  });

  gpuTest('β doubles, halves and holds: Gaussian old means crafted for a known KL, categorical against the reference', async (gpu) => {
    const beta = 0.7;
    const klTarget = 0.01;
    // One action dimension, equal log-std 0 for π_old and π_θ, old mean = new mean + δ: KL = δ² / 2 per sample.
    const action: ActionSpace = { type: 'box', size: 1, low: [-1], high: [1] };
    const cases: [string, number, number][] = [
      ['d = 3 kl_target > 1.5 kl_target: doubles', 3 * klTarget, 2],
      ['d = kl_target / 3 < kl_target / 1.5: halves', klTarget / 3, 0.5],
      ['d = kl_target: holds', klTarget, 1],
      ['d = 1.3 kl_target: holds', 1.3 * klTarget, 1],
      ['d = 0.8 kl_target: holds', 0.8 * klTarget, 1],
    ];
    for (const [what, target, factor] of cases) {
      const fixture = randomFixture(action, 77, 400);
      const { agent, layout, theta, data } = fixture;
      const M = layout.samples;
      theta[agent.logstd!.offset] = 0;
      data[layout.offsets.oldDist + M] = 0;
      const delta = Math.sqrt(2 * target);
      for (let s = 0; s < M; s++) {
        const head = mlpForward(theta, agent.actor, [0, 1, 2].map((f) => data[layout.offsets.obs + f * M + s]!));
        // Alternate signs so that the f32 rounding of the head does not bias every sample the same way.
        data[layout.offsets.oldDist + s] = head[0]! + (s % 2 === 0 ? delta : -delta);
      }
      const reference = batchKlReference(theta, agent, layout, data);
      expect(Math.abs(reference - target), `${what}: the crafted KL`).toBeLessThan(1e-5 * target);
      const result = await runKlPass(gpu, fixture, beta, klTarget);
      expect(Math.abs(result.d - target), `${what}: d ${result.d}`).toBeLessThanOrEqual(KL_ATOL + KL_RTOL * target);
      expect(result.beta, what).toBe(Math.fround(beta) * factor);
    }
    // Categorical: kl_target placed relative to the measured reference d.
    const fixture = randomFixture(discrete, 130, 401);
    const d = batchKlReference(fixture.theta, fixture.agent, fixture.layout, fixture.data);
    for (const [what, klTarget2, factor] of [
      ['d > 1.5 kl_target: doubles', d / 2, 2],
      ['d < kl_target / 1.5: halves', d * 2, 0.5],
      ['kl_target / 1.5 < d < 1.5 kl_target: holds', d * 1.2, 1],
    ] as const) {
      const result = await runKlPass(gpu, fixture, beta, klTarget2);
      expect(result.beta, `categorical, ${what}`).toBe(Math.fround(beta) * factor);
      // Without adaptBeta (every algorithm but PPO-Penalty) d is measured and β is left as it was.
      const measured = await runKlPass(gpu, fixture, beta, klTarget2, { adaptBeta: false });
      expect(measured.beta, `categorical, ${what}, adaptBeta false`).toBe(Math.fround(beta));
      expect(measured.d).toBe(result.d);
    }
  });

  gpuTest('BatchKl refuses a rollout without the old distribution and a bad maxPartials', async (gpu) => {
    const fixture = randomFixture(discrete, 8, 500);
    const plain = new RolloutLayout({ ...fixture.layout.shape, keepOldDist: false });
    const dummy = gpu.buffer({ label: 'BatchKlTest.dummy', size: 256 });
    const buffers = { params: dummy, storage: dummy, store: dummy, hyper: dummy, ppoState: dummy };
    await expect(BatchKl.create(gpu, fixture.agent, plain, buffers)).rejects.toThrow(/keepOldDist false; expected true/);
    await expect(BatchKl.create(gpu, fixture.agent, fixture.layout, buffers, { maxPartials: 0 })).rejects.toThrow(/'maxPartials' is 0; expected an integer in \[1, /);
    dummy.destroy();
  });

  /**
   * One iteration through the trainer (PPO-Penalty at update_epochs = 1, one minibatch, unless overridden): returns
   * its report, d of the float64 reference from the rollout and the parameters the update left, and the initial β.
   */
  async function oneIteration(gpu: Gpu, env: string, overrides: Record<string, unknown>): Promise<{ report: IterationReport; reference: number; initBeta: number }> {
    const initBeta = 0.5;
    const trainer = await createTrainer(
      { env, algo: 'ppo-penalty', num_envs: 8, num_steps: 16, num_minibatches: 1, update_epochs: 1, hidden_sizes: [16], init_beta: initBeta, kl_target: 0.01, seed: 3, ...overrides },
      { gpu },
    );
    try {
      const reports: IterationReport[] = [];
      await trainer.train({ totalSteps: 8 * 16, onIteration: (r) => void reports.push(r) });
      expect(reports.length).toBe(1);
      const ppo = trainer.algorithm;
      const [data, theta] = await Promise.all([readFloat32(gpu, ppo.state.storage, ppo.layout.floats), ppo.readParameters()]);
      return { report: reports[0]!, reference: batchKlReference(theta, ppo.agent, ppo.layout, data), initBeta };
    } finally {
      trainer.destroy();
    }
  }

  for (const env of ['CartPole-v1', 'Pendulum-v1']) {
    gpuTest(`${env}, update_epochs 1: a tiny step halves β (d ≈ 0), a large one doubles it (d after the update)`, async (gpu) => {
      // θ barely moves: the batch KL after the update is about 0 < kl_target / 1.5.
      const still = await oneIteration(gpu, env, { learning_rate: 1e-9 });
      expect(Math.abs(still.report.kl - still.reference), `kl ${still.report.kl} reference ${still.reference}`).toBeLessThanOrEqual(KL_ATOL + KL_RTOL * still.reference);
      expect(still.reference).toBeLessThan(1e-4);
      expect(still.report.beta).toBe(still.initBeta / 2);
      // One large Adam step moves the policy far from π_old: d > 1.5 kl_target, so β doubles. The KL measured before
      // the minibatch's step (the first minibatch's: exactly 0) would have halved it.
      const moved = await oneIteration(gpu, env, { learning_rate: 0.25 });
      expect(Math.abs(moved.report.kl - moved.reference), `kl ${moved.report.kl} reference ${moved.reference}`).toBeLessThanOrEqual(KL_ATOL + KL_RTOL * moved.reference);
      expect(moved.reference).toBeGreaterThan(1.5 * 0.01);
      expect(moved.report.beta).toBe(moved.initBeta * 2);
    }, 120_000);
  }

  gpuTest('the target-KL early stop does not skip the β rule: d is measured with the θ the stopped update left', async (gpu) => {
    // Epoch 1's minibatch sees the large step of epoch 0 (approx-KL > target_kl), so epoch 2 is skipped.
    const { report, reference, initBeta } = await oneIteration(gpu, 'CartPole-v1', { learning_rate: 0.25, update_epochs: 3, target_kl: 1e-6 });
    expect(report.earlyStopped).toBe(1);
    expect(report.minibatchesDone).toBe(2);
    expect(Math.abs(report.kl - reference), `kl ${report.kl} reference ${reference}`).toBeLessThanOrEqual(KL_ATOL + KL_RTOL * reference);
    expect(reference).toBeGreaterThan(1.5 * 0.01);
    expect(report.beta).toBe(initBeta * 2);
  }, 120_000);

  gpuTest('every algorithm reports d after its update, and only PPO-Penalty moves β', async (gpu) => {
    for (const [algo, overrides] of [
      ['ppo', { update_epochs: 2, num_minibatches: 2 }],
      ['reinforce', { psi: 'reward_to_go' }],
      ['trpo', { update_epochs: 2, num_minibatches: 2 }],
    ] as const) {
      const { report, reference, initBeta } = await oneIteration(gpu, 'CartPole-v1', { algo, learning_rate: 0.01, ...overrides });
      expect(reference, `${algo}: the update moved the policy`).toBeGreaterThan(1e-6);
      expect(Math.abs(report.kl - reference), `${algo}: kl ${report.kl} reference ${reference}`).toBeLessThanOrEqual(KL_ATOL + KL_RTOL * reference);
      expect(report.beta, `${algo}: β untouched`).toBe(initBeta);
      if (algo === 'trpo') expect(reference, 'TRPO: the step keeps KL within max_kl').toBeLessThanOrEqual(0.01 * 1.001);
    }
  }, 120_000);
});
