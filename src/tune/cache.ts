/**
 * Where tuned choices are kept between runs: one entry per cache key (src/tune/choice.ts tuneKey). In Node a JSON
 * file (fileCache.ts), in the browser IndexedDB (idbCache.ts); both are loaded lazily so that neither platform's
 * code reaches the other. A cache that cannot be read is treated as empty (the caller warns); one that cannot be
 * written only costs a retune next time.
 */
import type { TuneCache, TuneEntry } from './entry.js';

export type { TuneCache, TuneEntry } from './entry.js';
export { isTuneEntry } from './entry.js';

/** A cache in memory only (tests, and a platform with neither a file system nor IndexedDB). */
export class MemoryTuneCache implements TuneCache {
  readonly where = 'memory';
  readonly entries = new Map<string, TuneEntry>();
  async get(key: string): Promise<TuneEntry | undefined> {
    return this.entries.get(key);
  }
  async set(key: string, entry: TuneEntry): Promise<void> {
    this.entries.set(key, entry);
  }
}

/** The platform's cache: the JSON file in Node, IndexedDB in a browser, else memory. */
export async function defaultTuneCache(warn: (message: string) => void = console.warn): Promise<TuneCache> {
  if (typeof process !== 'undefined' && typeof process.versions?.node === 'string') {
    const { FileTuneCache, defaultTuneFile } = await import('./fileCache.js');
    return new FileTuneCache(defaultTuneFile(), warn);
  }
  if (typeof indexedDB !== 'undefined') {
    const { IdbTuneCache } = await import('./idbCache.js');
    return new IdbTuneCache(warn);
  }
  return new MemoryTuneCache();
}
