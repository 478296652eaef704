/**
 * Work per environment step of PPO with the engine's default network (actor and critic MLPs, hidden layers
 * `hidden`), for the update-phase GFLOP/s and for the projection to real GPUs.
 *
 * FLOPs count 2 per multiply-add of the dense layers (biases, activations, sampling and the environment are
 * small next to them and not counted):
 *   forward(actor + critic)         F = 2 (O H1 + H1 H2 + H2 A) + 2 (O H1 + H1 H2 + H2)
 *   rollout, per env step           F (policy and value of the observation)
 *   update, per sample per epoch    3 F (forward, backward to the activations, weight gradients)
 *
 * Bytes are what the engine's kernels move through memory by their layout (src/ppo/storage.ts and
 * src/ppo/scratch.ts), parameters not counted (they stay in cache):
 *   rollout, per env step           writes obs, action, logp, value, reward, done, final value, episode return and
 *                                   length: (O + a + 7) floats; GAE reads 4 and writes 2 floats per step
 *   update, per sample per epoch    gathers obs, action, logp, value, advantage, return: (O + a + 4) floats; the
 *                                   fused loss kernel writes its scratch rows (input, hidden activations and
 *                                   pre-activation gradients of both networks, 7 statistics, a log-std row for
 *                                   box actions) and the gradient kernel reads them back: 2 R floats
 */
export interface NetworkShape {
  observationSize: number;
  /** Discrete: number of actions (logits); box: action components (means). */
  policyOutputs: number;
  /** Floats per stored action (1 for discrete). */
  actionWidth: number;
  box: boolean;
  hidden: number[];
}

function mlpFlops(inputs: number, hidden: number[], outputs: number): number {
  const widths = [inputs, ...hidden, outputs];
  let flops = 0;
  for (let i = 0; i + 1 < widths.length; i++) flops += 2 * widths[i]! * widths[i + 1]!;
  return flops;
}

export interface StepWork {
  /** FLOPs of one forward pass of actor + critic for one observation. */
  forwardFlops: number;
  rolloutFlops: number;
  rolloutBytes: number;
  /** Per sample per epoch. */
  updateFlops: number;
  updateBytes: number;
}

export function stepWork(shape: NetworkShape): StepWork {
  const { observationSize: O, policyOutputs: A, actionWidth: a, hidden } = shape;
  const forwardFlops = mlpFlops(O, hidden, A) + mlpFlops(O, hidden, 1);
  const hiddenSum = hidden.reduce((s, h) => s + h, 0);
  const scratchRows = O + 2 * hiddenSum + (hiddenSum + A) + (hiddenSum + 1) + 7 + (shape.box ? a : 0);
  return {
    forwardFlops,
    rolloutFlops: forwardFlops,
    rolloutBytes: 4 * (O + a + 7 + 6),
    updateFlops: 3 * forwardFlops,
    updateBytes: 4 * (O + a + 4 + 2 * scratchRows),
  };
}
