/**
 * The blocks TRPO's kernels share (a library; the kernels' owner is update.ts):
 *
 * TrpoHyper (uniform): the step's constants, written by the host when the pass is made.
 * TrpoState (storage): every scalar the step decides on the GPU, so no kernel waits for the host: the batch's
 *   advantage statistics, CG's r·r, α, β and stop flag, xᵀ(F + λI)x and the step scale, and the line search's
 *   current coefficient, fraction, tries and outcome. Reset by the first kernel of every step; read back only
 *   for statistics and tests (TrpoUpdate.readState).
 */
import { readOnlyStorage, storage, uniform } from '../gpu/bindings.js';
import { uniformStruct, type StructValues } from '../gpu/uniforms.js';

export const TrpoHyper = uniformStruct('TrpoHyper', {
  /** δ: the KL bound of the step, max_kl (SB3-contrib's target_kl). */
  max_kl: 'f32',
  /** λ of (F + λ I). */
  damping: 'f32',
  /** CG stops once sqrt(r·r) is below this. */
  cg_tolerance: 'f32',
  /** Line search: each rejected candidate multiplies the fraction by this. */
  shrink: 'f32',
  /** Line search: candidates at most. */
  max_tries: 'u32',
  /** 1: advantages normalised over the batch. */
  norm_adv: 'u32',
});

export const TrpoState = uniformStruct('TrpoState', {
  /** Mean and (unbiased) std of the batch's advantages. */
  adv_mean: 'f32',
  adv_std: 'f32',
  /** CG: r·r of the current residual; 1 once CG has stopped; iterations run; the last α and β. */
  rr: 'f32',
  cg_done: 'u32',
  cg_iterations: 'u32',
  alpha: 'f32',
  beta: 'f32',
  /** xᵀ (F + λ I) x and the step scale sqrt(2 max_kl / xᵀ (F + λ I) x) (0 when that is not finite). */
  xax: 'f32',
  step_scale: 'f32',
  /** Line search: the candidate's coefficient (step_scale x fraction) and fraction, candidates evaluated. */
  coef: 'f32',
  fraction: 'f32',
  tries: 'u32',
  /** 1 when a candidate was accepted (then coef is the step taken); 1 once the search has ended. */
  accepted: 'u32',
  search_done: 'u32',
  /** Mean KL and surrogate improvement of the last candidate evaluated. */
  kl: 'f32',
  improvement: 'f32',
  /** L(θ_old), the surrogate before the step. */
  surrogate_old: 'f32',
});

export type TrpoStateValues = StructValues<typeof TrpoState.fields>;

/** Per-sample statistics of the surrogate pass, summed into its record (src/ppo/scratch.ts rows). */
export const TrpoStat = {
  /** (1/M) A_s r_s: sums to L(θ_old). */
  surrogate: 0,
  rows: 1,
} as const;

export const trpoHyperBinding = uniform(TrpoHyper);
/** The state as the per-sample kernels read it (read-only, so its flags are uniform). */
export const trpoStateReadBinding = readOnlyStorage(TrpoState);
/** The state as the single-workgroup solver kernels update it. */
export const trpoStateWriteBinding = storage(TrpoState);

/** Decodes the state's bytes (a readback) by the struct's field list. */
export function decodeTrpoState(bytes: ArrayBuffer): TrpoStateValues {
  const view = new DataView(bytes);
  const values: Record<string, number> = {};
  for (const field of TrpoState.layout) {
    values[field.name] = field.scalar === 'u32' ? view.getUint32(field.offset, true) : view.getFloat32(field.offset, true);
  }
  return values as TrpoStateValues;
}
