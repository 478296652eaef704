/**
 * Evaluation of a loaded (or live) GPU policy on its own environment: whole episodes on the GPU, one dispatch
 * (src/agent/evaluate.ts). The environment must be a registered GPU environment with the policy's spaces.
 */
import { getEnvDefinition, isGpuEnvDefinition } from './envs/registry.js';
import { Evaluator, type EvaluationResult } from './agent/evaluate.js';
import { checkOptionKeys } from './options.js';
import type { GpuPolicy } from './policy.js';

export async function evaluatePolicy(
  policy: GpuPolicy,
  options: { episodes?: number; deterministic?: boolean; seed?: number } = {},
): Promise<EvaluationResult> {
  checkOptionKeys('evaluatePolicy(policy, options)', options, ['episodes', 'deterministic', 'seed']);
  const definition = getEnvDefinition(policy.spec.id);
  if (!isGpuEnvDefinition(definition)) throw new Error(`evaluatePolicy: '${definition.id}' is a JavaScript environment; evaluate it by stepping it with policy.act`);
  if (definition.observationSize !== policy.spec.observationSize || JSON.stringify(definition.action) !== JSON.stringify(policy.spec.action)) {
    throw new Error(`evaluatePolicy: the registered '${definition.id}' has other spaces than the policy`);
  }
  // hold: the policy's buffers stay allocated until the evaluation has read them (and it throws if destroyed).
  return policy.hold(async () => {
    const evaluator = await Evaluator.create(policy.gpu, definition, policy.agent, policy.normalization);
    return evaluator.run(policy.params, policy.norm, options.episodes ?? 100, options.deterministic ?? true, options.seed ?? 0);
  }, 'evaluatePolicy');
}
