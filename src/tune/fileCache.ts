/**
 * The tuner's cache in Node: one JSON file, `{ "version": 1, "entries": { key: TuneEntry } }`, at
 * $WEBGPU_RL_TUNE_FILE, else $XDG_CACHE_HOME/webgpu-rl/tune.json, else ~/.cache/webgpu-rl/tune.json. It is
 * rewritten whole through a temporary file and a rename (src/cli/atomicFile.ts), so a killed process never leaves
 * it torn. A file that is not valid JSON of that shape is ignored with a warning (and replaced at the next write);
 * entries that are not TuneEntry are dropped one by one, with a warning.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../cli/atomicFile.js';
import { isTuneEntry, type TuneCache, type TuneEntry } from './entry.js';

const FILE_VERSION = 1;

export function defaultTuneFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WEBGPU_RL_TUNE_FILE) return env.WEBGPU_RL_TUNE_FILE;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'webgpu-rl', 'tune.json');
}

export class FileTuneCache implements TuneCache {
  constructor(
    readonly where: string,
    private readonly warn: (message: string) => void = console.warn,
  ) {}

  /** Every valid entry of the file; an absent file is empty, an unreadable one is empty with a warning. */
  read(): Record<string, TuneEntry> {
    let text: string;
    try {
      text = readFileSync(this.where, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.warn(`webgpu-rl: the tuning cache '${this.where}' cannot be read (${(error as Error).message}); tuning again`);
      return {};
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      this.warn(`webgpu-rl: the tuning cache '${this.where}' is not valid JSON (${(error as Error).message}); ignoring it, tuning again`);
      return {};
    }
    const file = parsed as { version?: unknown; entries?: unknown };
    if (typeof parsed !== 'object' || parsed === null || file.version !== FILE_VERSION || typeof file.entries !== 'object' || file.entries === null) {
      this.warn(`webgpu-rl: the tuning cache '${this.where}' is not a version ${FILE_VERSION} tuning file ({ "version": ${FILE_VERSION}, "entries": {...} }); ignoring it, tuning again`);
      return {};
    }
    const entries: Record<string, TuneEntry> = {};
    for (const [key, value] of Object.entries(file.entries as Record<string, unknown>)) {
      if (isTuneEntry(value)) entries[key] = value;
      else this.warn(`webgpu-rl: the tuning cache '${this.where}' has a malformed entry; ignoring it`);
    }
    return entries;
  }

  async get(key: string): Promise<TuneEntry | undefined> {
    return this.read()[key];
  }

  async set(key: string, entry: TuneEntry): Promise<void> {
    const entries = { ...this.read(), [key]: entry };
    try {
      mkdirSync(dirname(this.where), { recursive: true });
      writeFileAtomic(this.where, `${JSON.stringify({ version: FILE_VERSION, entries }, null, 2)}\n`);
    } catch (error) {
      this.warn(`webgpu-rl: the tuning cache '${this.where}' cannot be written (${(error as Error).message}); the choice holds for this run only`);
    }
  }
}
