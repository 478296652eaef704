/**
 * The tuner's cache in a browser: IndexedDB database 'webgpu-rl', object store 'tune', one TuneEntry per cache key.
 * A database that cannot be opened (private mode, blocked storage) or a malformed entry is treated as absent, with
 * a warning: the run tunes again.
 */
import { isTuneEntry, type TuneCache, type TuneEntry } from './entry.js';

export const TUNE_DB = 'webgpu-rl';
export const TUNE_STORE = 'tune';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

export class IdbTuneCache implements TuneCache {
  readonly where = `IndexedDB ${TUNE_DB}/${TUNE_STORE}`;
  private db: Promise<IDBDatabase> | undefined;

  constructor(private readonly warn: (message: string) => void = console.warn) {}

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const r = indexedDB.open(TUNE_DB, 1);
      r.onupgradeneeded = () => {
        if (!r.result.objectStoreNames.contains(TUNE_STORE)) r.result.createObjectStore(TUNE_STORE);
      };
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error ?? new Error('indexedDB.open failed'));
      r.onblocked = () => reject(new Error('indexedDB.open is blocked by another tab holding an older version'));
    });
    return this.db;
  }

  async get(key: string): Promise<TuneEntry | undefined> {
    try {
      const db = await this.open();
      const value: unknown = await request(db.transaction(TUNE_STORE, 'readonly').objectStore(TUNE_STORE).get(key));
      if (value === undefined) return undefined;
      if (isTuneEntry(value)) return value;
      this.warn(`webgpu-rl: the tuning cache (${this.where}) has a malformed entry; ignoring it, tuning again`);
    } catch (error) {
      this.warn(`webgpu-rl: the tuning cache (${this.where}) cannot be read (${(error as Error).message}); tuning again`);
    }
    return undefined;
  }

  async set(key: string, entry: TuneEntry): Promise<void> {
    try {
      const db = await this.open();
      const tx = db.transaction(TUNE_STORE, 'readwrite');
      tx.objectStore(TUNE_STORE).put(entry, key);
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
        tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
      });
    } catch (error) {
      this.warn(`webgpu-rl: the tuning cache (${this.where}) cannot be written (${(error as Error).message}); the choice holds for this run only`);
    }
  }
}
