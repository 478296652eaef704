/**
 * TRPO's actor step (Schulman et al. 2015, as SB3-contrib's TRPO): its kernels (samples.wgsl.ts: surrogate
 * gradient and Fisher-vector product; lineSearch.wgsl.ts: candidates; solver.wgsl.ts: CG and the decisions) and
 * PPO's gradient kernel (src/ppo/gradients.wgsl.ts) for the per-sample sums. It reads the run's record
 * (src/ppo/runnerState.ts: parameters, rollout) and owns only its scratch and its per-step state. One step on the
 * batch of M samples, with θ_old = the actor's parameters when it starts:
 *
 *   begin           advantage mean and std of the batch, state reset                                  1 dispatch
 *   g = ∇L(θ_old)   surrogate kernel + gradient kernel, per chunk of the batch                      2 per chunk
 *   CG              cg_init; per iteration: F p (Fisher kernel + gradient kernel per chunk), cg_step
 *                   (the Fisher kernel reuses the surrogate pass's forward when the batch is one chunk)
 *   step size       F x (Fisher + gradient per chunk), step_size: s = sqrt(2 max_kl / xᵀ(F + λI)x) x
 *   line search     per try: candidate kernel (KL and surrogate gain of θ_old + f s), search_decide
 *   apply           θ = θ_old + f s for the accepted f, or θ_old                                      1 dispatch
 *
 * all decided on the GPU: no readback, one compute pass. Tries after the accepted one, and CG iterations after CG
 * has stopped, still dispatch but return at once (their flags: TrpoState's, and CG's own control block's skip).
 *
 * Only the actor's parameters (its layers and actor_logstd) move. The critic's regression (SB3-contrib: Adam on
 * the value loss over the critic's parameters, n_critic_updates epochs of minibatches after the actor step) is
 * not here: `critic` is the hook, encoded right after the actor step by `encode`.
 */
import type { Gpu } from '../gpu/device.js';
import { maxStorageBytes } from '../gpu/buffers.js';
import { readBuffer } from '../gpu/readback.js';
import { gridFor, type Recorder } from '../gpu/recorder.js';
import { Control } from '../nn/adam.wgsl.js';
import type { AgentLayout } from '../agent/agent.js';
import { CHUNK_LIMIT } from '../ppo/update.js';
import { gradientBindings, gradientWgsl, gradientWorkgroups } from '../ppo/gradients.wgsl.js';
import { LOSS_WORKGROUP, lossSamplesFor } from '../ppo/loss.wgsl.js';
import { Slot, SLOT_STRIDE, writeSlots, type SlotValues } from '../ppo/hyper.js';
import { gradientTilingFor, RECORD_DONE, RECORD_WORDS, ScratchLayout, TaskDestination, type GradientTask, type GradientTiling } from '../ppo/scratch.js';
import type { RolloutLayout } from '../ppo/storage.js';
import type { RunnerState } from '../ppo/runnerState.js';
import { fisherBindings, fisherWgsl, surrogateBindings, surrogateWgsl, type SampleKernelSpec } from './samples.wgsl.js';
import { candidateBindings, candidatePartials, candidateWgsl, CANDIDATE_WORKGROUP } from './lineSearch.wgsl.js';
import { SOLVER_WORKGROUP, solverBindings, solverEntries, solverWgsl, TRPO_VECTORS, trpoVectorStride } from './solver.wgsl.js';
import { decodeTrpoState, TrpoHyper, TrpoStat, TrpoState, type TrpoStateValues } from './state.js';

export interface TrpoSettings {
  /** δ, the KL bound of the step (SB3-contrib's target_kl). */
  maxKl: number;
  /** λ of (F + λI) (cg_damping). */
  damping: number;
  /** CG iterations (cg_max_steps). */
  cgIterations: number;
  /** CG stops once sqrt(r·r) falls below this (SB3-contrib's residual_tol). */
  cgTolerance: number;
  /** Candidates of the line search (line_search_max_iter). */
  lineSearchTries: number;
  /** Fraction kept after each rejected candidate (line_search_shrinking_factor). */
  lineSearchShrink: number;
  /** Normalise advantages over the batch (normalize_advantage). */
  normAdv: boolean;
  /** Samples per invocation of the per-sample kernels; default lossSamplesFor(chunk). */
  lossSamples?: number;
  /** Tiling of the gradient kernel; default gradientTilingFor(chunk). */
  gradientTiling?: GradientTiling;
  /** Largest chunk of the per-sample passes (bounds the scratch); default CHUNK_LIMIT. */
  chunkLimit?: number;
  /**
   * How the Fisher kernel gets θ_old's forward pass: 'cached' reads what the step's surrogate pass left in the
   * scratch (the batch must be one chunk), 'recompute' runs it again for every product. Default: 'cached' when
   * the batch is one chunk.
   */
  fisherForward?: 'cached' | 'recompute';
}

/** CG of 10 iterations, λ = 0.1, δ = 0.01, line-search fractions 1, 1/2, 1/4, ... (10 tries). */
export const TRPO_SETTINGS: TrpoSettings = {
  maxKl: 0.01,
  damping: 0.1,
  cgIterations: 10,
  cgTolerance: 1e-10,
  lineSearchTries: 10,
  lineSearchShrink: 0.5,
  normAdv: true,
};

/** The part of the run's record the step reads (obs, actions, logprobs, advantages) and writes (the actor's params). */
export type TrpoBuffers = Pick<RunnerState, 'params' | 'storage' | 'store'>;

/** Whatever the trainer encodes after the actor step (the critic's regression). */
export interface CriticStep {
  encode(recorder: Recorder): void;
}

/** The CG vectors, in the flat parameter layout (only the actor's entries are used). */
export type TrpoVector = (typeof TRPO_VECTORS)[number];

interface Pipelines {
  surrogate: GPUComputePipeline;
  fisher: GPUComputePipeline;
  gradientSurrogate: GPUComputePipeline;
  gradientFisher: GPUComputePipeline;
  candidate: GPUComputePipeline;
  begin: GPUComputePipeline;
  cgInit: GPUComputePipeline;
  cgStep: GPUComputePipeline;
  stepSize: GPUComputePipeline;
  decide: GPUComputePipeline;
  apply: GPUComputePipeline;
}

export class TrpoUpdate {
  readonly settings: TrpoSettings;
  readonly scratch: ScratchLayout;
  /** Samples per chunk of the per-sample passes, and the chunks of the batch. */
  readonly chunk: number;
  readonly chunks: number;
  readonly lossSamples: number;
  readonly gradientTiling: GradientTiling;
  /** The Fisher kernel's forward pass (TrpoSettings.fisherForward, resolved). */
  readonly fisherForward: 'cached' | 'recompute';
  /** Actor entries of the CG vectors. */
  readonly entries: number;
  /** The step's scalars (TrpoState). */
  readonly state: GPUBuffer;
  /** The surrogate pass's record: [TrpoStat.surrogate] = L(θ_old), RECORD_WORDS floats. */
  readonly records: GPUBuffer;
  /** CG's stop flag for the Fisher passes on p (a control block; only `skip` is used), set by cg_init / cg_step. */
  readonly control: GPUBuffer;
  /** A control block never written: the surrogate pass and the Fisher pass on x always run. */
  private readonly idleControl: GPUBuffer;
  /** π_old per sample, [A][M]: log-softmax (categorical) or means (Gaussian). */
  readonly oldDist: GPUBuffer;
  /** Each CG vector as its range of the one `cg` buffer (the solver binds it whole). */
  readonly vectors: Readonly<Record<TrpoVector, Required<GPUBufferBinding>>>;
  private readonly cgBuffer: GPUBuffer;
  /** Encoded after the actor step by `encode` (see the header). */
  critic: CriticStep | undefined;
  private readonly hyper: GPUBuffer;
  private readonly slots: GPUBuffer;
  private readonly scratchBuffer: GPUBuffer;
  private readonly partials: GPUBuffer;
  private readonly surrogateTasks: GPUBuffer;
  private readonly fisherTasks: GPUBuffer;
  private readonly slotValues: SlotValues[] = [];
  private readonly surrogateWorkgroups: number;
  private readonly fisherWorkgroups: number;
  private readonly groups: {
    surrogate: GPUBindGroup;
    fisherP: GPUBindGroup;
    fisherX: GPUBindGroup;
    gradientSurrogate: GPUBindGroup;
    gradientFisherP: GPUBindGroup;
    gradientFisherX: GPUBindGroup;
    candidate: GPUBindGroup;
    solver: GPUBindGroup;
  };

  private constructor(
    private readonly gpu: Gpu,
    readonly agent: AgentLayout,
    readonly layout: RolloutLayout,
    settings: TrpoSettings,
    private readonly pipelines: Pipelines,
    scratch: ScratchLayout,
    chunk: number,
    fisherForward: 'cached' | 'recompute',
    buffers: TrpoBuffers,
  ) {
    this.settings = settings;
    this.fisherForward = fisherForward;
    this.scratch = scratch;
    this.chunk = chunk;
    const M = layout.samples;
    this.chunks = Math.ceil(M / chunk);
    this.lossSamples = settings.lossSamples ?? lossSamplesFor(chunk);
    this.gradientTiling = settings.gradientTiling ?? gradientTilingFor(chunk);
    this.entries = solverEntries(actorExtent(agent));
    for (let c = 0; c < this.chunks; c++) {
      const chunkStart = c * chunk;
      this.slotValues.push({ epoch: 0, minibatch: 0, record: 0, chunk_start: chunkStart, chunk_size: Math.min(chunk, M - chunkStart), accumulate: c > 0 ? 1 : 0, scratch_stride: chunk });
    }
    const { surrogate: surrogateTaskList, fisher: fisherTaskList } = taskTables(scratch, this.gradientTiling);
    this.surrogateWorkgroups = gradientWorkgroups({ tiling: this.gradientTiling, taskCount: surrogateTaskList.length });
    this.fisherWorkgroups = gradientWorkgroups({ tiling: this.gradientTiling, taskCount: fisherTaskList.length });
    const label = (role: string) => `TrpoUpdate.${role}`;
    const slotBytes = new Uint8Array(writeSlots(this.slotValues));
    this.slots = gpu.buffer({ label: label('slots'), size: slotBytes.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, data: slotBytes });
    this.hyper = TrpoHyper.createBuffer(gpu, label('hyper'), {
      max_kl: settings.maxKl,
      damping: settings.damping,
      cg_tolerance: settings.cgTolerance,
      shrink: settings.lineSearchShrink,
      max_tries: settings.lineSearchTries,
      norm_adv: settings.normAdv ? 1 : 0,
    });
    this.state = gpu.buffer({ label: label('state'), size: TrpoState.byteSize });
    this.records = gpu.buffer({ label: label('records'), size: RECORD_WORDS * 4 });
    this.control = gpu.buffer({ label: label('control'), size: Control.words * 4 });
    this.idleControl = gpu.buffer({ label: label('idleControl'), size: Control.words * 4 });
    this.oldDist = gpu.buffer({ label: label('oldDist'), size: agent.policyOutputs * M * 4 });
    this.scratchBuffer = gpu.buffer({ label: label('scratch'), size: scratch.rows * chunk * 4 });
    this.partials = gpu.buffer({ label: label('partials'), size: 2 * candidatePartials(M, this.lossSamples) * 4 });
    const taskBuffer = (name: string, tasks: GradientTask[]) => {
      const words = ScratchLayout.taskWords(tasks);
      return gpu.buffer({ label: label(name), size: words.byteLength, data: words });
    };
    this.surrogateTasks = taskBuffer('surrogateTasks', surrogateTaskList);
    this.fisherTasks = taskBuffer('fisherTasks', fisherTaskList);
    const stride = trpoVectorStride(agent.table.size);
    this.cgBuffer = gpu.buffer({ label: label('cgVectors'), size: TRPO_VECTORS.length * stride * 4 });
    const section = (name: TrpoVector) => ({ buffer: this.cgBuffer, offset: TRPO_VECTORS.indexOf(name) * stride * 4, size: agent.table.byteSize });
    this.vectors = { g: section('g'), x: section('x'), r: section('r'), p: section('p'), fv: section('fv') };
    const device = gpu.device;
    const slot = { buffer: this.slots, offset: 0, size: Slot.byteSize };
    const { params, storage, store } = buffers;
    const v = this.vectors;
    const fisherGroup = (name: string, direction: GPUBufferBinding, control: GPUBuffer) =>
      fisherBindings.bindGroup(device, label(name), pipelines.fisher.getBindGroupLayout(0), {
        slot,
        params,
        rollout: storage,
        direction,
        control,
        scratch: this.scratchBuffer,
        old_dist: this.oldDist,
        store,
      });
    const gradientGroup = (name: string, tasks: GPUBuffer, grads: GPUBufferBinding, control: GPUBuffer) =>
      gradientBindings.bindGroup(device, label(name), pipelines.gradientSurrogate.getBindGroupLayout(0), {
        slot,
        tasks,
        scratch: this.scratchBuffer,
        control,
        grads,
        records: this.records,
      });
    this.groups = {
      surrogate: surrogateBindings.bindGroup(device, label('surrogateGroup'), pipelines.surrogate.getBindGroupLayout(0), {
        slot,
        hyper: this.hyper,
        params,
        rollout: storage,
        control: this.idleControl,
        state: this.state,
        scratch: this.scratchBuffer,
        old_dist: this.oldDist,
        store,
      }),
      fisherP: fisherGroup('fisherGroupP', v.p, this.control),
      fisherX: fisherGroup('fisherGroupX', v.x, this.idleControl),
      gradientSurrogate: gradientGroup('gradientGroupSurrogate', this.surrogateTasks, v.g, this.idleControl),
      gradientFisherP: gradientGroup('gradientGroupFisherP', this.fisherTasks, v.fv, this.control),
      gradientFisherX: gradientGroup('gradientGroupFisherX', this.fisherTasks, v.fv, this.idleControl),
      candidate: candidateBindings.bindGroup(device, label('candidateGroup'), pipelines.candidate.getBindGroupLayout(0), {
        hyper: this.hyper,
        params,
        direction: v.x,
        rollout: storage,
        old_dist: this.oldDist,
        state: this.state,
        partials: this.partials,
        store,
      }),
      solver: solverBindings.bindGroup(device, label('solverGroup'), pipelines.begin.getBindGroupLayout(0), {
        hyper: this.hyper,
        state: this.state,
        control: this.control,
        rollout: storage,
        records: this.records,
        partials: this.partials,
        cg: this.cgBuffer,
        params,
        store,
      }),
    };
  }

  static async create(gpu: Gpu, agent: AgentLayout, layout: RolloutLayout, settings: Partial<TrpoSettings>, buffers: TrpoBuffers): Promise<TrpoUpdate> {
    const full: TrpoSettings = { ...TRPO_SETTINGS, ...settings };
    validate(full);
    const M = layout.samples;
    const scratch = new ScratchLayout(agent, { critic: false, statRows: TrpoStat.rows });
    const chunk = Math.max(1, Math.min(M, full.chunkLimit ?? CHUNK_LIMIT, Math.floor(maxStorageBytes(gpu.limits) / (scratch.rows * 4))));
    const oneChunk = chunk >= M;
    if (full.fisherForward === 'cached' && !oneChunk) {
      throw new RangeError(`TRPO setting fisherForward is 'cached', but the batch of ${M} samples runs in chunks of ${chunk}; expected 'recompute' (or a batch that fits one chunk)`);
    }
    const fisherForward = full.fisherForward ?? (oneChunk ? 'cached' : 'recompute');
    const arch = agent.architecture;
    const samples = full.lossSamples ?? lossSamplesFor(chunk);
    const tiling = full.gradientTiling ?? gradientTilingFor(chunk);
    const tasks = taskTables(scratch, tiling);
    const sampleSpec: SampleKernelSpec = {
      action: arch.action,
      obsSize: arch.observationSize,
      actor: agent.inline('actor'),
      logstdOffset: agent.logstd?.offset ?? 0,
      samples,
      rows: {
        x: scratch.xRow,
        actorActivations: scratch.actorActivationRows,
        actorDeltas: scratch.actorDeltaRows,
        stats: scratch.statRow,
        logstd: scratch.logstdRow,
      },
      surrogateStat: TrpoStat.surrogate,
      masked: layout.shape.masked === true,
    };
    const gradientCode = (taskCount: number) => gradientWgsl({ tiling, taskCount, recordWords: RECORD_WORDS, doneIndex: RECORD_DONE });
    const solverCode = solverWgsl({ ...actorExtent(agent), vectorStride: trpoVectorStride(agent.table.size), candidateSamples: CANDIDATE_WORKGROUP * samples, surrogateRecord: TrpoStat.surrogate });
    const candidateCode = candidateWgsl({ action: arch.action, obsSize: arch.observationSize, actor: agent.inline('actor'), logstdOffset: agent.logstd?.offset ?? 0, samples, masked: layout.shape.masked === true });
    type Bindings = Parameters<Gpu['pipelines']['pipeline']>[0]['bindings'];
    const request = (role: string, key: string, code: string, entryPoint: string, bindings: Bindings) =>
      gpu.pipelines.pipeline({ label: `TrpoUpdate.${role}`, key: `${key}\n${code}`, entryPoint, bindings, build: () => code });
    const solver = (entryPoint: string) => request(entryPoint, 'TrpoSolver', solverCode, entryPoint, solverBindings);
    const [surrogate, fisher, gradientSurrogate, gradientFisher, candidate, begin, cgInit, cgStep, stepSize, decide, apply] = await Promise.all([
      request('surrogate', 'TrpoSurrogate', surrogateWgsl(sampleSpec), 'surrogate_main', surrogateBindings),
      request('fisher', 'TrpoFisher', fisherWgsl({ ...sampleSpec, cachedForward: fisherForward === 'cached' }), 'fisher_main', fisherBindings),
      request('gradientSurrogate', 'PpoGradient', gradientCode(tasks.surrogate.length), 'gradient_main', gradientBindings),
      request('gradientFisher', 'PpoGradient', gradientCode(tasks.fisher.length), 'gradient_main', gradientBindings),
      request('candidate', 'TrpoCandidate', candidateCode, 'candidate_main', candidateBindings),
      solver('begin'),
      solver('cg_init'),
      solver('cg_step'),
      solver('step_size'),
      solver('search_decide'),
      solver('apply_step'),
    ]);
    const pipelines: Pipelines = { surrogate, fisher, gradientSurrogate, gradientFisher, candidate, begin, cgInit, cgStep, stepSize, decide, apply };
    return new TrpoUpdate(gpu, agent, layout, full, pipelines, scratch, chunk, fisherForward, buffers);
  }

  /** The actor step (see the header), then the critic hook. No readback. */
  encode(recorder: Recorder): void {
    this.encodeActorStep(recorder);
    this.critic?.encode(recorder);
  }

  encodeActorStep(recorder: Recorder): void {
    this.encodeBegin(recorder);
    this.encodeSurrogateGradient(recorder);
    this.encodeConjugateGradient(recorder);
    this.encodeStepSize(recorder);
    this.encodeLineSearch(recorder);
  }

  /** Advantage statistics of the batch; resets the state. */
  encodeBegin(recorder: Recorder): void {
    this.solver(recorder, this.pipelines.begin);
  }

  /** g = ∇L(θ_old) into vectors.g, L(θ_old) into the record, π_old into oldDist. */
  encodeSurrogateGradient(recorder: Recorder): void {
    this.encodeSamplePass(recorder, this.pipelines.surrogate, this.groups.surrogate, this.pipelines.gradientSurrogate, this.groups.gradientSurrogate, this.surrogateWorkgroups);
  }

  /**
   * vectors.fv = F v (undamped) for v = vectors.p (returns at once once CG has stopped) or vectors.x. With the
   * cached forward pass (fisherForward) the step's surrogate pass must have run before. `only` records one of its
   * two kernels (the kernel lab times them apart; the step always runs both).
   */
  encodeFisherProduct(recorder: Recorder, of: 'p' | 'x', only?: 'samples' | 'gradient'): void {
    const [sampleGroup, gradientGroup] = of === 'p' ? [this.groups.fisherP, this.groups.gradientFisherP] : [this.groups.fisherX, this.groups.gradientFisherX];
    this.encodeSamplePass(recorder, this.pipelines.fisher, sampleGroup, this.pipelines.gradientFisher, gradientGroup, this.fisherWorkgroups, only);
  }

  /**
   * CG on (A + λI) x = g into vectors.x, where `product` records vectors.fv = A vectors.p (default: the Fisher
   * pass, A = F; tests pass other operators).
   */
  encodeConjugateGradient(recorder: Recorder, product: (recorder: Recorder) => void = (r) => this.encodeFisherProduct(r, 'p')): void {
    this.solver(recorder, this.pipelines.cgInit);
    for (let it = 0; it < this.settings.cgIterations; it++) {
      product(recorder);
      this.solver(recorder, this.pipelines.cgStep);
    }
  }

  /** F x, then the step scale sqrt(2 max_kl / xᵀ(F + λI)x) and the line search's start. */
  encodeStepSize(recorder: Recorder): void {
    this.encodeFisherProduct(recorder, 'x');
    this.solver(recorder, this.pipelines.stepSize);
  }

  /** Every try, then the accepted parameters. */
  encodeLineSearch(recorder: Recorder): void {
    for (let t = 0; t < this.settings.lineSearchTries; t++) this.encodeLineSearchTry(recorder);
    this.encodeApply(recorder);
  }

  /** One try: the candidate kernel at the state's coefficient, then search_decide (both return once it has ended). */
  encodeLineSearchTry(recorder: Recorder): void {
    const grid = gridFor(candidatePartials(this.layout.samples, this.lossSamples), 1, this.gpu.limits.maxComputeWorkgroupsPerDimension);
    recorder.dispatch(this.pipelines.candidate, this.groups.candidate, grid);
    this.solver(recorder, this.pipelines.decide);
  }

  /** θ_old + coef x on the actor's entries when a candidate was accepted. */
  encodeApply(recorder: Recorder): void {
    recorder.dispatch(this.pipelines.apply, this.groups.solver, gridFor(this.entries, SOLVER_WORKGROUP, this.gpu.limits.maxComputeWorkgroupsPerDimension));
  }

  /** Dispatches of one actor step. */
  get dispatchesPerStep(): number {
    const perPass = 2 * this.chunks;
    return 1 + perPass + 1 + this.settings.cgIterations * (perPass + 1) + perPass + 1 + 2 * this.settings.lineSearchTries + 1;
  }

  /** A CG vector's entries after the submitted work (a readback: tests and the kernel lab). */
  readVector(name: TrpoVector): Promise<Float32Array> {
    const v = this.vectors[name];
    return readBuffer(this.gpu, v.buffer, v.size, v.offset).then((bytes) => new Float32Array(bytes));
  }

  /** Overwrites a CG vector (tests: a right-hand side, a direction). */
  writeVector(name: TrpoVector, data: Float32Array): void {
    this.gpu.write(this.vectors[name].buffer, this.vectors[name].offset, data);
  }

  /** The state after the submitted work (a readback: statistics and tests, not the hot path). */
  async readState(): Promise<TrpoStateValues> {
    return decodeTrpoState(await readBuffer(this.gpu, this.state, TrpoState.byteSize));
  }

  private solver(recorder: Recorder, pipeline: GPUComputePipeline): void {
    recorder.dispatch(pipeline, this.groups.solver, [1]);
  }

  private encodeSamplePass(
    recorder: Recorder,
    samplePipeline: GPUComputePipeline,
    sampleGroup: GPUBindGroup,
    gradientPipeline: GPUComputePipeline,
    gradientGroup: GPUBindGroup,
    gradientWorkgroupCount: number,
    only?: 'samples' | 'gradient',
  ): void {
    const maxPerDim = this.gpu.limits.maxComputeWorkgroupsPerDimension;
    this.slotValues.forEach((slot, c) => {
      const offsets = [c * SLOT_STRIDE];
      if (only !== 'gradient') recorder.dispatch(samplePipeline, sampleGroup, gridFor(Math.ceil(slot.chunk_size / this.lossSamples), LOSS_WORKGROUP, maxPerDim), offsets);
      if (only !== 'samples') recorder.dispatch(gradientPipeline, gradientGroup, [gradientWorkgroupCount], offsets);
    });
  }

  destroy(): void {
    for (const b of [this.hyper, this.slots, this.state, this.records, this.control, this.idleControl, this.oldDist, this.scratchBuffer, this.partials, this.surrogateTasks, this.fisherTasks, this.cgBuffer]) {
      this.gpu.destroyBuffer(b);
    }
  }
}

/** The gradient kernel's tables: the surrogate pass's (layers, log-std, its statistic) and the Fisher passes' (no statistic). */
function taskTables(scratch: ScratchLayout, tiling: GradientTiling): { surrogate: GradientTask[]; fisher: GradientTask[] } {
  const surrogate = scratch.gradientTasks(tiling);
  return { surrogate, fisher: surrogate.filter((task) => task.destination === TaskDestination.grads) };
}

/** The actor's part of the flat layout: its layers from 0 to actorEnd, then actor_logstd (box). */
function actorExtent(agent: AgentLayout): { actorEnd: number; logstdOffset: number; logstdSize: number } {
  const last = agent.actor[agent.actor.length - 1]!;
  const actorEnd = last.bias.offset + last.bias.size;
  if (agent.actor[0]!.weight.offset !== 0 || agent.critic[0]!.weight.offset < actorEnd) {
    throw new Error("TrpoUpdate expects the actor's layers first in the parameter table (AgentLayout's order)");
  }
  return { actorEnd, logstdOffset: agent.logstd?.offset ?? 0, logstdSize: agent.logstd?.size ?? 0 };
}

function validate(s: TrpoSettings): void {
  const fail = (name: keyof TrpoSettings, expected: string): never => {
    throw new RangeError(`TRPO setting ${name} is ${JSON.stringify(s[name])}; expected ${expected}`);
  };
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (!finite(s.maxKl) || s.maxKl <= 0) fail('maxKl', 'a finite number > 0');
  if (!finite(s.damping) || s.damping < 0) fail('damping', 'a finite number >= 0');
  if (!Number.isInteger(s.cgIterations) || s.cgIterations < 1) fail('cgIterations', 'a positive integer');
  if (!finite(s.cgTolerance) || s.cgTolerance < 0) fail('cgTolerance', 'a finite number >= 0');
  if (!Number.isInteger(s.lineSearchTries) || s.lineSearchTries < 1) fail('lineSearchTries', 'a positive integer');
  if (!finite(s.lineSearchShrink) || s.lineSearchShrink <= 0 || s.lineSearchShrink >= 1) fail('lineSearchShrink', 'a number in (0, 1)');
  if (typeof s.normAdv !== 'boolean') fail('normAdv', 'true or false');
  if (s.lossSamples !== undefined && (!Number.isInteger(s.lossSamples) || s.lossSamples < 1)) fail('lossSamples', 'a positive integer');
  if (s.chunkLimit !== undefined && (!Number.isInteger(s.chunkLimit) || s.chunkLimit < 1)) fail('chunkLimit', 'a positive integer');
  if (s.fisherForward !== undefined && s.fisherForward !== 'cached' && s.fisherForward !== 'recompute') fail('fisherForward', "'cached' or 'recompute'");
}
