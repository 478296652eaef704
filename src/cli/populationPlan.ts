/**
 * What `train --seeds` and `train --sweep` ask for, decided before anything is built: the agents' seeds and
 * per-agent keys, and where each agent's files go.
 *
 *   --seeds N            N agents with seeds S … S+N-1 (S: --seed, else the config's seed)
 *   --seeds 3,5,9        agents with exactly these seeds
 *   --sweep key=a,b      the grid of every --sweep's values (in the order given), each point with every seed
 *
 * Agent files: --save policy.safetensors writes policy.agent0.seed3.safetensors, policy.agent1.seed4.safetensors, …
 * (agent index first: in a sweep the same seed trains once per point of the grid); --checkpoint the same.
 */
import { AGENT_KEYS } from '../population/config.js';
import type { TrainerConfig } from '../config.js';
import { closestKey } from '../options.js';

export interface PopulationPlan {
  seeds: number[];
  /** One object per agent (the grid point of its --sweep values). */
  overrides: Partial<TrainerConfig>[];
}

/** Seed 1 is the configuration's default (config.ts). */
const DEFAULT_SEED = 1;

/**
 * The population of `--seeds` and `--sweep` (null when neither is given). `seed` is --seed, `configSeed` the
 * --config file's seed, if any.
 */
export function planPopulation(seedsFlag: string | undefined, sweeps: readonly string[], seed: number | undefined, configSeed: unknown): PopulationPlan | null {
  if (seedsFlag === undefined && sweeps.length === 0) return null;
  const seeds = parseSeeds(seedsFlag, seed, configSeed);
  const axes: [string, unknown[]][] = [];
  for (const sweep of sweeps) {
    const [key, values] = parseSweep(sweep);
    if (axes.some(([other]) => other === key)) throw new Error(`--sweep ${key} is given twice; give every value of one key in one --sweep, e.g. --sweep ${key}=1e-3,3e-4`);
    axes.push([key, values]);
  }
  // The grid, the first --sweep varying slowest; every point with every seed.
  let points: Partial<TrainerConfig>[] = [{}];
  for (const [key, values] of axes) points = points.flatMap((point) => values.map((value) => ({ ...point, [key]: value })));
  const agents = points.flatMap((point) => seeds.map((s) => ({ seed: s, overrides: point })));
  return { seeds: agents.map((a) => a.seed), overrides: agents.map((a) => ({ ...a.overrides })) };
}

function parseSeeds(flag: string | undefined, seed: number | undefined, configSeed: unknown): number[] {
  const base = seed ?? (typeof configSeed === 'number' ? configSeed : DEFAULT_SEED);
  if (flag === undefined) return [base];
  if (/^\d+$/.test(flag)) {
    const n = Number(flag);
    if (n < 1) throw new Error(`--seeds ${flag}: expected a number of agents >= 1 (seeds S … S+N-1) or a list of seeds such as 3,5,9`);
    if (base + n - 1 >= 2 ** 32) throw new Error(`--seeds ${flag} from seed ${base} goes past 2^32 - 1; use a smaller --seed`);
    return Array.from({ length: n }, (_, i) => base + i);
  }
  const parts = flag.split(',');
  if (!parts.every((p) => /^\d+$/.test(p.trim()) && Number(p) < 2 ** 32)) {
    throw new Error(`--seeds '${flag}': expected a number of agents (e.g. 4) or a comma-separated list of seeds in [0, 2^32) (e.g. 3,5,9)`);
  }
  if (seed !== undefined) throw new Error(`--seed ${seed} and --seeds ${flag} both given: the list names every agent's seed; drop --seed (or use --seeds N to count from it)`);
  return parts.map(Number);
}

function parseSweep(sweep: string): [string, unknown[]] {
  const match = /^([A-Za-z_]+)=(.+)$/.exec(sweep);
  if (!match) throw new Error(`--sweep '${sweep}': expected key=value,value,… such as learning_rate=1e-3,3e-4`);
  const key = match[1]!;
  if (!(AGENT_KEYS as readonly string[]).includes(key)) {
    const hint = closestKey(key, AGENT_KEYS);
    throw new Error(
      `--sweep ${key}: not a per-agent key${hint ? ` (did you mean '${hint}'?)` : ''}; the agents of a population share every key that shapes ` +
        `their buffers and kernels. Per-agent keys: ${AGENT_KEYS.join(', ')}`,
    );
  }
  const values = match[2]!.split(',').map((text) => {
    try {
      return JSON.parse(text.trim()) as unknown;
    } catch {
      throw new Error(`--sweep ${key}: value '${text}' is not a number, true, false or null`);
    }
  });
  return [key, values];
}

/** Agent `agent`'s file for `path`: `.agent<i>.seed<s>` before the extension (policy.agent0.seed3.safetensors). */
export function agentPath(path: string, agent: number, seed: number): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const dot = path.lastIndexOf('.');
  const tag = `.agent${agent}.seed${seed}`;
  return dot > slash + 1 ? `${path.slice(0, dot)}${tag}${path.slice(dot)}` : `${path}${tag}`;
}
