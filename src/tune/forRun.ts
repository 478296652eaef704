/**
 * The kernel choice of one run: the fixed defaults (tune: false), else the cached choice for this adapter, kernel
 * version and sizes, else a tuning (tuner.ts) whose choice is cached for the next run.
 */
import type { Gpu } from '../gpu/device.js';
import { defaultTuneCache, type TuneCache } from './cache.js';
import { defaultChoice, tuneKey, type KernelChoice } from './choice.js';
import { runSizes, tuneKernels, type TuneReport, type TuneRun } from './tuner.js';

export interface RunChoice {
  choice: KernelChoice;
  /** 'defaults': tune false; 'cache': a stored choice; 'tuned': measured now. */
  source: 'defaults' | 'cache' | 'tuned';
  /** The measurement behind the choice (absent for the defaults). */
  report?: TuneReport;
  /** Where the cache lives (absent for the defaults). */
  cache?: string;
}

export interface RunChoiceOptions {
  /** Default: the platform's (defaultTuneCache). */
  cache?: TuneCache;
  /** Tune even when a choice is cached (`webgpu-rl tune`). */
  retune?: boolean;
  log?: (line: string) => void;
  warn?: (message: string) => void;
}

export async function kernelChoiceFor(gpu: Gpu, run: TuneRun, options: RunChoiceOptions = {}): Promise<RunChoice> {
  const { chunk, widest, sizes } = runSizes(gpu, run);
  if (!run.config.tune) return { choice: defaultChoice(chunk, widest), source: 'defaults' };
  const cache = options.cache ?? (await defaultTuneCache(options.warn));
  const key = tuneKey(gpu.adapter, sizes);
  if (!options.retune) {
    const cached = await cache.get(key);
    if (cached) return { choice: cached.choice, source: 'cache', report: cached.report, cache: cache.where };
  }
  const report = await tuneKernels(gpu, run, { budgetMs: run.config.tune_budget_ms, ...(options.log ? { log: options.log } : {}) });
  await cache.set(key, { choice: report.choice, report, measuredAt: new Date().toISOString() });
  return { choice: report.choice, source: 'tuned', report, cache: cache.where };
}
