/**
 * The one-step algorithms (a2c, reinforce) run PPO's update with one epoch of one minibatch. This file checks that
 * this IS the policy gradient: on a rollout whose log-probabilities and values are π_θ's own (what a rollout of the
 * current parameters stores), the update's gradient equals central finite differences of the actor-critic loss
 * written from its definition, with no ratio and no clip,
 *
 *   L(θ) = mean_s[-ψ_s log π_θ(a_s|s)] - c₂ mean_s H[π_θ(·|s)] + c₁ ½ mean_s (V_θ(s) - R_s)²,
 *
 * categorical and Gaussian heads; and that a2c, run by the trainer, equals PPO-Clip with one epoch, one minibatch, no
 * advantage normalisation and a clip so wide that it never binds ("A2C is a special case of PPO").
 */
import { describe, expect } from 'vitest';
import type { Gpu } from '../../src/gpu/device.js';
import { readFloat32 } from '../../src/gpu/readback.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { AgentLayout, actionWidth } from '../../src/agent/agent.js';
import { RolloutLayout } from '../../src/ppo/storage.js';
import { RunnerState } from '../../src/ppo/runnerState.js';
import { PpoUpdate } from '../../src/ppo/update.js';
import { createTrainer } from '../../src/createTrainer.js';
import type { ActionSpace } from '../../src/envs/spec.js';
import { gpuTest } from '../helpers/gpu.js';
import { expectClose, randomArray, seededRandom } from '../helpers/random.js';
import { logSoftmax, mlpForward } from '../../reference/ppo.js';

const OBS_SIZE = 3;
const NUM_ENVS = 5;
const NUM_STEPS = 7;
const ENT_COEF = 0.03;
const VF_COEF = 0.6;
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

interface Sample {
  obs: number[];
  action: number[];
  psi: number;
  ret: number;
}

function logProbAndEntropy(theta: ArrayLike<number>, agent: AgentLayout, action: ActionSpace, s: Sample): { logprob: number; entropy: number } {
  const head = mlpForward(theta, agent.actor, s.obs);
  if (action.type === 'discrete') {
    const logp = logSoftmax(head);
    return { logprob: logp[s.action[0]!]!, entropy: -logp.reduce((sum, l) => sum + Math.exp(l) * l, 0) };
  }
  const logstd = Array.from({ length: head.length }, (_, d) => theta[agent.logstd!.offset + d]!);
  const logprob = s.action.reduce((sum, a, d) => sum - 0.5 * ((a - head[d]!) / Math.exp(logstd[d]!)) ** 2 - logstd[d]! - HALF_LOG_TWO_PI, 0);
  return { logprob, entropy: logstd.reduce((sum, l) => sum + l + 0.5 + HALF_LOG_TWO_PI, 0) };
}

/** The actor-critic loss from its definition (no ratio, no clip). */
function actorCriticLoss(theta: ArrayLike<number>, agent: AgentLayout, action: ActionSpace, samples: Sample[]): number {
  let loss = 0;
  for (const s of samples) {
    const { logprob, entropy } = logProbAndEntropy(theta, agent, action, s);
    const value = mlpForward(theta, agent.critic, s.obs)[0]!;
    loss += -s.psi * logprob - ENT_COEF * entropy + VF_COEF * 0.5 * (value - s.ret) ** 2;
  }
  return loss / samples.length;
}

function finiteDifferences(f: (theta: Float64Array) => number, theta0: ArrayLike<number>, h = 1e-5): Float64Array {
  const theta = Float64Array.from(theta0);
  const gradient = new Float64Array(theta.length);
  for (let i = 0; i < theta.length; i++) {
    const x = theta[i]!;
    theta[i] = x + h;
    const up = f(theta);
    theta[i] = x - h;
    const down = f(theta);
    theta[i] = x;
    gradient[i] = (up - down) / (2 * h);
  }
  return gradient;
}

async function checkGradient(gpu: Gpu, action: ActionSpace, seed: number): Promise<void> {
  const random = seededRandom(seed);
  const agent = new AgentLayout({ observationSize: OBS_SIZE, action, hidden: [5, 4], activation: 'tanh' });
  const layout = new RolloutLayout({ numEnvs: NUM_ENVS, numSteps: NUM_STEPS, obsSize: OBS_SIZE, actionWidth: actionWidth(action), policyOutputs: agent.policyOutputs, keepOldDist: false });
  const M = layout.samples;
  const theta0 = agent.initialParameters(seed);
  for (let i = 0; i < theta0.length; i++) theta0[i] = theta0[i]! + 0.3 * (random() - 0.5);
  if (agent.logstd) theta0.set(randomArray(random, agent.logstd.size, -0.5, 0.2), agent.logstd.offset);
  const data = new Float32Array(layout.floats);
  const o = layout.offsets;
  const samples: Sample[] = [];
  for (let s = 0; s < M; s++) {
    const obs = Array.from(randomArray(random, OBS_SIZE, -2, 2));
    const head = mlpForward(theta0, agent.actor, obs);
    const actionValues =
      action.type === 'discrete' ? [Math.floor(random() * action.n)] : head.map((m, d) => Math.fround(m + Math.exp(theta0[agent.logstd!.offset + d]!) * (2 * random() - 1)));
    const sample: Sample = { obs, action: actionValues, psi: Math.fround(3 * (random() - 0.3)), ret: Math.fround(2 * (random() - 0.5)) };
    samples.push(sample);
    obs.forEach((v, f) => (data[o.obs + f * M + s] = v));
    actionValues.forEach((v, d) => (data[o.actions + d * M + s] = v));
    // What a rollout of theta0 stores: π_θ0's log-probability and V_θ0.
    data[o.logprobs + s] = logProbAndEntropy(theta0, agent, action, sample).logprob;
    data[o.values + s] = mlpForward(theta0, agent.critic, obs)[0]!;
    data[o.advantages + s] = sample.psi;
    data[o.returns + s] = sample.ret;
  }
  const state = new RunnerState(gpu, { agent, layout, updateEpochs: 1, numMinibatches: 1, learningRate: 1e-3, initBeta: 1, seed: 1 }, 'OneStepTest');
  const update = await PpoUpdate.create(gpu, agent, layout, { algo: 'clip', numMinibatches: 1, updateEpochs: 1, learningRate: 1e-3, adamEps: 1e-5, maxGradNorm: 0 }, state);
  try {
    gpu.write(state.storage, 0, data);
    gpu.write(state.params, 0, theta0);
    update.prepare({ clipCoef: 0.2, entCoef: ENT_COEF, vfCoef: VF_COEF, targetKl: -1, normAdv: false, clipVloss: false, iteration: 1, seed: 1, klTarget: 0.01 }, 1e-3);
    const recorder = new Recorder(gpu, 'OneStepTest.encoder');
    update.encodeEpochStart(recorder, 0);
    update.encodeGradient(recorder, 0, 0);
    recorder.submit();
    const got = await readFloat32(gpu, state.grads, agent.table.size);
    const expected = finiteDifferences((theta) => actorCriticLoss(theta, agent, action, samples), theta0);
    const scale = expected.reduce((max, g) => Math.max(max, Math.abs(g)), 0);
    // float32 gradients carry ~1e-6 of the gradient's scale; differences in float64 at h = 1e-5 ~1e-9.
    expectClose(got, expected, { atol: 2e-5 * scale, rtol: 1e-4 }, 'gradient of the one-step update');
  } finally {
    update.destroy();
    state.destroy();
  }
}

describe('the one-step update is the policy gradient', () => {
  gpuTest('categorical head: the gradient equals differences of -ψ log π - c₂ H + c₁ ½ (V - R)²', (gpu) => checkGradient(gpu, { type: 'discrete', n: 3 }, 5));
  gpuTest('Gaussian head: the gradient equals differences of -ψ log π - c₂ H + c₁ ½ (V - R)²', (gpu) => checkGradient(gpu, { type: 'box', size: 2, low: [-1, -1], high: [1, 1] }, 6));
});

describe('A2C is a special case of PPO', () => {
  gpuTest('a2c equals ppo with one epoch, one minibatch, no advantage normalisation and a clip that never binds', async (gpu) => {
    const base = { env: 'CartPole-v1', seed: 3, num_envs: 4, num_steps: 5, total_timesteps: 200 };
    const a2c = await createTrainer({ ...base, algo: 'a2c' }, { gpu });
    const resolved = { ...a2c.config };
    const ppo = await createTrainer({ ...resolved, algo: 'ppo', clip_coef: 1e6 }, { gpu });
    try {
      expect([a2c.config.update_epochs, a2c.config.num_minibatches, a2c.config.norm_adv, a2c.config.gae_lambda]).toEqual([1, 1, false, 1]);
      await a2c.train();
      await ppo.train();
      const [p1, p2] = await Promise.all([a2c.algorithm.readParameters(), ppo.algorithm.readParameters()]);
      // The same kernels on the same adapter with the same seeds, and a clip that is inactive at r = 1 in both:
      // equal bit for bit, after 10 iterations that moved the parameters.
      expect(Array.from(p1)).toEqual(Array.from(p2));
      const initial = await createTrainer({ ...base, algo: 'a2c' }, { gpu });
      try {
        const p0 = await initial.algorithm.readParameters();
        expect(Array.from(p0)).not.toEqual(Array.from(p1));
      } finally {
        initial.destroy();
      }
    } finally {
      a2c.destroy();
      ppo.destroy();
    }
  });
});
