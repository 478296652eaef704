/**
 * GpuVecEnv: a batch of numEnvs instances of a GPU environment, stepped by one kernel invocation per instance.
 * The one owner of the batch kernels of src/envs/gpuEnv.wgsl.ts (pipelines `GpuVecEnv.reset`, `GpuVecEnv.step`).
 *
 * Two faces:
 *  - the typed-array VecEnv (reset, step, setState, getState): one submit and one readback per call, calls run in
 *    the order they were made;
 *  - the GPU face for the trainer and benchmarks: `buffers` (state feature-major [stateSize x numEnvs],
 *    episodeSteps and episodeIndex u32 [numEnvs], all STORAGE | COPY_SRC | COPY_DST), `definition` and `seed`
 *    for composing fused kernels with envStorageWgsl under the same RNG conventions, and
 *    recordReset/recordStep to encode dispatches without waiting.
 * Creating one reads nothing back; the kernels are compiled (and a compile error raised) in GpuVecEnv.create.
 */
import type { Gpu } from '../gpu/device.js';
import { maxStorageBytes } from '../gpu/buffers.js';
import { readBuffer } from '../gpu/readback.js';
import { Recorder, gridFor } from '../gpu/recorder.js';
import {
  ENV_FLAG_TERMINATED,
  ENV_FLAG_TRUNCATED,
  ENV_RESET_ENTRY,
  ENV_STEP_ENTRY,
  ENV_WORKGROUP_SIZE,
  envBatchBindings,
  envBatchWgsl,
  twoPlayerEnvBatchWgsl,
  envStorageResources,
  EngineParams,
  type ActionLayout,
} from './gpuEnv.wgsl.js';
import { composeEnv, envLineLocator } from './compose.js';
import { EnvInputError } from './errors.js';
import { requirePositiveInteger, requireSeed, validateActions, validateState } from './validate.js';
import { categoricalHeads, playersOf, specOf, type EnvSpec, type GpuEnvDefinition, type StepResult, type VecEnv } from './spec.js';

export interface GpuVecEnvOptions {
  numEnvs: number;
  /** u32 seed of the counter-based generator; default 0. */
  seed?: number;
}

/** The environment storage the trainer's kernels share (layout in src/envs/gpuEnv.wgsl.ts). */
export interface GpuEnvBuffers {
  /** f32 [stateSize x numEnvs]: component s of environment n at s * numEnvs + n. */
  state: GPUBuffer;
  /** u32 [numEnvs]: steps taken in the current episode. */
  episodeSteps: GPUBuffer;
  /** u32 [numEnvs]: episodes started so far. */
  episodeIndex: GPUBuffer;
}

export interface GpuEnvKernels {
  reset: GPUComputePipeline;
  step: GPUComputePipeline;
}

/** The largest numEnvs whose buffers fit the device, and the buffer that sets it. */
export interface EnvCapacity {
  numEnvs: number;
  buffer: string;
  bytesPerEnv: number;
  limit: number;
  limitName: string;
}

/** Compiles (once per device and WGSL text) the reset and step kernels of an environment. */
export async function compileEnvKernels(gpu: Gpu, definition: GpuEnvDefinition): Promise<GpuEnvKernels> {
  const composed = composeEnv(definition);
  const layout = actionLayoutOf(definition);
  const code = playersOf(definition) === 2 ? twoPlayerEnvBatchWgsl(composed.code) : envBatchWgsl(composed.code, layout, maskSizeOf(definition));
  const common = {
    key: `GpuVecEnv\n${code}`,
    bindings: envBatchBindings(layout),
    build: () => code,
    locate: envLineLocator(definition, composed),
  };
  const [reset, step] = await Promise.all([
    gpu.pipelines.pipeline({ ...common, label: 'GpuVecEnv.reset', entryPoint: ENV_RESET_ENTRY }),
    gpu.pipelines.pipeline({ ...common, label: 'GpuVecEnv.step', entryPoint: ENV_STEP_ENTRY }),
  ]);
  return { reset, step };
}

function actionFloats(definition: EnvSpec): number {
  return playersOf(definition) * (categoricalHeads(definition.action)?.length ?? (definition.action as { size: number }).size);
}

/** Floats of one environment's action mask in the out buffer (Σ nvec with actionMask, else 0). */
function maskSizeOf(definition: EnvSpec): number {
  return definition.actionMask ? categoricalHeads(definition.action)!.reduce((a, b) => a + b, 0) : 0;
}

/** The typed-array kernels' actions: one u32 index per categorical head, or the box's floats. */
function actionLayoutOf(definition: EnvSpec): ActionLayout {
  const action = definition.action;
  return action.type === 'discrete' ? { kind: 'index' } : action.type === 'multiDiscrete' ? { kind: 'indices', heads: action.nvec.length } : { kind: 'box' };
}

/** How many environments of `definition` fit the device's buffer limits. */
export function envCapacity(limits: GPUSupportedLimits, definition: GpuEnvDefinition): EnvCapacity {
  const storage = maxStorageBytes(limits);
  const storageLimitName = limits.maxStorageBufferBindingSize <= limits.maxBufferSize ? 'maxStorageBufferBindingSize' : 'maxBufferSize';
  const players = playersOf(definition);
  const obsOut = (players * (2 * definition.observationSize + 1) + maskSizeOf(definition)) * 4;
  const candidates: Omit<EnvCapacity, 'numEnvs'>[] = [
    { buffer: 'GpuVecEnv.state', bytesPerEnv: definition.stateSize * 4, limit: storage, limitName: storageLimitName },
    { buffer: 'GpuVecEnv.out', bytesPerEnv: obsOut, limit: storage, limitName: storageLimitName },
    { buffer: 'GpuVecEnv.actions', bytesPerEnv: actionFloats(definition) * 4, limit: storage, limitName: storageLimitName },
    { buffer: 'GpuVecEnv.staging', bytesPerEnv: obsOut + 4, limit: limits.maxBufferSize, limitName: 'maxBufferSize' },
  ];
  let best: EnvCapacity | undefined;
  for (const c of candidates) {
    const numEnvs = Math.floor(c.limit / c.bytesPerEnv);
    if (!best || numEnvs < best.numEnvs) best = { ...c, numEnvs };
  }
  return best!;
}

export class GpuVecEnv implements VecEnv {
  readonly spec: EnvSpec;
  readonly numEnvs: number;
  lastActionMask: Float32Array | null = null;
  readonly seed: number;
  readonly buffers: GpuEnvBuffers;
  private readonly params: GPUBuffer;
  private readonly actions: GPUBuffer;
  private readonly out: GPUBuffer;
  private readonly flags: GPUBuffer;
  private readonly staging: GPUBuffer;
  private readonly bindings: ReturnType<typeof envBatchBindings>;
  private readonly resetGroup: GPUBindGroup;
  private readonly stepGroups = new Map<GPUBuffer, GPUBindGroup>();
  private readonly grid: [number, number];
  /** Settles when every call made so far has finished: calls run one after another, in order. */
  private tail: Promise<void> = Promise.resolve();
  private started = false;
  private destroyed = false;

  /** Validates the options against the definition and the device, compiles the kernels, allocates the buffers. */
  static async create(gpu: Gpu, definition: GpuEnvDefinition, options: GpuVecEnvOptions): Promise<GpuVecEnv> {
    GpuVecEnv.checkOptions(gpu, definition, options);
    const kernels = await compileEnvKernels(gpu, definition);
    return new GpuVecEnv(gpu, definition, options, kernels);
  }

  private static checkOptions(gpu: Gpu, definition: GpuEnvDefinition, options: GpuVecEnvOptions): void {
    const where = `createEnv('${definition.id}')`;
    const numEnvs = requirePositiveInteger(where, 'numEnvs', options.numEnvs);
    requireSeed(where, options.seed ?? 0);
    const capacity = envCapacity(gpu.limits, definition);
    if (numEnvs > capacity.numEnvs) {
      throw new EnvInputError(
        where,
        'numEnvs',
        String(numEnvs),
        `at most ${capacity.numEnvs} on this device: buffer ${capacity.buffer} takes ${capacity.bytesPerEnv} bytes per ` +
          `environment and the device's ${capacity.limitName} is ${capacity.limit} bytes`,
      );
    }
  }

  constructor(
    private readonly gpu: Gpu,
    readonly definition: GpuEnvDefinition,
    options: GpuVecEnvOptions,
    private readonly kernels: GpuEnvKernels,
  ) {
    GpuVecEnv.checkOptions(gpu, definition, options);
    const n = options.numEnvs;
    this.numEnvs = n;
    this.seed = options.seed ?? 0;
    this.spec = specOf(definition);
    const { action, maxEpisodeSteps } = definition;

    this.params = EngineParams.createBuffer(gpu, 'GpuVecEnv.params', { num_envs: n, seed: this.seed, max_episode_steps: maxEpisodeSteps });
    this.buffers = {
      state: gpu.buffer({ label: 'GpuVecEnv.state', size: definition.stateSize * n * 4 }),
      episodeSteps: gpu.buffer({ label: 'GpuVecEnv.episodeSteps', size: n * 4 }),
      episodeIndex: gpu.buffer({ label: 'GpuVecEnv.episodeIndex', size: n * 4 }),
    };
    this.actions = gpu.buffer({
      label: 'GpuVecEnv.actions',
      size: actionFloats(definition) * n * 4,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    this.out = gpu.buffer({ label: 'GpuVecEnv.out', size: this.outFloats * 4 });
    this.flags = gpu.buffer({ label: 'GpuVecEnv.flags', size: n * 4 });
    this.staging = gpu.buffer({
      label: 'GpuVecEnv.staging',
      size: (this.outFloats + n) * 4,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    this.bindings = envBatchBindings(actionLayoutOf(this.definition));
    // The reset kernel reads no actions and writes no flags; its group binds the env's own buffers there.
    this.resetGroup = this.bindGroup('GpuVecEnv.resetBindGroup', kernels.reset, this.actions);
    this.grid = gridFor(n, ENV_WORKGROUP_SIZE, gpu.limits.maxComputeWorkgroupsPerDimension);
  }

  private bindGroup(label: string, pipeline: GPUComputePipeline, actions: GPUBuffer): GPUBindGroup {
    return this.bindings.bindGroup(this.gpu.device, label, pipeline.getBindGroupLayout(0), {
      engine_params: this.params,
      ...envStorageResources(this.buffers),
      engine_actions: actions,
      engine_out: this.out,
      engine_flags: this.flags,
    });
  }

  /**
   * Floats of the out buffer: obs and finalObs [numEnvs x observationSize] each, then reward [numEnvs], then (with
   * actionMask) the masks of obs [numEnvs x Σ nvec].
   */
  private get outFloats(): number {
    return this.numEnvs * (playersOf(this.definition) * (2 * this.definition.observationSize + 1) + maskSizeOf(this.definition));
  }

  /** Where the masks start in the out buffer (floats). */
  private get maskOffset(): number {
    return this.numEnvs * (2 * this.definition.observationSize + 1);
  }

  private where(method: string): string {
    return `${this.spec.id}.${method}`;
  }

  private checkAlive(method: string): void {
    if (this.destroyed) throw new Error(`${this.where(method)}: the environment was destroyed`);
  }

  /** Runs `op` after every earlier call has finished (its failure does not block later calls). */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const result = this.tail.then(op);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private stepGroup(actions: GPUBuffer): GPUBindGroup {
    let group = this.stepGroups.get(actions);
    if (!group) {
      group = this.bindGroup('GpuVecEnv.stepBindGroup', this.kernels.step, actions);
      this.stepGroups.set(actions, group);
    }
    return group;
  }

  /** Encodes a reset of every environment (next episode of each; first observations into the out buffer). */
  recordReset(recorder: Recorder): void {
    this.checkAlive('recordReset');
    recorder.dispatch(this.kernels.reset, this.resetGroup, this.grid);
    this.started = true;
  }

  /**
   * Encodes one step of every environment. `actions` is a GPU buffer laid out as the step kernel reads it
   * (discrete: u32 [numEnvs]; box: f32 [numEnvs x action.size] row-major), STORAGE usage; by default the buffer
   * that step() uploads into. Actions are not validated on this path.
   */
  recordStep(recorder: Recorder, actions: GPUBuffer = this.actions): void {
    this.checkAlive('recordStep');
    recorder.dispatch(this.kernels.step, this.stepGroup(actions), this.grid);
  }

  /** Starts a new episode in every environment; the first observations, numEnvs x observationSize. */
  async reset(): Promise<Float32Array> {
    this.checkAlive('reset');
    this.started = true;
    return this.serial(async () => {
      const obsBytes = this.numEnvs * playersOf(this.definition) * this.definition.observationSize * 4;
      const maskBytes = this.numEnvs * maskSizeOf(this.definition) * 4;
      const recorder = new Recorder(this.gpu, 'GpuVecEnv.reset');
      this.recordReset(recorder);
      recorder.copy(this.out, 0, this.staging, 0, obsBytes);
      if (maskBytes > 0) recorder.copy(this.out, this.maskOffset * 4, this.staging, obsBytes, maskBytes);
      recorder.submit();
      const bytes = await this.readStaging(obsBytes + maskBytes);
      this.lastActionMask = maskBytes > 0 ? new Float32Array(bytes, obsBytes, maskBytes / 4) : null;
      return new Float32Array(bytes, 0, obsBytes / 4);
    });
  }

  /**
   * One step of every environment under `actions` (discrete: Int32Array [numEnvs]; box: Float32Array
   * [numEnvs x action.size] row-major, passed to the environment unclipped; a two-player game: Int32Array
   * [numEnvs x 2]). Rejects, changing nothing, on actions of the wrong type, length or range.
   */
  async step(actions: Int32Array | Float32Array): Promise<StepResult> {
    this.checkAlive('step');
    if (!this.started) throw new Error(`${this.where('step')}: call reset() (or setState()) before step()`);
    // A two-player game takes one action per player: [numEnvs x 2], player p of environment n at 2n + p.
    const valid = validateActions(this.where('step'), this.spec.action, playersOf(this.spec) * this.numEnvs, actions);
    const upload = valid.slice();
    return this.serial(async () => {
      this.gpu.device.queue.writeBuffer(this.actions, 0, upload);
      const outBytes = this.outFloats * 4;
      const recorder = new Recorder(this.gpu, 'GpuVecEnv.step');
      this.recordStep(recorder);
      recorder.copy(this.out, 0, this.staging, 0, outBytes);
      recorder.copy(this.flags, 0, this.staging, outBytes, this.numEnvs * 4);
      recorder.submit();
      const bytes = await this.readStaging(outBytes + this.numEnvs * 4);
      const n = this.numEnvs;
      const players = playersOf(this.definition);
      const obsFloats = n * players * this.definition.observationSize;
      const flags = new Uint32Array(bytes, outBytes, n);
      const terminated = new Uint8Array(n);
      const truncated = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        terminated[i] = flags[i]! & ENV_FLAG_TERMINATED ? 1 : 0;
        truncated[i] = flags[i]! & ENV_FLAG_TRUNCATED ? 1 : 0;
      }
      this.lastActionMask = maskSizeOf(this.definition) > 0 ? new Float32Array(bytes, this.maskOffset * 4, this.outFloats - this.maskOffset) : null;
      return {
        obs: new Float32Array(bytes, 0, obsFloats),
        finalObs: new Float32Array(bytes, obsFloats * 4, obsFloats),
        reward: new Float32Array(bytes, 2 * obsFloats * 4, n * players),
        terminated,
        truncated,
      };
    });
  }

  /**
   * Overwrites every environment's state (numEnvs x stateSize, row-major, Gymnasium's layout) and restarts its
   * step count; episode numbers (and so the generators of later resets) are kept.
   */
  async setState(state: Float32Array): Promise<void> {
    this.checkAlive('setState');
    const n = this.numEnvs;
    const size = this.definition.stateSize;
    validateState(this.where('setState'), state, n, size, this.definition.stateNames);
    const featureMajor = new Float32Array(n * size);
    for (let e = 0; e < n; e++) {
      for (let s = 0; s < size; s++) featureMajor[s * n + e] = state[e * size + s]!;
    }
    this.started = true;
    return this.serial(async () => {
      this.gpu.device.queue.writeBuffer(this.buffers.state, 0, featureMajor);
      this.gpu.device.queue.writeBuffer(this.buffers.episodeSteps, 0, new Uint32Array(n));
    });
  }

  /** Every environment's state, numEnvs x stateSize row-major. */
  async getState(): Promise<Float32Array> {
    this.checkAlive('getState');
    return this.serial(async () => {
      const n = this.numEnvs;
      const size = this.definition.stateSize;
      const featureMajor = new Float32Array(await readBuffer(this.gpu, this.buffers.state, n * size * 4));
      const state = new Float32Array(n * size);
      for (let e = 0; e < n; e++) {
        for (let s = 0; s < size; s++) state[e * size + s] = featureMajor[s * n + e]!;
      }
      return state;
    });
  }

  /** Frees the buffers once every call made so far has finished; later calls throw. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    void this.tail.then(() => {
      for (const buffer of [this.params, this.actions, this.out, this.flags, this.staging, ...Object.values(this.buffers)]) {
        this.gpu.destroyBuffer(buffer);
      }
    });
  }

  private async readStaging(bytes: number): Promise<ArrayBuffer> {
    await this.staging.mapAsync(GPUMapMode.READ, 0, bytes);
    try {
      return this.staging.getMappedRange(0, bytes).slice(0);
    } finally {
      this.staging.unmap();
    }
  }
}
