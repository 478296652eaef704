/**
 * The tuner's browser cache (IndexedDB): an entry written and read back, a malformed entry ignored with a warning,
 * the platform cache being IndexedDB; then a run's choice tuned on the page's adapter (CartPole's default sizes,
 * the default budget), read back from the cache on the second call.
 */
import { runOnPage } from './page.js';
import { resolveConfig } from '../../src/config.js';
import { getEnvDefinition, isGpuEnvDefinition } from '../../src/envs/registry.js';
import { Ppo } from '../../src/ppo/ppo.js';
import { defaultTuneCache } from '../../src/tune/cache.js';
import { IdbTuneCache, TUNE_DB, TUNE_STORE } from '../../src/tune/idbCache.js';
import { kernelChoiceFor } from '../../src/tune/forRun.js';
import type { TuneReport } from '../../src/tune/tuner.js';

export interface TuneCacheResult {
  roundTrip: boolean;
  malformedIgnored: boolean;
  malformedWarning: string;
  platformCache: string;
  first: string;
  second: string;
  sameChoice: boolean;
  report: TuneReport;
}

async function putRaw(key: string, value: unknown): Promise<void> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open(TUNE_DB, 1);
    r.onupgradeneeded = () => r.result.createObjectStore(TUNE_STORE);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  await new Promise<void>((resolve, reject) => {
    const tx = db.transaction(TUNE_STORE, 'readwrite');
    tx.objectStore(TUNE_STORE).put(value, key);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}

runOnPage<TuneCacheResult>(async (gpu) => {
  const warnings: string[] = [];
  const warn = (m: string) => warnings.push(m);
  const cache = new IdbTuneCache(warn);
  const entry = { choice: { lossSamples: 2, lossTile: 8, gradientTiling: 'shared' as const, rolloutWorkgroup: 32 }, report: {} as TuneReport, measuredAt: '2026-12-03T00:00:00.000Z' };
  await cache.set('test-key', entry);
  const back = await new IdbTuneCache(warn).get('test-key');
  const roundTrip = JSON.stringify(back) === JSON.stringify(entry);
  await putRaw('bad-key', { choice: { lossSamples: 'four' } });
  const bad = await new IdbTuneCache(warn).get('bad-key');
  const platform = await defaultTuneCache(warn);

  const config = resolveConfig({ env: 'CartPole-v1', tune: true }, false);
  const definition = getEnvDefinition(config.env);
  const run = { config, agent: Ppo.agentFor(config, definition), gpuEnv: isGpuEnvDefinition(definition) ? definition : undefined, masked: false };
  const first = await kernelChoiceFor(gpu, run, { retune: true, log: (line) => console.log(`[tune] ${line}`) });
  const second = await kernelChoiceFor(gpu, run);
  return {
    roundTrip,
    malformedIgnored: bad === undefined,
    malformedWarning: warnings.join('\n'),
    platformCache: platform.where,
    first: first.source,
    second: second.source,
    sameChoice: JSON.stringify(first.choice) === JSON.stringify(second.choice),
    report: first.report!,
  };
});
