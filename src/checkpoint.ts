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
 *               and the resolved configuration — a run resumes where it stopped. A self-play run (a two-player
 *               game) also holds its pool: every slot's parameters (`selfplay.pool`, f32 [window x P]) and the
 *               book (`self_play` metadata: the learner's and every slot's Elo, the snapshots taken and the step
 *               of the last one, from which the next is due); each environment's opponent and side are in the
 *               episode tracker with its other per-environment state.
 *
 * Loading validates the whole file first (format, version, environment, architecture and its sizes, every
 * tensor's shape and values, the counters, the configuration) and throws CheckpointError naming what is wrong;
 * nothing is created or changed until the file has passed. A file comes as a Uint8Array (a Node Buffer, at any
 * offset of its memory), an ArrayBuffer, or a Blob / fetch Response.
 */
import { getGpu, type Gpu } from './gpu/device.js';
import { readBuffer, readFloat32 } from './gpu/readback.js';
import { getEnvDefinition, isGpuEnvDefinition } from './envs/registry.js';
import { specOf, type EnvSpec } from './envs/spec.js';
import { EnvInputError } from './envs/errors.js';
import { validateSpecFields } from './envs/validate.js';
import { AgentLayout, type AgentArchitecture } from './agent/agent.js';
import { ConfigError, CONFIG_KEYS, MAX_CONV_CHANNELS, resolveConfig, type TrainerConfig } from './config.js';
import type { ConvSpec, EncoderArchitecture } from './nn/conv.js';
import { Ppo } from './ppo/ppo.js';
import { initialNormStats } from './agent/normalizer.js';
import { normWords } from './agent/normalizer.wgsl.js';
import { Control } from './nn/adam.wgsl.js';
import { RING_WORDS } from './ppo/iterationStats.wgsl.js';
import { CpuPolicy } from './cpuPolicy.js';
import { GpuPolicy } from './policy.js';
import { checkOptionKeys } from './options.js';
import { decodeSafetensors, encodeSafetensors, fileBytes, SafetensorsError, type Tensor } from './safetensors.js';
import { Trainer } from './trainer.js';
import type { LeagueState } from './selfplay/league.js';

export const POLICY_FORMAT = 'webgpu-rl/policy';
export const CHECKPOINT_FORMAT = 'webgpu-rl/checkpoint';
export const FORMAT_VERSION = '1';

export class CheckpointError extends Error {
  override name = 'CheckpointError';
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

/** A policy or checkpoint file: its bytes (a Uint8Array or Node Buffer, an ArrayBuffer), or a Blob / fetch Response. */
export type FileInput = Uint8Array | ArrayBuffer | Blob | Response;

/** The bytes of a file input (a Blob or Response is read; a Response that is not ok is refused naming its status). */
async function readInput(input: FileInput, where: string): Promise<Uint8Array> {
  if (typeof Response !== 'undefined' && input instanceof Response) {
    if (!input.ok) throw new CheckpointError(`${where}: the response for ${input.url || 'the file'} has status ${input.status} ${input.statusText}; expected 200`);
    return new Uint8Array(await input.arrayBuffer());
  }
  if (typeof Blob !== 'undefined' && input instanceof Blob) return new Uint8Array(await input.arrayBuffer());
  try {
    return fileBytes(input as Uint8Array | ArrayBuffer, where);
  } catch (error) {
    if (error instanceof SafetensorsError) throw new CheckpointError(`${error.message}, a Blob or a Response`);
    throw error;
  }
}

/** The inference part of a trainer's policy, as a safetensors file (taken between two training iterations). */
export function exportPolicy(trainer: Trainer): Promise<Uint8Array<ArrayBuffer>> {
  return trainer.snapshot(() => policyFile(trainer), 'exportPolicy');
}

async function policyFile(trainer: Trainer): Promise<Uint8Array<ArrayBuffer>> {
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
    const stats = new Float32Array(await readBuffer(trainer.gpu, trainer.algorithm.state.normStats, 3 * O * 4));
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
  const clipObs = parseJson<{ clip_obs?: unknown } | null>(header.metadata, 'obs_normalization')?.clip_obs;
  if (!(typeof clipObs === 'number' && Number.isFinite(clipObs) && clipObs > 0)) throw new CheckpointError(`the file's obs_normalization metadata is malformed: ${header.metadata.obs_normalization}`);
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

/** The full training state, as a safetensors file (see the header; taken between two training iterations). */
export function saveTrainer(trainer: Trainer): Promise<Uint8Array<ArrayBuffer>> {
  return trainer.snapshot(() => checkpointFile(trainer), 'saveTrainer');
}

async function checkpointFile(trainer: Trainer): Promise<Uint8Array<ArrayBuffer>> {
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
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    format_version: FORMAT_VERSION,
    env: JSON.stringify(specOf(trainer.spec)),
    architecture: JSON.stringify(architectureOf(trainer)),
    config: JSON.stringify(trainer.config),
    iteration: String(ppo.iteration),
    global_step: String(ppo.globalStep),
    solved_at_step: JSON.stringify(trainer.solvedAtStep),
  };
  if (ppo.selfPlay) {
    const pool = await ppo.selfPlay.readPool((buffer, count, offset) => readFloat32(trainer.gpu, buffer, count, offset));
    tensors.set(SELF_PLAY_POOL, { dtype: 'F32', shape: [pool.length], data: pool });
    // JSON keeps every float64 rating exactly (the shortest text that reads back as the same double).
    metadata.self_play = JSON.stringify(ppo.selfPlay.book.state());
  }
  return encodeSafetensors(tensors, metadata);
}

/** The tensor of a self-play checkpoint's pool: the window slots' parameters, f32 [window x P]. */
const SELF_PLAY_POOL = 'selfplay.pool';

/**
 * A self-play checkpoint's pool and book, checked against its configuration and counters before anything is
 * built: the pool's size and finite values; finite ratings, one per slot; snapshots taken in [1, 1 + iterations]
 * (one may be taken per iteration after the initial one); the last one's step a whole iteration in
 * [0, global_step], 0 only while no snapshot but the initial one has been taken.
 */
function readSelfPlay(header: Header, config: TrainerConfig, paramCount: number, iteration: number, globalStep: number): { pool: Float32Array; book: LeagueState } {
  const tensor = header.tensors.get(SELF_PLAY_POOL);
  const count = config.window * paramCount;
  if (!tensor || tensor.dtype !== 'F32' || tensor.data.length !== count) {
    throw new CheckpointError(`the file's tensor '${SELF_PLAY_POOL}' is ${tensor ? `${tensor.dtype} [${tensor.shape.join(', ')}]` : 'missing'}; expected F32 [${count}] (window ${config.window} x ${paramCount} parameters)`);
  }
  for (let i = 0; i < count; i++) {
    if (!Number.isFinite(tensor.data[i]!)) throw new CheckpointError(`the file's tensor '${SELF_PLAY_POOL}' holds ${tensor.data[i]} at index ${i}; expected a finite number`);
  }
  const raw = parseJson<Partial<LeagueState> | null>(header.metadata, 'self_play');
  const malformed = (why: string) => new CheckpointError(`the file's self_play metadata ${why}: ${header.metadata.self_play!.slice(0, 200)}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw malformed('is not an object');
  const { elo, slotElos, snapshots, lastSave } = raw;
  if (typeof elo !== 'number' || !Number.isFinite(elo)) throw malformed(`has elo ${JSON.stringify(elo)}; expected a finite number`);
  if (!Array.isArray(slotElos) || slotElos.length !== config.window || !slotElos.every((e) => typeof e === 'number' && Number.isFinite(e))) {
    throw malformed(`has slotElos ${JSON.stringify(slotElos)?.slice(0, 80)}; expected ${config.window} finite numbers (one per slot of the window)`);
  }
  if (!Number.isInteger(snapshots) || (snapshots as number) < 1 || (snapshots as number) > 1 + iteration) {
    throw malformed(`has snapshots ${JSON.stringify(snapshots)}; expected an integer in [1, ${1 + iteration}] (the initial one, then at most one per iteration)`);
  }
  const batch = config.num_envs * config.num_steps;
  if (!Number.isInteger(lastSave) || (lastSave as number) < 0 || (lastSave as number) > globalStep || (lastSave as number) % batch !== 0 || ((lastSave as number) === 0) !== (snapshots === 1)) {
    throw malformed(`has lastSave ${JSON.stringify(lastSave)}; expected a multiple of ${batch} in [0, ${globalStep}], 0 exactly when only the initial snapshot was taken`);
  }
  return { pool: tensor.data as Float32Array, book: { elo, slotElos: [...slotElos], snapshots: snapshots as number, lastSave: lastSave as number } };
}

interface Header {
  spec: EnvSpec;
  architecture: AgentArchitecture;
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** The largest hidden width and number of hidden layers a file may declare (the configuration's bounds). */
const MAX_HIDDEN_WIDTH = 1024;
const MAX_HIDDEN_LAYERS = 64;

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
  const spec = readSpec(metadata);
  if (expectedEnv !== undefined && spec.id !== expectedEnv) {
    throw new CheckpointError(`the file holds a policy for '${spec.id}', not for '${expectedEnv}'`);
  }
  const architecture = readArchitecture(metadata, spec);
  return { spec, architecture, tensors, metadata };
}

/** The env metadata, checked as a definition's fields are (finite bounds, sizes, limits). */
function readSpec(metadata: Record<string, string>): EnvSpec {
  const raw = parseJson<unknown>(metadata, 'env');
  try {
    return validateSpecFields("the file's env metadata", raw);
  } catch (error) {
    if (error instanceof EnvInputError) throw new CheckpointError(`the file's env metadata is malformed: ${error.message}`);
    throw error;
  }
}

/** The architecture metadata: agreeing with the env metadata, its widths and depth within the configuration's bounds. */
function readArchitecture(metadata: Record<string, string>, spec: EnvSpec): AgentArchitecture {
  const architecture = parseJson<Partial<AgentArchitecture> | null>(metadata, 'architecture');
  const malformed = (why: string) => new CheckpointError(`the file's architecture metadata ${why}: ${metadata.architecture!.slice(0, 200)}`);
  if (typeof architecture !== 'object' || architecture === null || Array.isArray(architecture)) throw malformed('is not an object');
  const { hidden, activation } = architecture;
  if (!Array.isArray(hidden) || hidden.length === 0 || hidden.length > MAX_HIDDEN_LAYERS || !hidden.every((w) => Number.isInteger(w) && w > 0 && w <= MAX_HIDDEN_WIDTH)) {
    throw malformed(`has hidden ${JSON.stringify(hidden)}; expected 1 to ${MAX_HIDDEN_LAYERS} layer widths in 1..${MAX_HIDDEN_WIDTH}`);
  }
  if (activation !== 'tanh' && activation !== 'relu') throw malformed(`has activation ${JSON.stringify(activation)}; expected 'tanh' or 'relu'`);
  if (architecture.observationSize !== spec.observationSize || JSON.stringify(architecture.action) !== JSON.stringify(spec.action)) {
    throw malformed('disagrees with its env metadata (observation size or action space)');
  }
  const encoder = architecture.encoder === undefined ? undefined : readEncoder(architecture.encoder as unknown, spec, malformed);
  return { observationSize: spec.observationSize, action: spec.action, hidden: [...hidden], activation, ...(encoder ? { encoder } : {}) };
}

/** The architecture's encoder: one convolution on the env's grid, its kernel within the grid. */
function readEncoder(value: unknown, spec: EnvSpec, malformed: (why: string) => CheckpointError): EncoderArchitecture {
  const encoder = value as Partial<EncoderArchitecture> | null;
  const shape = spec.observationShape;
  if (typeof encoder !== 'object' || encoder === null || shape?.length !== 3 || JSON.stringify(encoder.inputShape) !== JSON.stringify(shape)) {
    throw malformed(`has encoder ${JSON.stringify(value)}; expected one whose inputShape is the env's grid observation shape (${JSON.stringify(shape ?? null)})`);
  }
  const conv = encoder.conv;
  const [height, width] = shape as [number, number, number];
  const fits = (c: unknown) =>
    typeof c === 'object' && c !== null && Number.isInteger((c as ConvSpec).channels) && (c as ConvSpec).channels >= 1 && (c as ConvSpec).channels <= MAX_CONV_CHANNELS &&
    Number.isInteger((c as ConvSpec).kernel) && (c as ConvSpec).kernel >= 1 && (c as ConvSpec).kernel <= Math.min(height, width);
  if (!Array.isArray(conv) || conv.length !== 1 || !conv.every(fits)) {
    throw malformed(`has encoder.conv ${JSON.stringify(conv)}; expected one convolution { channels in 1..${MAX_CONV_CHANNELS}, kernel in 1..${Math.min(height, width)} }`);
  }
  return { inputShape: [height, width, shape[2]!], conv: conv.map(({ channels, kernel }) => ({ channels, kernel })) };
}

function parseJson<T>(metadata: Record<string, string>, key: string): T {
  if (metadata[key] === undefined) throw new CheckpointError(`the file has no '${key}' metadata`);
  try {
    return JSON.parse(metadata[key]!) as T;
  } catch {
    throw new CheckpointError(`the file's '${key}' metadata is not JSON: ${metadata[key]!.slice(0, 80)}`);
  }
}

/** A counter of the metadata: a decimal integer in [min, max] (`fallback` when absent and allowed). */
function readCounter(metadata: Record<string, string>, key: string, min: number, max: number, fallback?: number): number {
  const text = metadata[key];
  if (text === undefined) {
    if (fallback !== undefined) return fallback;
    throw new CheckpointError(`the file has no '${key}' metadata`);
  }
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new CheckpointError(`the file's '${key}' metadata is ${JSON.stringify(text.slice(0, 40))}; expected an integer in [${min}, ${max}]`);
  }
  return value;
}

/**
 * Checks the shapes of every tensor of the views `include` selects against the architecture before anything is
 * allocated for them (so a header declaring huge layers fails here, not in an allocation).
 */
function checkTensorShapes(agent: AgentLayout, tensors: Map<string, Tensor>, include: (name: string) => boolean): void {
  for (const view of agent.table.views) {
    if (!include(view.name)) continue;
    const tensor = tensors.get(view.name);
    if (!tensor) throw new CheckpointError(`the file has no tensor '${view.name}' (shape [${view.shape.join(', ')}])`);
    if (tensor.dtype !== 'F32' || tensor.shape.join(',') !== view.shape.join(',')) {
      throw new CheckpointError(`tensor '${view.name}' is ${tensor.dtype} [${tensor.shape.join(', ')}]; the architecture in the header needs F32 [${view.shape.join(', ')}]`);
    }
  }
}

/** Checks that every view `include` selects is present with the table's shape and finite; fills `flat`. */
function fillFromTensors(agent: AgentLayout, tensors: Map<string, Tensor>, include: (name: string) => boolean): Float32Array {
  checkTensorShapes(agent, tensors, include);
  const flat = new Float32Array(agent.table.size);
  for (const view of agent.table.views) {
    if (!include(view.name)) continue;
    const tensor = tensors.get(view.name)!;
    for (let i = 0; i < tensor.data.length; i++) {
      if (!Number.isFinite(tensor.data[i])) throw new CheckpointError(`tensor '${view.name}' holds a non-finite value at index ${i}`);
    }
    flat.set(tensor.data as Float32Array, view.offset);
  }
  return flat;
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

/**
 * A policy file as a CpuPolicy (plain JavaScript, synchronous actSync) or a GpuPolicy (default), after validating
 * all of it. `file`: its bytes (Uint8Array or Node Buffer at any offset, ArrayBuffer) or a Blob / fetch Response.
 */
export function loadPolicy(file: FileInput, options: LoadPolicyOptions & { backend: 'cpu' }): Promise<CpuPolicy & { readonly trainedSteps: number }>;
export function loadPolicy(file: FileInput, options?: LoadPolicyOptions & { backend?: 'gpu' }): Promise<GpuPolicy & { readonly trainedSteps: number }>;
export function loadPolicy(file: FileInput, options?: LoadPolicyOptions): Promise<LoadedPolicy>;
export async function loadPolicy(file: FileInput, options: LoadPolicyOptions = {}): Promise<LoadedPolicy> {
  checkOptionKeys('loadPolicy(file, options)', options, ['backend', 'env', 'gpu', 'seed']);
  const backend = options.backend ?? 'gpu';
  if (backend !== 'gpu' && backend !== 'cpu') throw new TypeError(`loadPolicy(file, options): backend is ${JSON.stringify(backend)}; expected 'gpu' or 'cpu'`);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new RangeError(`loadPolicy(file, options): seed is ${seed}; expected an integer in [0, 2^32)`);
  const header = readHeader(await readInput(file, 'loadPolicy'), POLICY_FORMAT, options.env);
  const agent = new AgentLayout(header.architecture);
  const flat = fillFromTensors(agent, header.tensors, (name) => name.startsWith('actor'));
  const trainedSteps = readCounter(header.metadata, 'trained_steps', 0, Number.MAX_SAFE_INTEGER, 0);
  const normalization = readObsNormalization(header);
  if (backend === 'cpu') {
    const layers = agent.actor.map((layer) => ({
      ...layer.shape,
      weight: flat.slice(layer.weight.offset, layer.weight.offset + layer.weight.size),
      bias: flat.slice(layer.bias.offset, layer.bias.offset + layer.bias.size),
    }));
    const logstd = agent.logstd ? flat.slice(agent.logstd.offset, agent.logstd.offset + agent.logstd.size) : undefined;
    const convLayer = agent.actorConv[0];
    const conv = convLayer
      ? { ...convLayer.shape, weight: flat.slice(convLayer.weight.offset, convLayer.weight.offset + convLayer.weight.size), bias: flat.slice(convLayer.bias.offset, convLayer.bias.offset + convLayer.bias.size) }
      : undefined;
    return Object.assign(new CpuPolicy(header.spec, layers, logstd, seed, normalization, conv), { trainedSteps });
  }
  const gpu = options.gpu ?? (await getGpu());
  const params = gpu.buffer({ label: 'LoadedPolicy.params', size: agent.table.byteSize, data: flat });
  const stats = initialNormStats(header.spec.observationSize);
  normalization?.mean.forEach((m, d) => (stats[3 * d + 1] = m));
  normalization?.variance.forEach((v, d) => (stats[3 * d + 2] = v));
  const norm = gpu.buffer({ label: 'LoadedPolicy.obsNorm', size: stats.byteLength, data: stats });
  let policy: GpuPolicy;
  try {
    policy = await GpuPolicy.create(gpu, header.spec, agent, { params, norm }, normalization ? { clipObs: normalization.clipObs } : undefined, seed);
  } catch (error) {
    gpu.destroyBuffer(params);
    gpu.destroyBuffer(norm);
    throw error;
  }
  // The policy reads these buffers but does not own them (a trainer's policy reads the trainer's): here it does.
  policy.own(params, norm);
  return Object.assign(policy, { trainedSteps });
}

/** The persistent tensors that must hold finite values, and the extra bound some of them have. */
function checkPersistentValues(name: string, data: Float32Array | Uint32Array, maxEpisodeSteps: number): void {
  const fail = (index: number, expected: string) =>
    new CheckpointError(`the file's tensor '${name}' holds ${data[index]} at index ${index}; expected ${expected}`);
  if (data instanceof Float32Array) {
    // The control block's words from skip on are u32 flags stored bit for bit (see Control in src/nn/adam.wgsl.ts).
    const floats = name === 'optimizer.control' ? Control.skip : data.length;
    for (let i = 0; i < floats; i++) if (!Number.isFinite(data[i]!)) throw fail(i, 'a finite number');
  }
  if (name === 'optimizer.control') {
    const step = data[Control.step]!;
    if (!Number.isInteger(step) || step < 0) throw fail(Control.step, "a whole number of Adam steps (>= 0)");
    if (data[Control.lr]! < 0) throw fail(Control.lr, 'a learning rate >= 0');
  }
  if (name === 'optimizer.moments') {
    // [m; v]: the second moments (the second half) are averages of squares.
    for (let i = data.length / 2; i < data.length; i++) if (data[i]! < 0) throw fail(i, "a second moment >= 0 (Adam's v)");
  }
  if (name === 'normalizer.stats') {
    // (count, mean, var) triplets: counts > 0, variances >= 0.
    for (let i = 0; i < data.length; i += 3) {
      if (!(data[i]! > 0)) throw fail(i, 'a count > 0');
      if (data[i + 2]! < 0) throw fail(i + 2, 'a variance >= 0');
    }
  }
  if (name === 'env.episode_steps' || name === 'js.episode_steps') {
    for (let i = 0; i < data.length; i++) if (data[i]! >= maxEpisodeSteps) throw fail(i, `a step count below the episode limit ${maxEpisodeSteps}`);
  }
}

/**
 * Config keys a checkpoint may lack, because they cannot change the run it holds: the tuner's (kernel layouts that
 * compute the same result) and, in a one-player game's file, self-play's (files from before those keys lack them).
 */
const KEYS_WITHOUT_EFFECT_ON_RESULTS = new Set<string>(['tune', 'tune_budget_ms']);
const SELF_PLAY_KEYS = new Set<string>(['save_steps', 'window', 'play_against_latest_model_ratio', 'swap_steps', 'initial_elo']);

/** The file's configuration, complete and valid, agreeing with its env and architecture metadata. */
function readConfig(header: Header): TrainerConfig {
  const config = parseJson<Record<string, unknown> | null>(header.metadata, 'config');
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new CheckpointError(`the file's config metadata is not an object: ${header.metadata.config!.slice(0, 80)}`);
  if (config.env !== header.spec.id) throw new CheckpointError(`the file's config is for ${JSON.stringify(config.env)} but its env metadata for '${header.spec.id}'`);
  let resolved: TrainerConfig;
  try {
    // A file from before the encoder trained the flat MLP: its config has no 'encoder' key.
    resolved = resolveConfig({ encoder: null, ...config } as Partial<TrainerConfig> & { env: string }, header.spec.action.type === 'box', header.spec.observationShape);
  } catch (error) {
    if (error instanceof ConfigError) throw new CheckpointError(`the file's config is invalid: ${error.message}`);
    throw error;
  }
  // Every key written out: a key left out would take today's default, which need not be the run's (except the
  // keys above, which a file from before them takes at today's defaults).
  for (const key of Object.keys(CONFIG_KEYS)) {
    const optional = KEYS_WITHOUT_EFFECT_ON_RESULTS.has(key) || key === 'encoder' || (SELF_PLAY_KEYS.has(key) && header.spec.players !== 2);
    if (!Object.hasOwn(config, key) && !optional) throw new CheckpointError(`the file's config has no '${key}' (a checkpoint holds every key; this engine's default would be ${JSON.stringify(resolved[key as keyof TrainerConfig])})`);
  }
  const { hidden, activation } = header.architecture;
  if (JSON.stringify(resolved.hidden_sizes) !== JSON.stringify(hidden) || resolved.activation !== activation) {
    throw new CheckpointError(
      `the file's config (hidden_sizes ${JSON.stringify(resolved.hidden_sizes)}, activation '${resolved.activation}') disagrees with its ` +
        `architecture metadata (hidden ${JSON.stringify(hidden)}, activation '${activation}')`,
    );
  }
  const conv = header.architecture.encoder?.conv ?? null;
  if (JSON.stringify(resolved.encoder?.conv ?? null) !== JSON.stringify(conv)) {
    throw new CheckpointError(`the file's config (encoder ${JSON.stringify(resolved.encoder)}) disagrees with its architecture metadata (encoder conv ${JSON.stringify(conv)})`);
  }
  return resolved;
}

export interface LoadTrainerOptions {
  gpu?: Gpu;
}

/**
 * Rebuilds a trainer from saveTrainer's file: same configuration, parameters, optimizer, environments, counters.
 * Everything is checked before the trainer is built (configuration, sizes, counters, finite values). `file`: its
 * bytes (Uint8Array or Node Buffer at any offset, ArrayBuffer) or a Blob / fetch Response.
 */
export async function loadTrainer(file: FileInput, options: LoadTrainerOptions = {}): Promise<Trainer> {
  checkOptionKeys('loadTrainer(file, options)', options, ['gpu']);
  const header = readHeader(await readInput(file, 'loadTrainer'), CHECKPOINT_FORMAT);
  const config = readConfig(header);
  const definition = getEnvDefinition(config.env);
  const registered = { observationSize: definition.observationSize, action: definition.action, maxEpisodeSteps: definition.maxEpisodeSteps };
  const saved = { observationSize: header.spec.observationSize, action: header.spec.action, maxEpisodeSteps: header.spec.maxEpisodeSteps };
  if (JSON.stringify(registered) !== JSON.stringify(saved)) {
    throw new CheckpointError(
      `the registered environment '${config.env}' has other spaces than the checkpoint's (observation ${definition.observationSize} vs ${header.spec.observationSize}, ` +
        `action ${JSON.stringify(definition.action)} vs ${JSON.stringify(header.spec.action)}, maxEpisodeSteps ${definition.maxEpisodeSteps} vs ${header.spec.maxEpisodeSteps})`,
    );
  }
  // Every tensor, counter and value is checked before anything is built on the GPU.
  const agent = new AgentLayout(header.architecture);
  const flat = fillFromTensors(agent, header.tensors, () => true);
  const entries = Ppo.persistentLayout(config, definition);
  for (const entry of entries) {
    const tensor = header.tensors.get(entry.name);
    if (!tensor || tensor.dtype !== entry.dtype || tensor.data.length !== entry.count) {
      throw new CheckpointError(`the file's tensor '${entry.name}' is ${tensor ? `${tensor.dtype} [${tensor.shape.join(', ')}]` : 'missing'}; expected ${entry.dtype} [${entry.count}]`);
    }
    checkPersistentValues(entry.name, tensor.data, definition.maxEpisodeSteps);
  }
  const batch = config.num_envs * config.num_steps;
  const iteration = readCounter(header.metadata, 'iteration', 0, Math.floor(Number.MAX_SAFE_INTEGER / batch));
  const globalStep = readCounter(header.metadata, 'global_step', 0, Number.MAX_SAFE_INTEGER);
  if (globalStep !== iteration * batch) {
    throw new CheckpointError(`the file's global_step is ${globalStep}; after iteration ${iteration} of num_envs x num_steps = ${batch} steps it must be ${iteration * batch}`);
  }
  const solvedAtStep = header.metadata.solved_at_step === undefined ? null : parseJson<unknown>(header.metadata, 'solved_at_step');
  if (solvedAtStep !== null && !(Number.isInteger(solvedAtStep) && (solvedAtStep as number) > 0 && (solvedAtStep as number) <= globalStep && (solvedAtStep as number) % batch === 0)) {
    throw new CheckpointError(`the file's solved_at_step is ${header.metadata.solved_at_step}; expected null or a multiple of ${batch} in [${batch}, ${globalStep}]`);
  }
  const host = new Map([...header.tensors].filter(([name]) => name.startsWith('js.')).map(([name, t]) => [name, t.data]));
  if (host.size > 0 && isGpuEnvDefinition(definition)) throw new CheckpointError(`the file holds JavaScript environment state (${[...host.keys()].join(', ')}) but '${config.env}' is a GPU environment`);
  const n = config.num_envs;
  const expected: Record<string, number> = { 'js.obs': n * header.spec.observationSize, 'js.running_return': n, 'js.running_length': n, 'js.episode_steps': n };
  if (host.has('js.env_state')) expected['js.env_state'] = n * ((definition as { stateSize?: number }).stateSize ?? 0);
  for (const [name, length] of Object.entries(expected)) {
    const data = host.get(name);
    if (host.size > 0 && data?.length !== length) throw new CheckpointError(`the file's tensor '${name}' has ${data?.length ?? 'no'} values; expected ${length} (num_envs ${n})`);
    if (data) checkPersistentValues(name, data, definition.maxEpisodeSteps);
  }
  const selfPlay = header.spec.players === 2 ? readSelfPlay(header, config, agent.table.size, iteration, globalStep) : undefined;
  if (!selfPlay && header.tensors.has(SELF_PLAY_POOL)) throw new CheckpointError(`the file holds a self-play pool ('${SELF_PLAY_POOL}') but '${config.env}' is a one-player game`);
  const trainer = await Trainer.create(config, options.gpu);
  try {
    const ppo = trainer.algorithm;
    ppo.writeParameters(flat);
    for (const entry of ppo.persistentBuffers()) trainer.gpu.write(entry.buffer, 0, header.tensors.get(entry.name)!.data);
    ppo.restoreCounters(iteration, globalStep);
    if (selfPlay) ppo.selfPlay!.restore(selfPlay.pool, selfPlay.book, iteration > 0);
    trainer.solvedAtStep = solvedAtStep as number | null;
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
