/**
 * One stored tuning (the choice and the measurement behind it) and the interface of a store of them; the stores
 * are cache.ts (memory, and the platform's pick), fileCache.ts (Node) and idbCache.ts (browser).
 */
import type { KernelChoice } from './choice.js';
import type { TuneReport } from './tuner.js';

/** What is stored per key: the choice and the measurement it came from. */
export interface TuneEntry {
  choice: KernelChoice;
  report: TuneReport;
  /** ISO time of the measurement. */
  measuredAt: string;
}

export interface TuneCache {
  /** Where the entries live, for messages (a file path, or 'IndexedDB webgpu-rl/tune'). */
  readonly where: string;
  get(key: string): Promise<TuneEntry | undefined>;
  set(key: string, entry: TuneEntry): Promise<void>;
}

/** Checks that a stored value is a TuneEntry (a hand-edited or older file may hold anything). */
export function isTuneEntry(value: unknown): value is TuneEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<TuneEntry>;
  const c = v.choice as Partial<KernelChoice> | undefined;
  return (
    typeof c === 'object' &&
    c !== null &&
    Number.isInteger(c.lossSamples) &&
    Number.isInteger(c.lossTile) &&
    (c.gradientTiling === 'direct' || c.gradientTiling === 'shared') &&
    Number.isInteger(c.rolloutWorkgroup) &&
    typeof v.measuredAt === 'string' &&
    typeof v.report === 'object' &&
    v.report !== null
  );
}
