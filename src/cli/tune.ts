/**
 * `webgpu-rl tune`: redoes the kernel tuning (src/tune/) for the adapter in use at a run's sizes (the environment's
 * defaults, or --config's keys and --num-envs), replaces the cached choice, and prints every candidate's time, the
 * choice and its gain over the default; --json writes the report.
 */
import { resolveConfig, type TrainerConfig } from '../config.js';
import { getEnvDefinition, isGpuEnvDefinition } from '../envs/registry.js';
import { getGpu } from '../gpu/device.js';
import { Ppo } from '../ppo/ppo.js';
import { kernelChoiceFor } from '../tune/forRun.js';
import { formatTuneReport } from '../tune/format.js';
import type { TuneCache } from '../tune/cache.js';
import { checkWritable, writeFileAtomic } from './atomicFile.js';
import { readJsonObject } from './files.js';

export interface TuneFlags {
  env?: string;
  budgetMs?: number;
  numEnvs?: number;
  config?: string;
  json?: string;
}

export async function tune(flags: TuneFlags, options: { cache?: TuneCache; out?: (text: string) => void } = {}): Promise<number> {
  const out = options.out ?? ((text: string) => process.stdout.write(text));
  if (flags.json) checkWritable('--json', flags.json);
  const keys = flags.config ? readJsonObject('--config', flags.config) : {};
  const user = { ...keys, env: flags.env ?? (keys.env as string | undefined) ?? 'CartPole-v1', tune: true } as Partial<TrainerConfig> & { env: string };
  if (flags.budgetMs !== undefined) user.tune_budget_ms = flags.budgetMs;
  if (flags.numEnvs !== undefined) user.num_envs = flags.numEnvs;
  const definition = getEnvDefinition(user.env);
  const config = resolveConfig(user, definition.action.type === 'box', definition.observationShape);
  const gpu = await getGpu();
  const agent = Ppo.agentFor(config, definition);
  const result = await kernelChoiceFor(
    gpu,
    { config, agent, gpuEnv: isGpuEnvDefinition(definition) ? definition : undefined, masked: definition.actionMask === true },
    { retune: true, log: (line) => process.stderr.write(`[tune] ${line}\n`), ...(options.cache ? { cache: options.cache } : {}) },
  );
  const report = result.report!;
  out(`${formatTuneReport(report)}\ncached in ${result.cache}\n`);
  if (flags.json) writeFileAtomic(flags.json, `${JSON.stringify(report, null, 2)}\n`);
  return 0;
}
