/**
 * Owner of src/ppo/jsRollout.wgsl.ts: the rollout of an environment whose rules run in JavaScript. Each step is one
 * submit with one upload (observations, and the final observations the critic must bootstrap from) and one
 * readback (the actions); the game steps on the CPU in between. Rewards, dones and the episodes that ended are
 * gathered on the CPU and uploaded once, into the same rollout storage the GPU environments fill, so GAE, the
 * update and the statistics are the same kernels.
 */
import type { Gpu } from '../gpu/device.js';
import { gridFor, Recorder } from '../gpu/recorder.js';
import { allocateStepResult, type JsVecEnv } from '../envs/jsEnv.js';
import type { StepResult } from '../envs/spec.js';
import { POLICY_STEP_WORKGROUP, policyStepBindings, PolicyStepRun, policyStepWgsl } from './jsRollout.wgsl.js';
import { actionWidth, type AgentLayout } from '../agent/agent.js';
import type { RolloutLayout } from './storage.js';
import { collectorSpec, type CollectorBuffers, type CollectorConfig } from './rollout.js';

export class JsRollout {
  private readonly storage: GPUBuffer;
  private readonly upload: GPUBuffer;
  private readonly actionsOut: GPUBuffer;
  private readonly staging: GPUBuffer;
  private readonly uniform: GPUBuffer;
  private readonly group: GPUBindGroup;
  private readonly grid: [number, number];
  /** CPU side of one iteration, uploaded at its end (the rewards go up step by step, for reward normalisation). */
  private readonly dones: Float32Array;
  private readonly episodeReturns: Float32Array;
  private readonly episodeLengths: Float32Array;
  /** Running return and length of each environment's current episode. */
  readonly runningReturn: Float32Array;
  readonly runningLength: Float32Array;
  /** [obs_t | finalObs_{t-1} | bootstrap flags | reward_{t-1} | terminated_{t-1} | masks_t] as uploaded each step. */
  private readonly hostUpload: Float32Array;
  /** Entries of one environment's action mask (0 without masks). */
  private readonly maskWidth: number;
  private readonly result: StepResult;
  private started = false;
  /** Submits of the last iteration (T + 1) and readbacks (T). */
  readonly submitsPerIteration: number;
  readonly readbacksPerIteration: number;

  private constructor(
    private readonly gpu: Gpu,
    private readonly pipeline: GPUComputePipeline,
    readonly env: JsVecEnv,
    private readonly layout: RolloutLayout,
    buffers: CollectorBuffers,
  ) {
    this.storage = buffers.storage;
    const n = env.numEnvs;
    const o = env.spec.observationSize;
    const width = actionWidth(env.spec.action);
    const M = layout.samples;
    this.maskWidth = layout.shape.masked ? layout.shape.policyOutputs : 0;
    this.hostUpload = new Float32Array(2 * n * o + 3 * n + n * this.maskWidth);
    this.upload = gpu.buffer({ label: 'JsRollout.upload', size: this.hostUpload.byteLength });
    this.actionsOut = gpu.buffer({ label: 'JsRollout.actions', size: n * width * 4 });
    this.staging = gpu.buffer({ label: 'JsRollout.actionsReadback', size: n * width * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.uniform = PolicyStepRun.createBuffer(gpu, 'JsRollout.params', { t: 0, step_base: 0, seed: 0 });
    this.group = policyStepBindings.bindGroup(gpu.device, 'JsRollout.group', pipeline.getBindGroupLayout(0), {
      run: this.uniform,
      params: buffers.params,
      upload: this.upload,
      rollout: buffers.storage,
      actions_out: this.actionsOut,
      store: buffers.store,
      norm: buffers.normStats,
      lanes: buffers.normLanes,
    });
    this.grid = gridFor(n, POLICY_STEP_WORKGROUP, gpu.limits.maxComputeWorkgroupsPerDimension);
    this.dones = new Float32Array(M);
    this.episodeReturns = new Float32Array(M);
    this.episodeLengths = new Float32Array(M);
    this.runningReturn = new Float32Array(n);
    this.runningLength = new Float32Array(n);
    this.result = allocateStepResult(env.spec, n);
    this.submitsPerIteration = layout.shape.numSteps + 1;
    this.readbacksPerIteration = layout.shape.numSteps;
  }

  static async create(
    gpu: Gpu,
    env: JsVecEnv,
    agent: AgentLayout,
    layout: RolloutLayout,
    config: CollectorConfig,
    buffers: CollectorBuffers,
  ): Promise<JsRollout> {
    const code = policyStepWgsl(collectorSpec(agent, layout, config));
    const pipeline = await gpu.pipelines.pipeline({
      label: 'JsRollout.policyStep',
      key: `JsRollout\n${code}`,
      entryPoint: 'policy_step',
      bindings: policyStepBindings,
      build: () => code,
    });
    return new JsRollout(gpu, pipeline, env, layout, buffers);
  }

  /**
   * Collects num_steps steps; `finish` records the rest of the iteration (GAE, update, statistics) into the
   * last submit, after the bootstrap values and the CPU-side regions are in place.
   */
  async collect(seed: number, stepBase: number, finish: (recorder: Recorder) => Promise<void>): Promise<void> {
    const { numEnvs: n, numSteps: T } = this.layout.shape;
    const o = this.env.spec.observationSize;
    const width = actionWidth(this.env.spec.action);
    const actions = this.env.spec.action.type === 'box' ? new Float32Array(n * width) : new Int32Array(n * width);
    const masks = this.hostUpload.subarray(2 * n * o + 3 * n);
    if (!this.started) {
      this.env.resetInto(this.result.obs);
      this.started = true;
    }
    const flags = this.hostUpload.subarray(2 * n * o, 2 * n * o + n);
    const rewards = this.hostUpload.subarray(2 * n * o + n, 2 * n * o + 2 * n);
    const terminated = this.hostUpload.subarray(2 * n * o + 2 * n, 2 * n * o + 3 * n);
    flags.fill(0);
    for (let t = 0; t <= T; t++) {
      this.hostUpload.set(this.result.obs, 0);
      if (this.maskWidth > 0 && t < T) this.env.actionMaskInto(masks);
      this.gpu.write(this.upload, 0, this.hostUpload);
      PolicyStepRun.writeTo(this.gpu, this.uniform, { t, step_base: stepBase >>> 0, seed: seed >>> 0 });
      const recorder = new Recorder(this.gpu, `JsRollout.step${t}`);
      recorder.dispatch(this.pipeline, this.group, this.grid);
      if (t === T) {
        this.uploadIteration();
        await finish(recorder);
        recorder.submit();
        return;
      }
      recorder.copy(this.actionsOut, 0, this.staging, 0, n * width * 4);
      recorder.submit();
      await this.staging.mapAsync(GPUMapMode.READ);
      const values = new Float32Array(this.staging.getMappedRange());
      for (let i = 0; i < actions.length; i++) actions[i] = values[i]!;
      this.staging.unmap();
      this.env.stepInto(actions, this.result);
      this.record(t, n);
      // Next step's upload: the final observations of the environments whose episode was truncated.
      this.hostUpload.set(this.result.finalObs, n * o);
      for (let e = 0; e < n; e++) {
        flags[e] = this.result.truncated[e] && !this.result.terminated[e] ? 1 : 0;
        rewards[e] = this.result.reward[e]!;
        terminated[e] = this.result.terminated[e]!;
      }
    }
  }

  private record(t: number, n: number): void {
    const r = this.result;
    for (let e = 0; e < n; e++) {
      const s = t * n + e;
      this.dones[s] = r.terminated[e]! + 2 * r.truncated[e]!;
      this.runningReturn[e]! += r.reward[e]!;
      this.runningLength[e]! += 1;
      if (r.terminated[e] || r.truncated[e]) {
        this.episodeReturns[s] = this.runningReturn[e]!;
        this.episodeLengths[s] = this.runningLength[e]!;
        this.runningReturn[e] = 0;
        this.runningLength[e] = 0;
      } else {
        this.episodeReturns[s] = 0;
        this.episodeLengths[s] = 0;
      }
    }
  }

  /**
   * What a resumed run needs of the CPU side (saved in checkpoints): the current observations, running episode
   * statistics, the step counts and, when the game implements getState, its state.
   */
  async snapshot(): Promise<{ name: string; data: Float32Array | Uint32Array }[]> {
    const entries: { name: string; data: Float32Array | Uint32Array }[] = [
      { name: 'js.obs', data: this.result.obs.slice() },
      { name: 'js.running_return', data: this.runningReturn.slice() },
      { name: 'js.running_length', data: this.runningLength.slice() },
      { name: 'js.episode_steps', data: this.env.episodeSteps.slice() },
    ];
    if (this.started && this.env.batch.getState) entries.push({ name: 'js.env_state', data: await this.env.getState() });
    return entries;
  }

  /** Restores a snapshot: without the game's state (no getState/setState), the environments start afresh. */
  restore(tensors: Map<string, Float32Array | Uint32Array>): boolean {
    const state = tensors.get('js.env_state');
    if (!state || !this.env.batch.setState) return false;
    this.env.setState(state as Float32Array);
    this.env.episodeSteps.set(tensors.get('js.episode_steps')!);
    this.result.obs.set(tensors.get('js.obs')!);
    this.runningReturn.set(tensors.get('js.running_return')!);
    this.runningLength.set(tensors.get('js.running_length')!);
    this.started = true;
    return true;
  }

  private uploadIteration(): void {
    const o = this.layout.offsets;
    this.gpu.write(this.storage, o.dones * 4, this.dones);
    this.gpu.write(this.storage, o.episodeReturns * 4, this.episodeReturns);
    this.gpu.write(this.storage, o.episodeLengths * 4, this.episodeLengths);
  }

  destroy(): void {
    for (const b of [this.upload, this.actionsOut, this.staging, this.uniform]) this.gpu.destroyBuffer(b);
  }
}
