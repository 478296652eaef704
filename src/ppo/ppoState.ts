/**
 * The words of PPO's state buffer (the run record's `ppoState`, saved in checkpoints as 'ppo.state'): β, PPO-Penalty's
 * coefficient, adapted by the batch-KL pass (batchKl.ts); and what that pass measured after the iteration's update,
 * d = the batch's mean KL[π_old ‖ π_θ] and H = the new policy's mean entropy, which the statistics kernel reads.
 */
export const PpoState = { beta: 0, kl: 1, entropy: 2 } as const;

/** Words of the buffer: PpoState's three, one reserved. */
export const PPO_STATE_WORDS = 4;
