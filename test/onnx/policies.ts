/**
 * Policy files made without training, for the ONNX tests: the engine's own layout (AgentLayout) and initialisation
 * (CleanRL's orthogonal weights), then seeded random biases, head weights, log-std and observation statistics, so
 * that every part of the network changes the outputs (the initial head, gain 0.01 with zero biases, would give
 * nearly equal logits). The file is written as exportPolicy writes one, so loadPolicy checks it in full.
 */
import { AgentLayout, type AgentArchitecture } from '../../src/agent/agent.js';
import { FORMAT_VERSION, POLICY_FORMAT } from '../../src/checkpoint.js';
import type { EnvSpec } from '../../src/envs/spec.js';
import { encodeSafetensors, type Tensor } from '../../src/safetensors.js';
import { randomArray, seededRandom } from '../helpers/random.js';

/** A CartPole-v1-like discrete space (4 observations, 2 actions). */
export const CARTPOLE_SPEC: EnvSpec = { id: 'CartPole-v1', observationSize: 4, action: { type: 'discrete', n: 2 }, maxEpisodeSteps: 500, rewardThreshold: 475 };
/** A Pendulum-v1-like box (3 observations, one torque in [-2, 2]). */
export const PENDULUM_SPEC: EnvSpec = { id: 'Pendulum-v1', observationSize: 3, action: { type: 'box', size: 1, low: [-2], high: [2] }, maxEpisodeSteps: 200, rewardThreshold: null };
/** A box of two components with bounds of their own, the second not centred on 0. */
export const ARM_SPEC: EnvSpec = { id: 'Arm-v0', observationSize: 5, action: { type: 'box', size: 2, low: [-1, 0], high: [1, 3] }, maxEpisodeSteps: 100, rewardThreshold: null };
/** A grid observation [3, 2, 2] (outermost first) flattened to 12 floats, 3 discrete actions. */
export const GRID_SPEC: EnvSpec = { id: 'Grid-v0', observationSize: 12, observationShape: [3, 2, 2], action: { type: 'discrete', n: 3 }, maxEpisodeSteps: 100, rewardThreshold: null };

/** A grid [5, 4, 3] (for the convolutional encoder), multi-discrete heads [3, 2] with action masks. */
export const CONV_GRID_SPEC: EnvSpec = { id: 'ConvGrid-v0', observationSize: 60, observationShape: [5, 4, 3], action: { type: 'multiDiscrete', nvec: [3, 2] }, maxEpisodeSteps: 100, rewardThreshold: null, actionMask: true };

/** Multi-discrete heads [3, 2, 4] (a move, a button, a target), without masks. */
export const MULTI_SPEC: EnvSpec = { id: 'Multi-v0', observationSize: 6, action: { type: 'multiDiscrete', nvec: [3, 2, 4] }, maxEpisodeSteps: 100, rewardThreshold: null };
/** A discrete space of 5 actions with action masks. */
export const MASKED_SPEC: EnvSpec = { id: 'Masked-v0', observationSize: 4, action: { type: 'discrete', n: 5 }, maxEpisodeSteps: 100, rewardThreshold: null, actionMask: true };
/** Multi-discrete heads [4, 3] with action masks. */
export const MASKED_MULTI_SPEC: EnvSpec = { id: 'MaskedMulti-v0', observationSize: 5, action: { type: 'multiDiscrete', nvec: [4, 3] }, maxEpisodeSteps: 100, rewardThreshold: null, actionMask: true };

export interface PolicyRecipe {
  spec: EnvSpec;
  hidden: number[];
  activation: AgentArchitecture['activation'];
  /** clip_obs of the observation normalisation; absent: the policy does not normalise. */
  clipObs?: number;
  seed: number;
  /** A convolutional encoder on the spec's grid (observationShape [H, W, C]). */
  encoder?: { channels: number; kernel: number };
  /** The head's weights are uniform in [-headScale, headScale) (default 1): wide enough, a box's means reach past its bounds. */
  headScale?: number;
}

/** The observation statistics a recipe's file holds: the mean in [-1, 1), the variance in [0.01, 4), one of them 0. */
export function observationStats(recipe: PolicyRecipe): { mean: Float32Array; variance: Float32Array } {
  const random = seededRandom(recipe.seed + 1000);
  const O = recipe.spec.observationSize;
  const variance = randomArray(random, O, 0.01, 4);
  // A zero variance (a component that never changed in training): the 1e-8 keeps the division finite.
  variance[O - 1] = 0;
  return { mean: randomArray(random, O), variance };
}

/** The bytes of a policy file for `recipe` (format, env, architecture metadata and tensors as exportPolicy writes them). */
export function policyFile(recipe: PolicyRecipe): Uint8Array {
  const shape = recipe.spec.observationShape;
  const architecture: AgentArchitecture = {
    observationSize: recipe.spec.observationSize,
    action: recipe.spec.action,
    hidden: recipe.hidden,
    activation: recipe.activation,
    ...(recipe.encoder ? { encoder: { inputShape: [shape![0]!, shape![1]!, shape![2]!] as [number, number, number], conv: [recipe.encoder] } } : {}),
  };
  const agent = new AgentLayout(architecture);
  const flat = agent.initialParameters(recipe.seed);
  const random = seededRandom(recipe.seed);
  const head = agent.actor[agent.actor.length - 1]!;
  for (const view of [...agent.actorConv.map((layer) => layer.bias), ...agent.actor.map((layer) => layer.bias), ...(agent.logstd ? [agent.logstd] : [])]) {
    flat.set(randomArray(random, view.size, -1, 1), view.offset);
  }
  const scale = recipe.headScale ?? 1;
  flat.set(randomArray(random, head.weight.size, -scale, scale), head.weight.offset);
  const tensors = new Map<string, Tensor>();
  for (const view of agent.table.views) {
    if (view.name.startsWith('actor')) tensors.set(view.name, { dtype: 'F32', shape: view.shape, data: flat.slice(view.offset, view.offset + view.size) });
  }
  const metadata: Record<string, string> = {
    format: POLICY_FORMAT,
    format_version: FORMAT_VERSION,
    env: JSON.stringify(recipe.spec),
    architecture: JSON.stringify(architecture),
    trained_steps: '0',
    algo: 'ppo',
  };
  if (recipe.clipObs !== undefined) {
    const { mean, variance } = observationStats(recipe);
    const O = recipe.spec.observationSize;
    tensors.set('obs_norm.mean', { dtype: 'F32', shape: [O], data: mean });
    tensors.set('obs_norm.var', { dtype: 'F32', shape: [O], data: variance });
    metadata.obs_normalization = JSON.stringify({ clip_obs: recipe.clipObs });
  }
  return encodeSafetensors(tensors, metadata);
}
