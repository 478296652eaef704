/**
 * Adam over one flat parameter buffer, with global gradient-norm clipping, its learning
 * rate, step count, clip factor and skip flag in a GPU control block (the maths: adam.wgsl.ts).
 * Two dispatches a step (three when the model is large enough for a two-pass norm); no readback.
 */
import type { Gpu } from '../gpu/device.js';
import { gridFor, type Recorder } from '../gpu/recorder.js';
import { ADAM_WORKGROUP, adamBindings, AdamHyper, adamWgsl, Control } from './adam.wgsl.js';
import { Reduction, SINGLE_PASS_LIMIT, PARTIAL_WORKGROUPS, type ReductionPlan } from './reduction.js';

export interface AdamConfig {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  /** Added to the denominator; CleanRL's PPO uses 1e-5 (PyTorch's default is 1e-8). */
  eps?: number;
  /** Clip the global gradient norm to this value; 0 or undefined: no clipping. */
  maxGradNorm?: number;
}

/** Adam's state: the moments m, v [2][count] and the control block; given by the caller or made by Adam. */
export interface AdamState {
  moments: GPUBuffer;
  control: GPUBuffer;
}

export class Adam {
  /** The control block: lr, step, gradNorm, clipScale, skip, nonfinite (see Control in src/nn/adam.wgsl.ts). */
  readonly control: GPUBuffer;
  /** First and second moments, 2 x count floats, in the parameter layout. */
  readonly moments: GPUBuffer;
  private readonly hyper: GPUBuffer;
  private readonly prepareGroup: GPUBindGroup;
  private readonly updateGroup: GPUBindGroup;
  private readonly normPass: ReductionPlan | undefined;
  private readonly normPartials: GPUBuffer | undefined;
  private readonly ownsState: boolean;

  private constructor(
    private readonly gpu: Gpu,
    readonly label: string,
    readonly count: number,
    readonly config: Required<AdamConfig>,
    private readonly preparePipeline: GPUComputePipeline,
    private readonly updatePipeline: GPUComputePipeline,
    params: GPUBuffer,
    grads: GPUBuffer,
    sumsq: Reduction,
    state: AdamState | undefined,
  ) {
    // Adam frees the state only when it made it.
    this.ownsState = state === undefined;
    this.control = state?.control ?? gpu.buffer({ label: `${label}.control`, size: Control.words * 4, data: initialAdamControl(config.learningRate) });
    this.moments = state?.moments ?? gpu.buffer({ label: `${label}.moments`, size: 2 * count * 4 });
    let normInput = grads;
    let normCount = count;
    let normIsPartial = 0;
    if (count > SINGLE_PASS_LIMIT) {
      // Large models: sum-of-squares partials first (one float per workgroup), prepare combines them.
      this.normPartials = gpu.buffer({ label: `${label}.normPartials`, size: PARTIAL_WORKGROUPS * 4 });
      this.normPass = sumsq.partialsOnly(`${label}.norm`, grads, 0, count, this.normPartials);
      normInput = this.normPartials;
      normCount = PARTIAL_WORKGROUPS;
      normIsPartial = 1;
    }
    this.hyper = AdamHyper.createBuffer(gpu, `${label}.hyper`, {
      beta1: config.beta1,
      beta2: config.beta2,
      eps: config.eps,
      max_grad_norm: config.maxGradNorm,
      count,
      norm_count: normCount,
      norm_is_partial: normIsPartial,
    });
    const layout = preparePipeline.getBindGroupLayout(0);
    const shared = { hyper: this.hyper, control: this.control, params, moments: this.moments };
    this.prepareGroup = adamBindings.bindGroup(gpu.device, `${label}.prepareGroup`, layout, { ...shared, norm_input: normInput });
    this.updateGroup = adamBindings.bindGroup(gpu.device, `${label}.updateGroup`, layout, { ...shared, norm_input: grads });
  }

  /**
   * Adam over `count` floats of `params`, reading gradients of the same layout from `grads`; its moments and control
   * block are `state` when given (a run's record keeps them), else buffers of its own.
   */
  static async create(gpu: Gpu, label: string, params: GPUBuffer, grads: GPUBuffer, count: number, config: AdamConfig, state?: AdamState): Promise<Adam> {
    const full: Required<AdamConfig> = {
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      maxGradNorm: 0,
      ...config,
    };
    validate(full);
    const request = (entryPoint: string) =>
      gpu.pipelines.pipeline({ label: `Adam.${entryPoint}`, key: 'Adam', entryPoint, bindings: adamBindings, build: adamWgsl });
    const [prepare, update, sumsq] = await Promise.all([request('prepare'), request('update'), Reduction.create(gpu, 'sumsq')]);
    return new Adam(gpu, label, count, full, prepare, update, params, grads, sumsq, state);
  }

  /** Records one optimizer step: gradient norm and clip factor, then the update. */
  encodeStep(recorder: Recorder): void {
    this.normPass?.encode(recorder);
    recorder.dispatch(this.preparePipeline, this.prepareGroup, [1]);
    recorder.dispatch(this.updatePipeline, this.updateGroup, gridFor(this.count, ADAM_WORKGROUP, this.gpu.limits.maxComputeWorkgroupsPerDimension));
  }

  /** Dispatches recorded by encodeStep. */
  get dispatchesPerStep(): number {
    return this.normPass ? 3 : 2;
  }

  /** Sets the learning rate for the following steps (a queue write, ordered before the next submit). */
  setLearningRate(learningRate: number): void {
    this.gpu.write(this.control, Control.lr * 4, new Float32Array([learningRate]));
  }

  /** Clears the control block (step 0, no skip, no non-finite flag) and the moments. */
  reset(learningRate = this.config.learningRate): void {
    this.gpu.write(this.control, 0, initialAdamControl(learningRate));
    this.gpu.write(this.moments, 0, new Float32Array(2 * this.count));
  }

  destroy(): void {
    if (this.ownsState) {
      this.gpu.destroyBuffer(this.control);
      this.gpu.destroyBuffer(this.moments);
    }
    this.gpu.destroyBuffer(this.hyper);
    this.normPass?.destroy();
    if (this.normPartials) this.gpu.destroyBuffer(this.normPartials);
  }
}

/** A control block before the first step: the learning rate, step 0, clip scale 1, no flags. */
export function initialAdamControl(learningRate: number): Float32Array<ArrayBuffer> {
  const words = new Float32Array(Control.words);
  words[Control.lr] = learningRate;
  words[Control.clipScale] = 1;
  return words;
}

function validate(config: Required<AdamConfig>): void {
  const check = (name: keyof AdamConfig, ok: boolean, expected: string) => {
    if (!ok) throw new RangeError(`Adam ${name} is ${config[name]}; expected ${expected}`);
  };
  check('learningRate', Number.isFinite(config.learningRate) && config.learningRate >= 0, 'a finite number >= 0');
  check('beta1', config.beta1 >= 0 && config.beta1 < 1, 'a number in [0, 1)');
  check('beta2', config.beta2 >= 0 && config.beta2 < 1, 'a number in [0, 1)');
  check('eps', config.eps > 0 && Number.isFinite(config.eps), 'a finite number > 0');
  check('maxGradNorm', config.maxGradNorm >= 0 && Number.isFinite(config.maxGradNorm), 'a finite number >= 0 (0: no clipping)');
}
