/**
 * `webgpu-rl eval`: whole episodes of a saved policy on its environment, on the GPU. Deterministic actions (argmax
 * of the logits, the Gaussian's mean) by default, as train's final evaluation; --sample draws them from the
 * policy's distribution. The line printed names the mode used.
 */
import { CheckpointError, loadPolicy } from '../checkpoint.js';
import { evaluatePolicy } from '../evaluatePolicy.js';
import { getEnvDefinition, isGpuEnvDefinition } from '../envs/registry.js';
import { checkWritable, writeFileAtomic } from './atomicFile.js';
import { expectKind, readBytes } from './files.js';
import type { Interrupt } from './interrupt.js';

export interface EvalFlags {
  policy: string;
  episodes: number;
  sample?: boolean;
  /** Accepted for compatibility: deterministic is the default. */
  deterministic?: boolean;
  seed: number;
  json?: string;
}

export async function evaluate(flags: EvalFlags, interrupt: Interrupt): Promise<number> {
  if (flags.sample && flags.deterministic) throw new Error('--sample and --deterministic contradict each other; give one (deterministic is the default)');
  if (flags.json) checkWritable('--json', flags.json);
  const bytes = readBytes('--policy', flags.policy);
  expectKind(bytes, 'policy', '--policy', flags.policy);
  let policy;
  try {
    policy = await loadPolicy(bytes);
  } catch (error) {
    if (error instanceof CheckpointError) throw new Error(`--policy '${flags.policy}': ${error.message}`);
    throw error;
  }
  try {
    const definition = getEnvDefinition(policy.spec.id);
    if (!isGpuEnvDefinition(definition)) throw new Error(`--policy '${flags.policy}' plays '${definition.id}', a JavaScript environment: eval runs GPU environments only`);
    if (definition.observationSize !== policy.spec.observationSize || JSON.stringify(definition.action) !== JSON.stringify(policy.spec.action)) {
      throw new Error(`--policy '${flags.policy}' was trained on another version of '${definition.id}': its observation or action space differs from the registered one`);
    }
    const deterministic = !flags.sample;
    const evaluation = await evaluatePolicy(policy, { episodes: flags.episodes, deterministic, seed: flags.seed });
    const mode = deterministic ? 'deterministic' : 'sampled';
    const result = {
      env: policy.spec.id,
      policy: flags.policy,
      trainedSteps: policy.trainedSteps,
      deterministic: evaluation.deterministic,
      evalEpisodes: evaluation.episodes,
      evalReturnMean: evaluation.mean,
      evalReturnStd: evaluation.std,
      adapter: policy.gpu.adapter,
    };
    process.stdout.write(`${policy.spec.id}: ${evaluation.mean.toFixed(2)} ± ${evaluation.std.toFixed(2)} over ${evaluation.episodes} episodes (${mode} actions${deterministic ? '; --sample to draw them from the policy' : ''})\n`);
    if (flags.json) writeFileAtomic(flags.json, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    policy.destroy();
  }
  return interrupt.exitCode;
}
