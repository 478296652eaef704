/**
 * The PPO update: its kernels (epoch.wgsl.ts, loss.wgsl.ts, gradients.wgsl.ts) and Adam over the agent's flat
 * parameters. It works on the run's record (runnerState.ts: parameters, gradients, Adam's state, the rollout, the
 * iteration's hyperparameters, β, the minibatch records) and owns only its scratch. One iteration's update is encoded as:
 *
 *   for each epoch:      epoch kernel (permutation, per-minibatch advantage mean/std, KL early stop)   1 dispatch
 *     for each minibatch, for each chunk of it:
 *                        loss kernel (forward, loss, backward per sample)                             1 dispatch
 *                        gradient kernel (all dW, db, log-std gradient, statistics)                   1 dispatch
 *                        convolution gradient kernel (the encoders' dw, db; grid observations)        1 dispatch
 *     Adam (gradient norm + clip factor, update)                                                      2 dispatches
 *
 * with no readback; each dispatch finds its epoch/minibatch/chunk through a dynamic uniform offset.
 */
import type { Gpu } from '../gpu/device.js';
import { maxStorageBytes } from '../gpu/buffers.js';
import { gridFor, type Recorder } from '../gpu/recorder.js';
import { Control } from '../nn/adam.wgsl.js';
import { minibatchBindings, minibatchWgsl } from './epoch.wgsl.js';
import { LOSS_WORKGROUP, lossBindings, lossLayoutFor, ppoLossWgsl, widestLayer } from './loss.wgsl.js';
import { gradientBindings, gradientWgsl, gradientWorkgroups } from './gradients.wgsl.js';
import { CONV_GRADIENT_WORKGROUP, convGradientBindings, convGradientEntries, convGradientWgsl, type ConvGradientNet } from './convGradients.wgsl.js';
import { feistelHalfBits } from '../../shaders/permutation.js';
import { Hyper, hyperValues, Slot, SLOT_STRIDE, writeSlots, type HyperFields, type SlotValues } from './hyper.js';
import { Adam } from '../nn/adam.js';
import type { AgentLayout } from '../agent/agent.js';
import { gradientTilingFor, RECORD_DONE, RECORD_WORDS, ScratchLayout, Stat, type GradientTiling } from './scratch.js';
import type { RolloutLayout } from './storage.js';
import type { RunnerState } from './runnerState.js';

/** The part of the run's record the update reads and writes. */
export type UpdateBuffers = Pick<RunnerState, 'params' | 'grads' | 'moments' | 'control' | 'storage' | 'store' | 'hyper' | 'ppoState' | 'records'>;

/** Samples per chunk at most: bounds the scratch buffer (rows x chunk floats). */
export const CHUNK_LIMIT = 16384;

/** Samples per chunk of a minibatch: the whole minibatch up to CHUNK_LIMIT and what one storage binding holds. */
export function chunkFor(limits: GPUSupportedLimits, scratchRows: number, minibatchSize: number): number {
  return Math.max(1, Math.min(minibatchSize, CHUNK_LIMIT, Math.floor(maxStorageBytes(limits) / (scratchRows * 4))));
}

export interface UpdateSettings {
  /**
   * 'critic': TRPO's critic regression (the value loss alone over the same epochs and minibatches; the actor's
   * gradient entries are never written, so Adam leaves the actor's parameters as they are).
   */
  algo: 'clip' | 'penalty' | 'critic';
  numMinibatches: number;
  updateEpochs: number;
  learningRate: number;
  adamEps: number;
  maxGradNorm: number;
  /** Samples per invocation of the loss kernel; default lossLayoutFor(chunk, widest layer). */
  lossSamples?: number;
  /** Outputs per register tile of the loss kernel; default lossLayoutFor(chunk, widest layer). */
  lossTile?: number;
  /** Tiling of the gradient kernel; default gradientTilingFor(chunk). */
  gradientTiling?: GradientTiling;
}

export class PpoUpdate {
  readonly adam: Adam;
  readonly scratch: ScratchLayout;
  readonly minibatchSize: number;
  readonly chunk: number;
  readonly chunksPerMinibatch: number;
  /** Samples per invocation of the loss kernel (lossLayoutFor). */
  readonly lossSamples: number;
  /** Tiling of the gradient kernel (gradientTilingFor) and its workgroups per dispatch. */
  readonly gradientTiling: GradientTiling;
  private readonly gradientWorkgroups: number;
  /** Per-minibatch statistics of the iteration, [updateEpochs x numMinibatches][RECORD_WORDS] (the record's). */
  readonly records: GPUBuffer;
  /** [0] = β (PPO-Penalty: read by the loss kernel, adapted after the update by klPenalty.ts; the record's). */
  readonly state: GPUBuffer;
  private readonly perm: GPUBuffer;
  private readonly minibatchAdvantages: GPUBuffer;
  private readonly scratchBuffer: GPUBuffer;
  private readonly slots: GPUBuffer;
  /** The iteration's hyperparameters (the record's), written by prepare(). */
  readonly hyper: GPUBuffer;
  private readonly tasks: GPUBuffer;
  private readonly epochGroup: GPUBindGroup;
  private readonly lossGroup: GPUBindGroup;
  private readonly gradientGroup: GPUBindGroup;
  private readonly convGradientGroup: GPUBindGroup | undefined;
  private readonly slotValues: SlotValues[] = [];

  private constructor(
    private readonly gpu: Gpu,
    readonly settings: UpdateSettings,
    readonly layout: RolloutLayout,
    private readonly pipelines: { epoch: GPUComputePipeline; loss: GPUComputePipeline; gradient: GPUComputePipeline; convGradient?: { pipeline: GPUComputePipeline; entries: number } },
    adam: Adam,
    scratch: ScratchLayout,
    chunk: number,
    buffers: UpdateBuffers,
  ) {
    const { params, grads, storage, store } = buffers;
    this.adam = adam;
    this.scratch = scratch;
    const batch = layout.samples;
    const { numMinibatches, updateEpochs } = settings;
    this.minibatchSize = batch / numMinibatches;
    this.chunk = chunk;
    this.chunksPerMinibatch = Math.ceil(this.minibatchSize / chunk);
    this.lossSamples = settings.lossSamples!;
    this.gradientTiling = settings.gradientTiling ?? gradientTilingFor(chunk);
    const tasks = scratch.gradientTasks(this.gradientTiling);
    this.gradientWorkgroups = gradientWorkgroups({ tiling: this.gradientTiling, taskCount: tasks.length });
    for (let epoch = 0; epoch < updateEpochs; epoch++) {
      for (let minibatch = 0; minibatch < numMinibatches; minibatch++) {
        for (let c = 0; c < this.chunksPerMinibatch; c++) {
          const chunkStart = c * chunk;
          this.slotValues.push({
            epoch,
            minibatch,
            record: epoch * numMinibatches + minibatch,
            chunk_start: chunkStart,
            chunk_size: Math.min(chunk, this.minibatchSize - chunkStart),
            accumulate: c > 0 ? 1 : 0,
            scratch_stride: chunk,
          });
        }
      }
    }
    const slotBytes = new Uint8Array(writeSlots(this.slotValues));
    this.slots = gpu.buffer({ label: 'PpoUpdate.slots', size: slotBytes.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, data: slotBytes });
    this.hyper = buffers.hyper;
    this.perm = gpu.buffer({ label: 'PpoUpdate.permutation', size: batch * 4 });
    this.minibatchAdvantages = gpu.buffer({ label: 'PpoUpdate.minibatchAdvantages', size: 2 * numMinibatches * 4 });
    this.scratchBuffer = gpu.buffer({ label: 'PpoUpdate.scratch', size: scratch.rows * chunk * 4 });
    this.records = buffers.records;
    this.state = buffers.ppoState;
    const recordBytes = updateEpochs * numMinibatches * RECORD_WORDS * 4;
    if (this.records.size < recordBytes) {
      throw new RangeError(`PpoUpdate: the records buffer holds ${this.records.size} bytes; expected at least ${recordBytes} (update_epochs x num_minibatches records)`);
    }
    const taskWords = ScratchLayout.taskWords(tasks);
    this.tasks = gpu.buffer({ label: 'PpoUpdate.tasks', size: taskWords.byteLength, data: taskWords });
    const slot = { buffer: this.slots, offset: 0, size: Slot.byteSize };
    const device = gpu.device;
    this.epochGroup = minibatchBindings.bindGroup(device, 'PpoUpdate.epochGroup', pipelines.epoch.getBindGroupLayout(0), {
      slot,
      hyper: this.hyper,
      rollout: storage,
      perm: this.perm,
      mb_adv: this.minibatchAdvantages,
      control: adam.control,
      records: this.records,
      store,
    });
    this.lossGroup = lossBindings.bindGroup(device, 'PpoUpdate.lossGroup', pipelines.loss.getBindGroupLayout(0), {
      slot,
      hyper: this.hyper,
      params,
      rollout: storage,
      perm: this.perm,
      mb_adv: this.minibatchAdvantages,
      control: adam.control,
      scratch: this.scratchBuffer,
      ppo_state: this.state,
      store,
    });
    this.gradientGroup = gradientBindings.bindGroup(device, 'PpoUpdate.gradientGroup', pipelines.gradient.getBindGroupLayout(0), {
      slot,
      tasks: this.tasks,
      scratch: this.scratchBuffer,
      control: adam.control,
      grads,
      records: this.records,
    });
    const conv = pipelines.convGradient;
    this.convGradientGroup = conv
      ? convGradientBindings.bindGroup(device, 'PpoUpdate.convGradientGroup', conv.pipeline.getBindGroupLayout(0), { slot, scratch: this.scratchBuffer, control: adam.control, grads })
      : undefined;
  }

  static async create(
    gpu: Gpu,
    agent: AgentLayout,
    layout: RolloutLayout,
    settings: UpdateSettings,
    buffers: UpdateBuffers,
  ): Promise<PpoUpdate> {
    const batch = layout.samples;
    const minibatchSize = batch / settings.numMinibatches;
    if (!Number.isInteger(minibatchSize)) {
      throw new RangeError(`num_minibatches ${settings.numMinibatches} does not divide the batch of ${batch} samples (num_envs x num_steps)`);
    }
    const scratch = new ScratchLayout(agent, { actor: settings.algo !== 'critic' });
    const chunk = chunkFor(gpu.limits, scratch.rows, minibatchSize);
    const arch = agent.architecture;
    // The loss kernel's layout, resolved once: what the settings ask for, else the default for this chunk.
    const defaultLayout = lossLayoutFor(chunk, widestLayer(agent.inline('actor'), agent.inline('critic')));
    const lossSamples = settings.lossSamples ?? defaultLayout.samples;
    const lossTile = settings.lossTile ?? defaultLayout.tile;
    settings = { ...settings, lossSamples, lossTile };
    const epochCode = minibatchWgsl({
      recordWords: RECORD_WORDS,
      approxKlIndex: Stat.approxKl,
      doneIndex: RECORD_DONE,
    });
    const lossCode = ppoLossWgsl({
      action: arch.action,
      obsSize: arch.observationSize,
      actor: agent.inline('actor'),
      critic: agent.inline('critic'),
      actorConv: settings.algo !== 'critic' ? agent.inlineConv('actor') : undefined,
      criticConv: agent.inlineConv('critic'),
      logstdOffset: agent.logstd?.offset ?? 0,
      algo: settings.algo,
      samples: lossSamples,
      tile: lossTile,
      masked: layout.shape.masked ?? false,
      rows: {
        x: scratch.xRow,
        actorActivations: scratch.actorActivationRows,
        criticActivations: scratch.criticActivationRows,
        actorDeltas: scratch.actorDeltaRows,
        criticDeltas: scratch.criticDeltaRows,
        stats: scratch.statRow,
        logstd: scratch.logstdRow,
        actorConv: scratch.actorConvRow,
        criticConv: scratch.criticConvRow,
        actorConvDelta: scratch.actorConvDeltaRow,
        criticConvDelta: scratch.criticConvDeltaRow,
      },
      stat: Stat,
    });
    const gradientTiling = settings.gradientTiling ?? gradientTilingFor(chunk);
    const gradientCode = gradientWgsl({
      tiling: gradientTiling,
      taskCount: scratch.gradientTasks(gradientTiling).length,
      recordWords: RECORD_WORDS,
      doneIndex: RECORD_DONE,
    });
    // The encoders' convolutions (grid observations): their gradient kernel.
    const convNets: ConvGradientNet[] = [];
    const actorConv = agent.inlineConv('actor');
    const criticConv = agent.inlineConv('critic');
    if (actorConv && scratch.actorConvDeltaRow !== undefined) convNets.push({ conv: actorConv, inputRow: scratch.xRow, deltaRow: scratch.actorConvDeltaRow });
    if (criticConv && scratch.criticConvDeltaRow !== undefined) convNets.push({ conv: criticConv, inputRow: scratch.xRow, deltaRow: scratch.criticConvDeltaRow });
    const convGradientCode = convNets.length > 0 ? convGradientWgsl(convNets) : undefined;
    const convGradient = convGradientCode
      ? gpu.pipelines
          .pipeline({
            label: 'PpoUpdate.convGradient',
            key: `PpoConvGradient\n${convGradientCode}`,
            entryPoint: 'conv_gradient_main',
            bindings: convGradientBindings,
            build: () => convGradientCode,
          })
          .then((pipeline) => ({ pipeline, entries: convNets.reduce((n, net) => n + convGradientEntries(net.conv), 0) }))
      : Promise.resolve(undefined);
    const [epoch, loss, gradient, adam, conv] = await Promise.all([
      gpu.pipelines.pipeline({
        label: 'PpoUpdate.epoch',
        key: `PpoEpoch\n${epochCode}`,
        entryPoint: 'epoch_main',
        bindings: minibatchBindings,
        build: () => epochCode,
      }),
      gpu.pipelines.pipeline({
        label: 'PpoUpdate.loss',
        key: `PpoLoss\n${lossCode}`,
        entryPoint: 'loss_main',
        bindings: lossBindings,
        build: () => lossCode,
      }),
      gpu.pipelines.pipeline({
        label: 'PpoUpdate.gradient',
        key: `PpoGradient\n${gradientCode}`,
        entryPoint: 'gradient_main',
        bindings: gradientBindings,
        build: () => gradientCode,
      }),
      Adam.create(
        gpu,
        'PpoUpdate.adam',
        buffers.params,
        buffers.grads,
        agent.table.size,
        { learningRate: settings.learningRate, eps: settings.adamEps, maxGradNorm: settings.maxGradNorm },
        { moments: buffers.moments, control: buffers.control },
      ),
      convGradient,
    ]);
    return new PpoUpdate(gpu, settings, layout, { epoch, loss, gradient, ...(conv ? { convGradient: conv } : {}) }, adam, scratch, chunk, buffers);
  }

  /** Before encoding an iteration: its hyperparameters, learning rate; clears the early-stop flag. */
  prepare(hyper: Omit<HyperFields, 'invMinibatch' | 'minibatchSize' | 'numMinibatches' | 'halfBits' | 'numRecords'>, learningRate: number): void {
    const { numMinibatches, updateEpochs } = this.settings;
    const fields: HyperFields = {
      ...hyper,
      invMinibatch: 1 / this.minibatchSize,
      minibatchSize: this.minibatchSize,
      numMinibatches,
      halfBits: feistelHalfBits(this.layout.samples),
      numRecords: numMinibatches * updateEpochs,
    };
    Hyper.writeTo(this.gpu, this.hyper, hyperValues(fields));
    this.gpu.write(this.adam.control, Control.lr * 4, new Float32Array([learningRate]));
    this.gpu.write(this.adam.control, Control.skip * 4, new Uint32Array([0]));
  }

  /** Records all epochs of the update (see the header); no readback. */
  encode(recorder: Recorder): void {
    recorder.clear(this.records);
    for (let epoch = 0; epoch < this.settings.updateEpochs; epoch++) {
      this.encodeEpochStart(recorder, epoch);
      for (let minibatch = 0; minibatch < this.settings.numMinibatches; minibatch++) {
        this.encodeGradient(recorder, epoch, minibatch);
        this.adam.encodeStep(recorder);
      }
    }
  }

  /** The epoch kernel: permutation, per-minibatch advantage statistics, early stop. */
  encodeEpochStart(recorder: Recorder, epoch: number): void {
    const slot = epoch * this.settings.numMinibatches * this.chunksPerMinibatch;
    recorder.dispatch(this.pipelines.epoch, this.epochGroup, [this.settings.numMinibatches], [slot * SLOT_STRIDE]);
  }

  /**
   * Loss and gradient kernels over every chunk of one minibatch: `grads` then holds its gradient. `only` records
   * one of the kernels (the benchmark's kernel lab times them apart; training always runs all).
   */
  encodeGradient(recorder: Recorder, epoch: number, minibatch: number, only?: 'loss' | 'gradient' | 'convGradient'): void {
    const maxPerDim = this.gpu.limits.maxComputeWorkgroupsPerDimension;
    const perMinibatch = this.chunksPerMinibatch;
    for (let c = 0; c < perMinibatch; c++) {
      const index = (epoch * this.settings.numMinibatches + minibatch) * perMinibatch + c;
      const offsets = [index * SLOT_STRIDE];
      if (only === undefined || only === 'loss') {
        recorder.dispatch(this.pipelines.loss, this.lossGroup, gridFor(Math.ceil(this.slotValues[index]!.chunk_size / this.lossSamples), LOSS_WORKGROUP, maxPerDim), offsets);
      }
      if (only === undefined || only === 'gradient') recorder.dispatch(this.pipelines.gradient, this.gradientGroup, [this.gradientWorkgroups], offsets);
      const conv = this.pipelines.convGradient;
      if ((only === undefined || only === 'convGradient') && conv) recorder.dispatch(conv.pipeline, this.convGradientGroup!, [Math.ceil(conv.entries / CONV_GRADIENT_WORKGROUP)], offsets);
    }
  }

  /** The epoch's sample order (a readback: tests). */
  get permutation(): GPUBuffer {
    return this.perm;
  }

  /** Dispatches per iteration of the update (for the summary's gpu counters). */
  get dispatchesPerIteration(): number {
    const { numMinibatches, updateEpochs } = this.settings;
    const perChunk = this.pipelines.convGradient ? 3 : 2;
    return updateEpochs * (1 + numMinibatches * (perChunk * this.chunksPerMinibatch + this.adam.dispatchesPerStep));
  }

  destroy(): void {
    this.adam.destroy();
    for (const b of [this.perm, this.minibatchAdvantages, this.scratchBuffer, this.slots, this.tasks]) this.gpu.destroyBuffer(b);
  }
}

