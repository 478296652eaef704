/**
 * Policies and checkpoints as safetensors files (src/safetensors.ts): tensors named as the parameter table names
 * them (`actor.0.weight` [inputs, outputs], ...), everything else in the header's `__metadata__` (strings; JSON
 * where structured). Two kinds:
 *
 *   policy      (`exportPolicy`, `loadPolicy`):  the actor, for box actions actor_logstd, and when the trainer
 *               normalises observations their running mean and variance (`obs_norm.mean`, `obs_norm.var`) — the
 *               inference part, small; loadPolicy runs it on the GPU or in plain JavaScript.
 *   checkpoint  (`saveTrainer`, `loadTrainer`): every parameter, Adam's moments and control block, PPO's beta, the
 *               environments' state and counters, the running episode statistics, the iteration and step counters
 *               and the resolved configuration — a run resumes where it stopped.
 *
 * Loading validates the whole file first (format, version, environment, architecture, every tensor's shape) and
 * throws CheckpointError naming what is wrong; nothing is created or changed until the file has passed.
 */
import { getGpu, type Gpu } from './gpu/device.js';
import { readBuffer } from './gpu/readback.js';
import { getEnvDefinition } from './envs/registry.js';
import type { ActionSpace, EnvSpec } from './envs/spec.js';
import { AgentLayout, type AgentArchitecture } from './algos/agent.js';
import type { TrainerConfig } from './algos/config.js';
import { createBuffer, destroyBuffer } from './gpu/buffers.js';
import { initialNormStats } from '../shaders/normalize.js';
import { CpuPolicy } from './cpuPolicy.js';
import { GpuPolicy } from './policy.js';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type Tensor } from './safetensors.js';
import { Trainer } from './trainer.js';

export const POLICY_FORMAT = 'webgpu-rl/policy';
export const CHECKPOINT_FORMAT = 'webgpu-rl/checkpoint';
export const FORMAT_VERSION = '1';

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

function specOf(spec: EnvSpec): EnvSpec {
  return {
    id: spec.id,
    observationSize: spec.observationSize,
    action: spec.action,
    maxEpisodeSteps: spec.maxEpisodeSteps,
    rewardThreshold: spec.rewardThreshold,
  };
}

function architectureOf(trainer: Trainer): AgentArchitecture {
  return trainer.algorithm.agent.architecture;
}

/** The actor's tensors (and actor_logstd) out of a flat parameter array. */
function policyTensors(agent: AgentLayout, flat: Float32Array): Map<string, Tensor> {
  const tensors = new Map<string, Tensor>();
  for (const view of agent.table.views) {
    if (!view.name.startsWith('actor')) continue;
    tensors.set(view.name, { dtype: 'F32', shape: view.shape, data: flat.slice(view.offset, view.offset + view.size) });
  }
  return tensors;
}

/** The inference part of a trainer's policy, as a safetensors file. */
export async function exportPolicy(trainer: Trainer): Promise<Uint8Array<ArrayBuffer>> {
  await trainer.settle();
  const flat = await trainer.algorithm.readParameters();
  const tensors = policyTensors(trainer.algorithm.agent, flat);
  const metadata: Record<string, string> = {
    format: POLICY_FORMAT,
    format_version: FORMAT_VERSION,
    env: JSON.stringify(specOf(trainer.spec)),
    architecture: JSON.stringify(architectureOf(trainer)),
    trained_steps: String(trainer.globalStep),
    algo: trainer.config.algo,
  };
  if (trainer.config.norm_obs) {
    const O = trainer.spec.observationSize;
    const stats = new Float32Array(await readBuffer(trainer.gpu, trainer.algorithm.normalizer.stats, 3 * O * 4));
    tensors.set('obs_norm.mean', { dtype: 'F32', shape: [O], data: Float32Array.from({ length: O }, (_, d) => stats[3 * d + 1]!) });
    tensors.set('obs_norm.var', { dtype: 'F32', shape: [O], data: Float32Array.from({ length: O }, (_, d) => stats[3 * d + 2]!) });
    metadata.obs_normalization = JSON.stringify({ clip_obs: trainer.config.clip_obs });
  }
  return encodeSafetensors(tensors, metadata);
}

interface ObsNormalization {
  mean: Float32Array;
  variance: Float32Array;
  clipObs: number;
}

/** The observation statistics of a policy file, checked, or undefined when the policy does not normalise. */
function readObsNormalization(header: Header): ObsNormalization | undefined {
  if (header.metadata.obs_normalization === undefined) return undefined;
  const { clip_obs: clipObs } = parseJson<{ clip_obs: number }>(header.metadata, 'obs_normalization');
  if (!(typeof clipObs === 'number' && clipObs > 0)) throw new CheckpointError(`the file's obs_normalization metadata is malformed: ${header.metadata.obs_normalization}`);
  const O = header.spec.observationSize;
  const get = (name: string) => {
    const tensor = header.tensors.get(name);
    if (!tensor || tensor.dtype !== 'F32' || tensor.shape.join(',') !== String(O)) {
      throw new CheckpointError(`the file normalises observations but its tensor '${name}' is ${tensor ? `${tensor.dtype} [${tensor.shape.join(', ')}]` : 'missing'}; expected F32 [${O}]`);
    }
    if (tensor.data.some((v) => !Number.isFinite(v)) || (name.endsWith('var') && tensor.data.some((v) => v < 0))) {
      throw new CheckpointError(`tensor '${name}' holds a non-finite or negative value`);
    }
    return tensor.data as Float32Array;
  };
  return { mean: get('obs_norm.mean'), variance: get('obs_norm.var'), clipObs };
}

/** The full training state, as a safetensors file (see the header). */
export async function saveTrainer(trainer: Trainer): Promise<Uint8Array<ArrayBuffer>> {
  await trainer.settle();
  const ppo = trainer.algorithm;
  const flat = await ppo.readParameters();
  const tensors = new Map<string, Tensor>();
  for (const view of ppo.agent.table.views) {
    tensors.set(view.name, { dtype: 'F32', shape: view.shape, data: flat.slice(view.offset, view.offset + view.size) });
  }
  for (const entry of ppo.persistentBuffers()) {
    const bytes = await readBuffer(trainer.gpu, entry.buffer, entry.count * 4);
    tensors.set(entry.name, { dtype: entry.dtype, shape: [entry.count], data: entry.dtype === 'F32' ? new Float32Array(bytes) : new Uint32Array(bytes) });
  }
  // JavaScript environments: their state lives in the game's objects (saved when the game implements getState).
  for (const entry of await ppo.hostState()) {
    tensors.set(entry.name, { dtype: entry.data instanceof Float32Array ? 'F32' : 'U32', shape: [entry.data.length], data: entry.data });
  }
  return encodeSafetensors(tensors, {
    format: CHECKPOINT_FORMAT,
    format_version: FORMAT_VERSION,
    env: JSON.stringify(specOf(trainer.spec)),
    architecture: JSON.stringify(architectureOf(trainer)),
    config: JSON.stringify(trainer.config),
    iteration: String(ppo.iteration),
    global_step: String(ppo.globalStep),
    solved_at_step: JSON.stringify(trainer.solvedAtStep),
  });
}

interface Header {
  spec: EnvSpec;
  architecture: AgentArchitecture;
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** Reads and checks format, version, environment and architecture; returns the parsed header. */
function readHeader(bytes: Uint8Array, format: string, expectedEnv?: string): Header {
  let file;
  try {
    file = decodeSafetensors(bytes);
  } catch (error) {
    if (error instanceof SafetensorsError) throw new CheckpointError(`not a valid ${format} file: ${error.message}`);
    throw error;
  }
  const { metadata, tensors } = file;
  if (metadata.format !== format) {
    const other = metadata.format === POLICY_FORMAT || metadata.format === CHECKPOINT_FORMAT;
    throw new CheckpointError(
      `the file's format is ${JSON.stringify(metadata.format)}; expected '${format}'` +
        (other ? ` (use ${format === POLICY_FORMAT ? 'loadTrainer' : 'loadPolicy'} for this file)` : ''),
    );
  }
  if (metadata.format_version !== FORMAT_VERSION) {
    throw new CheckpointError(`the file's format_version is ${JSON.stringify(metadata.format_version)}; this engine reads version ${FORMAT_VERSION}`);
  }
  const spec = parseJson<EnvSpec>(metadata, 'env');
  const architecture = parseJson<AgentArchitecture>(metadata, 'architecture');
  if (typeof spec?.id !== 'string' || !Number.isInteger(spec.observationSize) || !isActionSpace(spec.action)) {
    throw new CheckpointError(`the file's env metadata is malformed: ${metadata.env}`);
  }
  if (expectedEnv !== undefined && spec.id !== expectedEnv) {
    throw new CheckpointError(`the file holds a policy for '${spec.id}', not for '${expectedEnv}'`);
  }
  if (
    !Array.isArray(architecture?.hidden) ||
    !architecture.hidden.every((w) => Number.isInteger(w) && w > 0) ||
    !['tanh', 'relu'].includes(architecture.activation) ||
    architecture.observationSize !== spec.observationSize ||
    JSON.stringify(architecture.action) !== JSON.stringify(spec.action)
  ) {
    throw new CheckpointError(`the file's architecture metadata is malformed or disagrees with its env: ${metadata.architecture}`);
  }
  return { spec, architecture, tensors, metadata };
}

function parseJson<T>(metadata: Record<string, string>, key: string): T {
  if (metadata[key] === undefined) throw new CheckpointError(`the file has no '${key}' metadata`);
  try {
    return JSON.parse(metadata[key]!) as T;
  } catch {
    throw new CheckpointError(`the file's '${key}' metadata is not JSON: ${metadata[key]!.slice(0, 80)}`);
  }
}

function isActionSpace(action: unknown): action is ActionSpace {
  const a = action as ActionSpace;
  if (a?.type === 'discrete') return Number.isInteger(a.n) && a.n > 0;
  return a?.type === 'box' && Number.isInteger(a.size) && Array.isArray(a.low) && Array.isArray(a.high);
}

/** Checks that every view named `names` is present with the table's shape; fills `flat`. */
function fillFromTensors(agent: AgentLayout, tensors: Map<string, Tensor>, flat: Float32Array, include: (name: string) => boolean): void {
  for (const view of agent.table.views) {
    if (!include(view.name)) continue;
    const tensor = tensors.get(view.name);
    if (!tensor) throw new CheckpointError(`the file has no tensor '${view.name}' (shape [${view.shape.join(', ')}])`);
    if (tensor.dtype !== 'F32' || tensor.shape.join(',') !== view.shape.join(',')) {
      throw new CheckpointError(`tensor '${view.name}' is ${tensor.dtype} [${tensor.shape.join(', ')}]; the architecture in the header needs F32 [${view.shape.join(', ')}]`);
    }
    for (let i = 0; i < tensor.data.length; i++) {
      if (!Number.isFinite(tensor.data[i])) throw new CheckpointError(`tensor '${view.name}' holds a non-finite value at index ${i}`);
    }
    flat.set(tensor.data as Float32Array, view.offset);
  }
}

export interface LoadPolicyOptions {
  /** 'gpu' (default; batched, one round trip per call) or 'cpu' (plain JavaScript, synchronous actSync). */
  backend?: 'gpu' | 'cpu';
  /** Refuse a policy trained on another environment. */
  env?: string;
  gpu?: Gpu;
  /** Seed of sampled actions. */
  seed?: number;
}

export type LoadedPolicy = (GpuPolicy | CpuPolicy) & { readonly trainedSteps: number };

/** A policy file as a CpuPolicy (plain JavaScript, synchronous actSync) or a GpuPolicy (default), after validating all of it. */
export function loadPolicy(bytes: Uint8Array, options: LoadPolicyOptions & { backend: 'cpu' }): Promise<CpuPolicy & { readonly trainedSteps: number }>;
export function loadPolicy(bytes: Uint8Array, options?: LoadPolicyOptions & { backend?: 'gpu' }): Promise<GpuPolicy & { readonly trainedSteps: number }>;
export function loadPolicy(bytes: Uint8Array, options?: LoadPolicyOptions): Promise<LoadedPolicy>;
export async function loadPolicy(bytes: Uint8Array, options: LoadPolicyOptions = {}): Promise<LoadedPolicy> {
  const header = readHeader(bytes, POLICY_FORMAT, options.env);
  const agent = new AgentLayout(header.architecture);
  const flat = new Float32Array(agent.table.size);
  fillFromTensors(agent, header.tensors, flat, (name) => name.startsWith('actor'));
  const trainedSteps = Number(header.metadata.trained_steps ?? 0);
  const normalization = readObsNormalization(header);
  if ((options.backend ?? 'gpu') === 'cpu') {
    const layers = agent.actor.map((layer) => ({
      ...layer.shape,
      weight: flat.slice(layer.weight.offset, layer.weight.offset + layer.weight.size),
      bias: flat.slice(layer.bias.offset, layer.bias.offset + layer.bias.size),
    }));
    const logstd = agent.logstd ? flat.slice(agent.logstd.offset, agent.logstd.offset + agent.logstd.size) : undefined;
    return Object.assign(new CpuPolicy(header.spec, layers, logstd, options.seed ?? 0, normalization), { trainedSteps });
  }
  const gpu = options.gpu ?? (await getGpu());
  const params = createBuffer(gpu, { label: 'LoadedPolicy.params', size: agent.table.byteSize, data: flat });
  const stats = initialNormStats(header.spec.observationSize);
  normalization?.mean.forEach((m, d) => (stats[3 * d + 1] = m));
  normalization?.variance.forEach((v, d) => (stats[3 * d + 2] = v));
  const norm = createBuffer(gpu, { label: 'LoadedPolicy.obsNorm', size: stats.byteLength, data: stats });
  // The policy reads these buffers but does not own them (a trainer's policy reads the trainer's): free them with it.
  const release = () => {
    destroyBuffer(gpu, params);
    destroyBuffer(gpu, norm);
  };
  let policy: GpuPolicy;
  try {
    policy = await GpuPolicy.create(gpu, header.spec, agent, { params, norm }, normalization ? { clipObs: normalization.clipObs } : undefined, options.seed ?? 0);
  } catch (error) {
    release();
    throw error;
  }
  const destroyPolicy = policy.destroy.bind(policy);
  return Object.assign(policy, {
    trainedSteps,
    destroy() {
      destroyPolicy();
      release();
    },
  });
}

/** Rebuilds a trainer from saveTrainer's bytes: same configuration, parameters, optimizer, environments, counters. */
export async function loadTrainer(bytes: Uint8Array, options: { gpu?: Gpu } = {}): Promise<Trainer> {
  const header = readHeader(bytes, CHECKPOINT_FORMAT);
  const config = parseJson<TrainerConfig>(header.metadata, 'config');
  if (config.env !== header.spec.id) throw new CheckpointError(`the file's config is for '${config.env}' but its env metadata for '${header.spec.id}'`);
  const definition = getEnvDefinition(config.env);
  if (definition.observationSize !== header.spec.observationSize || JSON.stringify(definition.action) !== JSON.stringify(header.spec.action)) {
    throw new CheckpointError(`the registered environment '${config.env}' has other spaces than the checkpoint's (observation ${definition.observationSize} vs ${header.spec.observationSize})`);
  }
  // Validate every tensor before building anything on the GPU.
  const agent = new AgentLayout(header.architecture);
  const flat = new Float32Array(agent.table.size);
  fillFromTensors(agent, header.tensors, flat, () => true);
  const trainer = await Trainer.create(config, options.gpu);
  try {
    const ppo = trainer.algorithm;
    const entries = ppo.persistentBuffers();
    for (const entry of entries) {
      const tensor = header.tensors.get(entry.name);
      if (!tensor || tensor.dtype !== entry.dtype || tensor.data.length !== entry.count) {
        throw new CheckpointError(`the file's tensor '${entry.name}' is ${tensor ? `${tensor.dtype} [${tensor.shape.join(', ')}]` : 'missing'}; expected ${entry.dtype} [${entry.count}]`);
      }
    }
    ppo.writeParameters(flat);
    for (const entry of entries) trainer.gpu.write(entry.buffer, 0, header.tensors.get(entry.name)!.data);
    ppo.iteration = Number(header.metadata.iteration ?? 0);
    ppo.globalStep = Number(header.metadata.global_step ?? 0);
    trainer.solvedAtStep = JSON.parse(header.metadata.solved_at_step ?? 'null') as number | null;
    const host = new Map([...header.tensors].filter(([name]) => name.startsWith('js.')).map(([name, t]) => [name, t.data]));
    const n = config.num_envs;
    const expected: Record<string, number> = { 'js.obs': n * header.spec.observationSize, 'js.running_return': n, 'js.running_length': n, 'js.episode_steps': n };
    for (const [name, length] of Object.entries(expected)) {
      const data = host.get(name);
      if (host.size > 0 && data?.length !== length) throw new CheckpointError(`the file's tensor '${name}' has ${data?.length ?? 'no'} values; expected ${length} (num_envs ${n})`);
    }
    if (ppo.restoreHostState(host)) ppo.markStarted();
    return trainer;
  } catch (error) {
    trainer.destroy();
    throw error;
  }
}

/** What a checkpoint holds besides its tensors: read and checked without building anything (no GPU). */
export interface CheckpointInfo {
  spec: EnvSpec;
  architecture: AgentArchitecture;
  /** The resolved configuration the run was trained with. */
  config: TrainerConfig;
  /** Completed iterations and environment steps at the time of the save. */
  iteration: number;
  globalStep: number;
}

/** The metadata of saveTrainer's bytes (format, version, environment, architecture, configuration, counters). */
export function readCheckpointInfo(bytes: Uint8Array): CheckpointInfo {
  const header = readHeader(bytes, CHECKPOINT_FORMAT);
  const config = parseJson<TrainerConfig>(header.metadata, 'config');
  if (typeof config !== 'object' || config === null || config.env !== header.spec.id) {
    throw new CheckpointError(`the file's config is not a configuration for its env '${header.spec.id}': ${header.metadata.config!.slice(0, 80)}`);
  }
  const counter = (key: string): number => {
    const value = Number(header.metadata[key] ?? 0);
    if (!Number.isSafeInteger(value) || value < 0) throw new CheckpointError(`the file's '${key}' metadata is ${JSON.stringify(header.metadata[key])}; expected a non-negative integer`);
    return value;
  };
  return { spec: header.spec, architecture: header.architecture, config, iteration: counter('iteration'), globalStep: counter('global_step') };
}
