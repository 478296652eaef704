/**
 * Inference for evaluation and games: `act(obs)` over one observation or a batch, deterministic (argmax / mean)
 * or sampled, on the GPU (owner of src/policy.wgsl.ts: one dispatch and one readback per call). The actions are
 * what the environment receives: Int32Array of indices (discrete; multi-discrete: rows x heads), Float32Array
 * clipped to the box (continuous); categorical policies take the observations' action masks.
 */
import type { Gpu } from './gpu/device.js';
import { gridFor, Recorder } from './gpu/recorder.js';
import type { EnvSpec } from './envs/spec.js';
import { validateActionMask } from './envs/validate.js';
import { policyBindings, PolicyRun, POLICY_WORKGROUP, policyWgsl } from './policy.wgsl.js';
import { actionWidth, type AgentLayout } from './agent/agent.js';
import { DestroyedError } from './destroyed.js';
import { checkOptionKeys } from './options.js';

export interface ActOptions {
  /** argmax / mean (default true) or a sample of the policy. */
  deterministic?: boolean;
  /**
   * Discrete and multi-discrete policies: the action masks of the observations, rows x Σ nvec (1 allowed, 0 not,
   * at least one allowed per head); a masked action is never chosen.
   */
  mask?: Float32Array | Uint8Array;
}

export type Actions = Int32Array | Float32Array;

export class GpuPolicy {
  private capacity = 0;
  private observations: GPUBuffer | undefined;
  private actions: GPUBuffer | undefined;
  private masks: GPUBuffer | undefined;
  private staging: GPUBuffer | undefined;
  private group: GPUBindGroup | undefined;
  private readonly uniform: GPUBuffer;
  private calls = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /** act() calls and holds not finished yet: the buffers are freed only once there are none. */
  private pending = 0;
  private destroyed = false;
  private released = false;
  /** Buffers this policy owns besides its own (a loaded policy's parameters), freed with it. */
  private readonly owned: GPUBuffer[] = [];
  private readonly idleWaiters: (() => void)[] = [];

  private constructor(
    readonly gpu: Gpu,
    readonly spec: EnvSpec,
    readonly agent: AgentLayout,
    /** The agent's flat parameters this policy reads (only the actor part is used). */
    readonly params: GPUBuffer,
    /** Observation statistics (src/agent/normalizer.wgsl.ts), read when the policy normalises observations. */
    readonly norm: GPUBuffer,
    readonly normalization: { clipObs: number } | undefined,
    private readonly pipeline: GPUComputePipeline,
    private readonly seed: number,
  ) {
    this.uniform = PolicyRun.createBuffer(gpu, 'GpuPolicy.params', { batch: 0, deterministic: 0, seed: 0, counter: 0, masked: 0 });
  }

  /**
   * A policy reading the agent's parameters from `params` (the trainer's live buffer, or a loaded copy) and, when
   * `normalization` is given, normalising observations with the statistics in `norm`.
   */
  static async create(
    gpu: Gpu,
    spec: EnvSpec,
    agent: AgentLayout,
    buffers: { params: GPUBuffer; norm: GPUBuffer },
    normalization: { clipObs: number } | undefined,
    seed = 0,
  ): Promise<GpuPolicy> {
    const code = policyWgsl(agent.actorSpec(normalization));
    const pipeline = await gpu.pipelines.pipeline({
      label: 'GpuPolicy.act',
      key: `GpuPolicy\n${code}`,
      entryPoint: 'act',
      bindings: policyBindings,
      build: () => code,
    });
    return new GpuPolicy(gpu, spec, agent, buffers.params, buffers.norm, normalization, pipeline, seed);
  }

  /**
   * Actions for `obs`: one observation (length observationSize) or a batch (a multiple of it, row-major).
   * Calls are served in order.
   */
  act(obs: Float32Array | number[], options: ActOptions = {}): Promise<Actions> {
    this.assertAlive('GpuPolicy.act');
    const deterministic = checkActOptions('GpuPolicy.act', options);
    const input = validateObservations(this.spec, obs);
    const mask = validateActMask('GpuPolicy.act', this.spec, input.length / this.spec.observationSize, options.mask);
    return this.hold(() => {
      const run = this.queue.then(() => this.run(input, deterministic, mask));
      this.queue = run.catch(() => undefined);
      return run;
    }, 'GpuPolicy.act');
  }

  /**
   * Runs `op`, which reads this policy's buffers, keeping them allocated until it has finished even if destroy()
   * is called meanwhile (act and evaluatePolicy go through it).
   */
  async hold<T>(op: () => Promise<T>, method = 'GpuPolicy.hold'): Promise<T> {
    this.assertAlive(method);
    this.pending++;
    try {
      return await op();
    } finally {
      this.pending--;
      if (this.pending === 0) {
        if (this.destroyed) this.release();
        for (const resolve of this.idleWaiters.splice(0)) resolve();
      }
    }
  }

  /** True when no act() call or hold is running. */
  get idle(): boolean {
    return this.pending === 0;
  }

  /** Resolves once no act() call or hold is running. */
  whenIdle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Frees `buffers` together with this policy's own (a loaded policy's copies of the parameters). */
  own(...buffers: GPUBuffer[]): void {
    this.owned.push(...buffers);
  }

  private assertAlive(method: string): void {
    if (this.destroyed) throw new DestroyedError(method, 'the policy (or the trainer it belongs to) was destroyed');
  }

  private async run(obs: Float32Array, deterministic: boolean, mask: Float32Array | undefined): Promise<Actions> {
    const batch = obs.length / this.spec.observationSize;
    const width = actionWidth(this.spec.action);
    this.ensureCapacity(batch);
    this.gpu.write(this.observations!, 0, obs);
    if (mask) this.gpu.write(this.masks!, 0, mask);
    PolicyRun.writeTo(this.gpu, this.uniform, { batch, deterministic: deterministic ? 1 : 0, seed: this.seed >>> 0, counter: this.calls++ >>> 0, masked: mask ? 1 : 0 });
    const recorder = new Recorder(this.gpu, 'GpuPolicy.encoder');
    recorder.dispatch(this.pipeline, this.group!, gridFor(batch, POLICY_WORKGROUP, this.gpu.limits.maxComputeWorkgroupsPerDimension));
    recorder.copy(this.actions!, 0, this.staging!, 0, batch * width * 4);
    recorder.submit();
    await this.staging!.mapAsync(GPUMapMode.READ, 0, batch * width * 4);
    const values = new Float32Array(this.staging!.getMappedRange(0, batch * width * 4).slice(0));
    this.staging!.unmap();
    return this.spec.action.type === 'box' ? values : Int32Array.from(values);
  }

  private ensureCapacity(batch: number): void {
    if (batch <= this.capacity) return;
    this.releaseBuffers();
    const capacity = Math.max(batch, 64);
    const width = actionWidth(this.spec.action);
    this.observations = this.gpu.buffer({ label: 'GpuPolicy.observations', size: capacity * this.spec.observationSize * 4 });
    this.actions = this.gpu.buffer({ label: 'GpuPolicy.actions', size: capacity * width * 4 });
    this.masks = this.gpu.buffer({ label: 'GpuPolicy.masks', size: capacity * this.agent.policyOutputs * 4 });
    this.staging = this.gpu.buffer({
      label: 'GpuPolicy.staging',
      size: capacity * width * 4,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    this.group = policyBindings.bindGroup(this.gpu.device, 'GpuPolicy.group', this.pipeline.getBindGroupLayout(0), {
      run: this.uniform,
      params: this.params,
      observations: this.observations,
      actions: this.actions,
      norm: this.norm,
      masks: this.masks,
    });
    this.capacity = capacity;
  }

  private releaseBuffers(): void {
    for (const b of [this.observations, this.actions, this.masks, this.staging]) this.gpu.destroyBuffer(b);
  }

  /** Frees the GPU memory (once running act() calls have finished); later calls throw DestroyedError; twice is safe. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.pending === 0) this.release();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.releaseBuffers();
    this.gpu.destroyBuffer(this.uniform);
    for (const buffer of this.owned) this.gpu.destroyBuffer(buffer);
  }
}

/** Checks act()'s options; returns `deterministic` (default true). */
export function checkActOptions(where: string, options: ActOptions): boolean {
  checkOptionKeys(where, options, ['deterministic', 'mask']);
  const deterministic = options?.deterministic ?? true;
  if (typeof deterministic !== 'boolean') throw new TypeError(`${where}(obs, options): deterministic is ${String(deterministic)}; expected true or false`);
  return deterministic;
}

/** Checks act()'s mask for `rows` observations (undefined: none); see validateActionMask. */
export function validateActMask(where: string, spec: EnvSpec, rows: number, mask: unknown): Float32Array | undefined {
  if (mask === undefined) return undefined;
  return validateActionMask(`${where}(obs, { mask }) for '${spec.id}'`, spec.action, rows, mask, 'observation');
}

/** Checks an observation batch: a Float32Array or number array whose length is a positive multiple of obsSize, finite. */
export function validateObservations(spec: EnvSpec, obs: Float32Array | number[]): Float32Array {
  const where = `policy.act(obs) for '${spec.id}'`;
  if (!(obs instanceof Float32Array) && !Array.isArray(obs)) {
    throw new TypeError(`${where}: obs is ${Object.prototype.toString.call(obs)}; expected a Float32Array (or number[]) of observations`);
  }
  const size = spec.observationSize;
  if (obs.length === 0 || obs.length % size !== 0) {
    throw new RangeError(`${where}: obs has length ${obs.length}; expected a positive multiple of the observation size ${size} (one row per observation)`);
  }
  const values = obs instanceof Float32Array ? obs : Float32Array.from(obs);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new RangeError(`${where}: obs[${i}] (row ${Math.floor(i / size)}, component ${i % size}) is ${obs[i]}; expected a finite number`);
    }
  }
  return values;
}
