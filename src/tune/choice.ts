/**
 * What the tuner chooses for a run: the layouts of the training kernels that have variants, each variant computing
 * the same thing (within f32 summation order) in another shape:
 *
 *   loss kernel (src/ppo/loss.wgsl.ts)        samples per invocation S ∈ LOSS_SAMPLE_CANDIDATES (each weight load
 *                                              feeds S FMAs; the private arrays grow as S x layer width) and
 *                                              outputs per register tile T ∈ LOSS_TILE_CANDIDATES (each activation
 *                                              load feeds T FMAs; S x T accumulators), written 'SxT'
 *   gradient kernel (src/ppo/gradients.wgsl.ts)  tiling 'direct' (one invocation per 4 x 4 tile) or 'shared'
 *                                              (16 lanes of one workgroup per 8 x 16 tile, reduced in workgroup memory)
 *   rollout (src/ppo/rollout.wgsl.ts)         workgroup size ∈ ROLLOUT_WORKGROUPS (one invocation per environment)
 *
 * and the cache key of a choice: the adapter, the engine's kernel version and the sizes the timings depend on.
 */
import type { AdapterDescription } from '../gpu/device.js';
import type { TrainerConfig } from '../config.js';
import type { AgentLayout } from '../agent/agent.js';
import { DIRECT_TILING, gradientTilingFor, SHARED_TILING, type GradientTiling } from '../ppo/scratch.js';
import { LOSS_PRIVATE_FLOATS_MAX, lossLayoutFor } from '../ppo/loss.wgsl.js';
import { ROLLOUT_WORKGROUP, ROLLOUT_WORKGROUPS } from '../ppo/rollout.wgsl.js';

/**
 * The version of the tuned kernels' code: part of the cache key, so that a cached choice is never applied to
 * kernels that have changed since it was measured. Raise it whenever a tuned kernel's WGSL or a candidate changes.
 */
export const KERNEL_VERSION = 2;

export const GRADIENT_TILINGS = { direct: DIRECT_TILING, shared: SHARED_TILING } as const satisfies Record<string, GradientTiling>;
export type GradientTilingName = keyof typeof GRADIENT_TILINGS;

export const LOSS_SAMPLE_CANDIDATES = [1, 2, 4, 8] as const;
export const LOSS_TILE_CANDIDATES = [4, 8] as const;
export { LOSS_PRIVATE_FLOATS_MAX };

export interface KernelChoice {
  /** Samples per invocation of the loss kernel. */
  lossSamples: number;
  /** Outputs per register tile of the loss kernel. */
  lossTile: number;
  gradientTiling: GradientTilingName;
  /** Workgroup size of the fused rollout. */
  rolloutWorkgroup: number;
}

export function tilingName(tiling: GradientTiling): GradientTilingName {
  const name = (Object.keys(GRADIENT_TILINGS) as GradientTilingName[]).find((n) => {
    const t = GRADIENT_TILINGS[n];
    return t.tileK === tiling.tileK && t.tileJ === tiling.tileJ && t.lanes === tiling.lanes;
  });
  if (!name) throw new RangeError(`no tuning candidate has the gradient tiling ${JSON.stringify(tiling)}`);
  return name;
}

/** The fixed defaults (tune: false): the engine's rules for a chunk of `chunk` samples, layers at most `widest` wide. */
export function defaultChoice(chunk: number, widest: number): KernelChoice {
  const loss = lossLayoutFor(chunk, widest);
  return { lossSamples: loss.samples, lossTile: loss.tile, gradientTiling: tilingName(gradientTilingFor(chunk)), rolloutWorkgroup: ROLLOUT_WORKGROUP };
}

/** One layout of the loss kernel: S samples per invocation, T outputs per register tile. */
export interface LossLayout {
  samples: number;
  tile: number;
}

export const lossLayoutName = (layout: LossLayout) => `${layout.samples}x${layout.tile}`;

export function parseLossLayout(name: string): LossLayout {
  const match = /^(\d+)x(\d+)$/.exec(name);
  if (!match) throw new RangeError(`loss layout '${name}' is not 'SxT' (samples per invocation x outputs per tile)`);
  return { samples: Number(match[1]), tile: Number(match[2]) };
}

/**
 * The loss kernel's candidates for layers at most `widest` wide: the default first, then the default's samples
 * with the other tiles, then the other sample counts (fewer first) with each tile.
 */
export function lossCandidates(chunk: number, widest: number): LossLayout[] {
  const first = lossLayoutFor(chunk, widest);
  const samples = [first.samples, ...LOSS_SAMPLE_CANDIDATES.filter((s) => s !== first.samples && s * widest <= LOSS_PRIVATE_FLOATS_MAX && s <= chunk)];
  const all = samples.flatMap((s) => LOSS_TILE_CANDIDATES.map((tile) => ({ samples: s, tile })));
  return [first, ...all.filter((c) => c.samples !== first.samples || c.tile !== first.tile)];
}

export function gradientCandidates(chunk: number): GradientTilingName[] {
  const first = tilingName(gradientTilingFor(chunk));
  return [first, ...(Object.keys(GRADIENT_TILINGS) as GradientTilingName[]).filter((n) => n !== first)];
}

/** Rollout workgroups the adapter allows, the default first; sizes above the environment count are left out. */
export function rolloutCandidates(numEnvs: number, maxInvocations: number): number[] {
  return [ROLLOUT_WORKGROUP, ...ROLLOUT_WORKGROUPS.filter((w) => w !== ROLLOUT_WORKGROUP && w <= maxInvocations && w / 2 < numEnvs)];
}

/** The sizes and shapes that the timings depend on (the cache key's run part). */
export interface TuneSizes {
  env: string;
  algo: 'clip' | 'penalty' | 'critic';
  /** GPU environments only: the rollout is tuned; JavaScript environments use JsRollout, which has no variant. */
  gpuEnv: boolean;
  numEnvs: number;
  numSteps: number;
  /** Samples per chunk of the update. */
  chunk: number;
  observationSize: number;
  action: unknown;
  hidden: number[];
  activation: string;
  normObs: boolean;
  normReward: boolean;
  masked: boolean;
}

export function tuneSizes(config: TrainerConfig, agent: AgentLayout, chunk: number, gpuEnv: boolean, masked: boolean): TuneSizes {
  return {
    env: config.env,
    algo: config.algo === 'trpo' ? 'critic' : config.algo === 'ppo-penalty' ? 'penalty' : 'clip',
    gpuEnv,
    numEnvs: config.num_envs,
    numSteps: config.num_steps,
    chunk,
    observationSize: agent.architecture.observationSize,
    action: agent.architecture.action,
    hidden: [...config.hidden_sizes],
    activation: config.activation,
    normObs: config.norm_obs,
    normReward: config.norm_reward,
    masked,
  };
}

/**
 * What identifies an adapter: its vendor, architecture, device and description, and the driver where the
 * platform says (Dawn's adapter info carries the driver in its description on Vulkan).
 */
export function adapterKey(adapter: AdapterDescription): string {
  return [adapter.vendor, adapter.architecture, adapter.device ?? '', adapter.description].join(' / ');
}

/** The cache key of one run's choice: the adapter, the kernel version, the sizes. */
export function tuneKey(adapter: AdapterDescription, sizes: TuneSizes): string {
  return JSON.stringify({ adapter: adapterKey(adapter), kernels: KERNEL_VERSION, sizes });
}
