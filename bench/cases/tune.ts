/**
 * Kernels chosen for the adapter: the tuner (src/tune/) run afresh (not from the cache) at CartPole's default
 * sizes and, in full runs, at a large batch; one result per size with the choice, the defaults, each kernel's gain
 * over the default layout (the median is one iteration's tuned kernels: rollout + every chunk's loss and gradient).
 */
import { resolveConfig } from '../../src/config.js';
import { getEnvDefinition, isGpuEnvDefinition } from '../../src/envs/registry.js';
import { Ppo } from '../../src/ppo/ppo.js';
import { MemoryTuneCache } from '../../src/tune/cache.js';
import { kernelChoiceFor } from '../../src/tune/forRun.js';
import type { CaseResult } from '../harness.js';
import type { SuiteContext } from './ppo.js';

export async function benchTune(context: SuiteContext): Promise<CaseResult[]> {
  const sizes = context.quick ? [{ num_envs: 8, num_steps: 32 }] : [{ num_envs: 8, num_steps: 32 }, { num_envs: 4096, num_steps: 8, num_minibatches: 4 }];
  const results: CaseResult[] = [];
  for (const size of sizes) {
    const config = resolveConfig({ env: 'CartPole-v1', tune: true, ...size }, false);
    const definition = getEnvDefinition(config.env);
    const run = { config, agent: Ppo.agentFor(config, definition), gpuEnv: isGpuEnvDefinition(definition) ? definition : undefined, masked: false };
    const { report } = await kernelChoiceFor(context.gpu, run, { cache: new MemoryTuneCache(), retune: true, log: (line) => context.log(`tune ${config.num_envs} envs: ${line}`) });
    const r = report!;
    results.push({
      name: 'tune.choice',
      params: {
        env: config.env,
        numEnvs: config.num_envs,
        numSteps: config.num_steps,
        chunk: r.sizes.chunk,
        choice: r.choice,
        defaults: r.defaults,
        gains: r.gains,
        budgetMs: r.budgetMs,
        elapsedMs: r.elapsedMs,
        candidates: r.candidates,
      },
      unit: 'x (one iteration of the tuned kernels, default / chosen)',
      median: r.iterationGain,
      min: r.iterationGain,
      max: r.iterationGain,
      reps: 1,
    });
  }
  return results;
}
