/**
 * Seeded TRPO test cases: an agent with parameters away from CleanRL's near-uniform initial policy, a rollout
 * storage holding random observations, actions, stored log-probabilities (the parameters' own plus noise, so
 * ratios differ from 1) and advantages, the same samples for the float64 reference (reference/trpo.ts), and a
 * TrpoUpdate bound to GPU copies of them.
 */
import type { Gpu } from '../../src/gpu/device.js';
import { readFloat32 } from '../../src/gpu/readback.js';
import { AgentLayout, actionWidth } from '../../src/agent/agent.js';
import { RolloutLayout } from '../../src/ppo/storage.js';
import { TrpoUpdate, type TrpoSettings } from '../../src/trpo/update.js';
import { categoricalHeads, type ActionSpace } from '../../src/envs/spec.js';
import { headStarts } from '../../shaders/distributions.js';
import { randomArray, seededRandom } from '../helpers/random.js';
import { headsLogSoftmax, maskLogits, mlpForward } from '../../reference/ppo.js';
import type { TrpoSample } from '../../reference/trpo.js';

export const CATEGORICAL: ActionSpace = { type: 'discrete', n: 3 };
export const MULTI_DISCRETE: ActionSpace = { type: 'multiDiscrete', nvec: [3, 2, 4] };
export const GAUSSIAN: ActionSpace = { type: 'box', size: 2, low: [-1, -1], high: [1, 1] };

export interface CaseSpec {
  action: ActionSpace;
  hidden: number[];
  obsSize?: number;
  numEnvs: number;
  numSteps: number;
  /** Spread of the stored log-probabilities around the parameters' own (0: ratios of 1, as in training). */
  logprobNoise?: number;
  /** Spread of the parameters around CleanRL's initialisation. */
  paramNoise?: number;
  /** Categorical actions: random action masks (each action allowed with probability 0.6, at least one per head). */
  masked?: boolean;
}

export interface TrpoCase {
  agent: AgentLayout;
  layout: RolloutLayout;
  theta0: Float32Array;
  data: Float32Array;
  samples: TrpoSample[];
}

export function makeCase(seed: number, spec: CaseSpec): TrpoCase {
  const random = seededRandom(seed);
  const obsSize = spec.obsSize ?? 3;
  const agent = new AgentLayout({ observationSize: obsSize, action: spec.action, hidden: spec.hidden, activation: 'tanh' });
  const layout = new RolloutLayout({
    numEnvs: spec.numEnvs,
    numSteps: spec.numSteps,
    obsSize,
    actionWidth: actionWidth(spec.action),
    policyOutputs: agent.policyOutputs,
    keepOldDist: false,
    masked: spec.masked === true,
  });
  const M = layout.samples;
  const theta0 = agent.initialParameters(seed);
  const paramNoise = spec.paramNoise ?? 0.6;
  for (let i = 0; i < theta0.length; i++) theta0[i] = theta0[i]! + paramNoise * (random() - 0.5);
  if (agent.logstd) theta0.set(randomArray(random, agent.logstd.size, -0.6, 0.1), agent.logstd.offset);
  const data = new Float32Array(layout.floats);
  const o = layout.offsets;
  const samples: TrpoSample[] = [];
  const noise = spec.logprobNoise ?? 0.4;
  for (let s = 0; s < M; s++) {
    const obs = Array.from(randomArray(random, obsSize, -2, 2));
    obs.forEach((v, f) => (data[o.obs + f * M + s] = v));
    const head = mlpForward(theta0, agent.actor, obs);
    let action: number[];
    let logprob: number;
    let mask: number[] | undefined;
    const heads = categoricalHeads(spec.action);
    if (heads) {
      const starts = headStarts(heads);
      if (spec.masked) {
        mask = head.map(() => (random() < 0.6 ? 1 : 0));
        starts.forEach((start, h) => {
          if (mask!.slice(start, start + heads[h]!).every((m) => m === 0)) mask![start + Math.floor(random() * heads[h]!)] = 1;
        });
        mask.forEach((m, j) => (data[o.masks + j * M + s] = m));
      }
      // Each head's action uniformly among its allowed ones.
      action = heads.map((n, h) => {
        const allowed = Array.from({ length: n }, (_, a) => a).filter((a) => !mask || mask[starts[h]! + a] === 1);
        return allowed[Math.floor(random() * allowed.length)]!;
      });
      const logp = headsLogSoftmax(maskLogits(head, mask), heads);
      logprob = starts.reduce((sum, start, h) => sum + logp[start + action[h]!]!, 0);
    } else {
      const logstd = Array.from(theta0.subarray(agent.logstd!.offset, agent.logstd!.offset + agent.logstd!.size));
      action = head.map((m, d) => Math.fround(m + Math.exp(logstd[d]!) * (2 * random() - 1)));
      logprob = action.reduce((sum, a, d) => {
        const u = (a - head[d]!) / Math.exp(logstd[d]!);
        return sum - 0.5 * u * u - logstd[d]! - 0.5 * Math.log(2 * Math.PI);
      }, 0);
    }
    action.forEach((v, d) => (data[o.actions + d * M + s] = v));
    const oldLogprob = Math.fround(logprob + noise * (random() - 0.5));
    const advantage = Math.fround(3 * (random() - 0.4));
    data[o.logprobs + s] = oldLogprob;
    data[o.advantages + s] = advantage;
    samples.push({ obs: obs.map(Math.fround), action: action.map(Math.fround), oldLogprob, advantage, ...(mask ? { mask } : {}) });
  }
  return { agent, layout, theta0, data, samples };
}

export interface BoundCase {
  update: TrpoUpdate;
  params: GPUBuffer;
  storage: GPUBuffer;
  store: GPUBuffer;
  /** The flat layout's floats of a buffer (parameters or a CG vector). */
  read(buffer: GPUBuffer): Promise<Float32Array>;
  destroy(): void;
}

/** GPU copies of the case's parameters and rollout, and a TrpoUpdate over them. */
export async function bindCase(gpu: Gpu, c: TrpoCase, settings: Partial<TrpoSettings> = {}): Promise<BoundCase> {
  const storage = gpu.buffer({ label: 'TrpoTest.storage', size: c.layout.bytes, data: c.data });
  const params = gpu.buffer({ label: 'TrpoTest.params', size: c.agent.table.byteSize, data: c.theta0 });
  const store = c.layout.allocateUniform(gpu, 'TrpoTest.layout');
  const update = await TrpoUpdate.create(gpu, c.agent, c.layout, settings, { params, storage, store });
  return {
    update,
    params,
    storage,
    store,
    read: (buffer) => readFloat32(gpu, buffer, c.agent.table.size),
    destroy: () => {
      update.destroy();
      for (const b of [storage, params, store]) gpu.destroyBuffer(b);
    },
  };
}

/** A random direction on the actor's entries (zero elsewhere), in the flat layout. */
export function randomDirection(seed: number, agent: AgentLayout, indices: number[], scale = 1): Float32Array {
  const random = seededRandom(seed);
  const v = new Float32Array(agent.table.size);
  for (const i of indices) v[i] = scale * (2 * random() - 1);
  return v;
}

/** The largest |a_i - b_i| relative to max |b| over `indices` (a scale-free error of a whole vector), and max |b|. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>, indices: number[]): { error: number; scale: number } {
  let worst = 0;
  let scale = 0;
  for (const i of indices) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return { error: scale > 0 ? worst / scale : worst, scale };
}
