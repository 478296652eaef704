/**
 * Owner of src/agent/evaluate.wgsl.ts: evaluation of a policy over whole episodes on the GPU, one dispatch for all of
 * them, in a batch of environments of its own (seeded apart from training's), one readback of the results.
 */
import type { Gpu } from '../gpu/device.js';
import { readFloat32 } from '../gpu/readback.js';
import { gridFor, Recorder } from '../gpu/recorder.js';
import { composeEnv, envLineLocator } from '../envs/compose.js';
import { emptyMaskError } from '../envs/errors.js';
import { GpuVecEnv } from '../envs/gpuEnv.js';
import type { GpuEnvDefinition } from '../envs/spec.js';
import { evaluateBindings, EvaluateRun, EVALUATE_WORKGROUP, evaluateWgsl } from './evaluate.wgsl.js';
import { envStorageResources } from '../envs/gpuEnv.wgsl.js';
import type { AgentLayout } from './agent.js';

export interface EvaluationResult {
  /** Return of each episode. */
  returns: number[];
  lengths: number[];
  mean: number;
  std: number;
  episodes: number;
  deterministic: boolean;
}

/**
 * Evaluation episodes end at the environment's time limit, or after EVALUATION_STEP_LIMIT steps where that limit is
 * larger: an environment without a time limit (MinAtar's, at the engine's largest) would otherwise run one dispatch
 * for as long as a good policy keeps playing. Such an episode counts as truncated there, with the return so far.
 */
export const EVALUATION_STEP_LIMIT = 10_000;

export function evaluationEpisodeSteps(maxEpisodeSteps: number): number {
  return Math.min(maxEpisodeSteps, EVALUATION_STEP_LIMIT);
}

export class Evaluator {
  private constructor(
    private readonly gpu: Gpu,
    private readonly pipeline: GPUComputePipeline,
    readonly definition: GpuEnvDefinition,
  ) {}

  /** `normalization` (clip, when the policy normalises observations) selects the variant; see run(). */
  static async create(gpu: Gpu, definition: GpuEnvDefinition, agent: AgentLayout, normalization?: { clipObs: number }): Promise<Evaluator> {
    const composed = composeEnv(definition);
    const code = evaluateWgsl({ envCode: composed.code, ...agent.actorSpec(normalization), masked: definition.actionMask === true });
    const pipeline = await gpu.pipelines.pipeline({
      label: 'Evaluator.episodes',
      key: `Evaluator\n${code}`,
      entryPoint: 'evaluate',
      bindings: evaluateBindings,
      build: () => code,
      locate: envLineLocator(definition, composed),
    });
    return new Evaluator(gpu, pipeline, definition);
  }

  /**
   * Runs `episodes` episodes (one per environment) with the parameters in `params` and, for a normalising variant,
   * the observation statistics in `norm` (src/agent/normalizer.wgsl.ts layout).
   */
  async run(params: GPUBuffer, norm: GPUBuffer, episodes: number, deterministic: boolean, seed: number): Promise<EvaluationResult> {
    if (!Number.isInteger(episodes) || episodes <= 0) throw new RangeError(`evaluate episodes is ${episodes}; expected a positive integer`);
    const env = await GpuVecEnv.create(this.gpu, this.definition, { numEnvs: episodes, seed });
    const uniform = EvaluateRun.createBuffer(this.gpu, 'Evaluator.params', {
      episodes,
      deterministic: deterministic ? 1 : 0,
      seed: seed >>> 0,
      max_episode_steps: evaluationEpisodeSteps(this.definition.maxEpisodeSteps),
    });
    const results = this.gpu.buffer({ label: 'Evaluator.results', size: 3 * episodes * 4 });
    try {
      const group = evaluateBindings.bindGroup(this.gpu.device, 'Evaluator.group', this.pipeline.getBindGroupLayout(0), {
        run: uniform,
        params,
        ...envStorageResources(env.buffers),
        results,
        norm,
      });
      const recorder = new Recorder(this.gpu, 'Evaluator.encoder');
      recorder.dispatch(this.pipeline, group, gridFor(episodes, EVALUATE_WORKGROUP, this.gpu.limits.maxComputeWorkgroupsPerDimension));
      recorder.submit();
      const out = await readFloat32(this.gpu, results);
      const returns = Array.from(out.subarray(0, episodes));
      const lengths = Array.from(out.subarray(episodes, 2 * episodes));
      const emptyAt = out.subarray(2 * episodes).findIndex((step) => step > 0);
      if (emptyAt >= 0) throw emptyMaskError(this.definition.id, `evaluation episode ${emptyAt}`, out[2 * episodes + emptyAt]! - 1);
      const mean = returns.reduce((a, b) => a + b, 0) / episodes;
      const std = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / episodes);
      return { returns, lengths, mean, std, episodes, deterministic };
    } finally {
      env.destroy();
      this.gpu.destroyBuffer(uniform);
      this.gpu.destroyBuffer(results);
    }
  }
}
