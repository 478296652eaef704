/**
 * Owner of src/reinforce/psi.wgsl.ts: REINFORCE's ψ_t over a rollout on the GPU, written where PPO's GAE writes its
 * advantages (ψ) and returns (the critic's target), so that the update that follows is the same.
 */
import type { Gpu } from '../gpu/device.js';
import { gridFor, type Recorder } from '../gpu/recorder.js';
import type { Psi as PsiName } from '../config.js';
import type { BoundGae, GaeRegions } from '../ppo/gae.js';
import { PSI_WORKGROUP, PsiParams, psiBindings, psiWgsl } from './psi.wgsl.js';

/** How the scan computes one ψ (see psi.wgsl.ts): the critic's weight w, λ, and which quantity is ψ. */
export interface PsiScan {
  critic: 0 | 1;
  lambda: number;
  psiIsReturn: boolean;
  wholeSegment: boolean;
}

/** The scan's settings for each ψ; gaeLambda is used by 'advantage' only. */
export function psiScan(psi: PsiName, gaeLambda: number): PsiScan {
  switch (psi) {
    case 'total_return':
      return { critic: 0, lambda: 1, psiIsReturn: true, wholeSegment: true };
    case 'reward_to_go':
      return { critic: 0, lambda: 1, psiIsReturn: true, wholeSegment: false };
    case 'baseline':
      return { critic: 1, lambda: 1, psiIsReturn: false, wholeSegment: false };
    case 'q_value':
      return { critic: 1, lambda: 0, psiIsReturn: true, wholeSegment: false };
    case 'advantage':
      return { critic: 1, lambda: gaeLambda, psiIsReturn: false, wholeSegment: false };
    case 'td_error':
      return { critic: 1, lambda: 0, psiIsReturn: false, wholeSegment: false };
  }
}

export class Psi {
  private constructor(
    private readonly gpu: Gpu,
    private readonly pipeline: GPUComputePipeline,
  ) {}

  static async create(gpu: Gpu): Promise<Psi> {
    const pipeline = await gpu.pipelines.pipeline({ label: 'Psi.scan', key: 'Psi', entryPoint: 'psi', bindings: psiBindings, build: psiWgsl });
    return new Psi(gpu, pipeline);
  }

  /** A bound scan over `data` (regions at the given float offsets); destroy() frees its parameters' uniform. */
  bind(label: string, data: GPUBuffer, numEnvs: number, numSteps: number, regions: GaeRegions, gamma: number, scan: PsiScan): BoundGae {
    const params = PsiParams.createBuffer(this.gpu, `${label}.params`, {
      num_envs: numEnvs,
      num_steps: numSteps,
      rewards: regions.rewards,
      values: regions.values,
      dones: regions.dones,
      final_values: regions.finalValues,
      advantages: regions.advantages,
      returns: regions.returns,
      gamma,
      lambda: scan.lambda,
      critic: scan.critic,
      psi_is_return: scan.psiIsReturn ? 1 : 0,
      whole_segment: scan.wholeSegment ? 1 : 0,
    });
    const group = psiBindings.bindGroup(this.gpu.device, `${label}.group`, this.pipeline.getBindGroupLayout(0), { params, data });
    const grid = gridFor(numEnvs, PSI_WORKGROUP, this.gpu.limits.maxComputeWorkgroupsPerDimension);
    return {
      encode: (recorder: Recorder) => recorder.dispatch(this.pipeline, group, grid),
      destroy: () => this.gpu.destroyBuffer(params),
    };
  }
}
