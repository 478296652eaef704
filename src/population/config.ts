/**
 * A population's configuration: `population: { seeds: [s0, s1, …], overrides: [{ learning_rate: 3e-4 }, …] }`
 * beside the usual keys, which every agent shares. Agent i trains with the shared keys, then overrides[i], and
 * seed seeds[i]; its resolved configuration is exactly that of a single run with those keys.
 *
 * An override may set only keys that change no buffer's size, no kernel's code and no schedule the agents share
 * (they step together, one iteration at a time): AGENT_KEYS. The others (SHARED_KEYS: the environment, the
 * algorithm, the batch's shape, the network, normalisation on or off, the length of the run) are set once.
 */
import { CONFIG_KEYS, ConfigError, resolveConfig, type TrainerConfig } from '../config.js';
import { closestKey } from '../options.js';

export interface PopulationOptions {
  /** One seed per agent (integers in [0, 2^32)); the population has seeds.length agents. */
  seeds: number[];
  /** Per-agent keys, one object per seed (absent: every agent uses the shared keys). */
  overrides?: Partial<TrainerConfig>[];
}

/** Keys an agent may set for itself: hyperparameters that change no buffer's size and no loop's length. */
export const AGENT_KEYS = [
  'learning_rate',
  'anneal_lr',
  'gamma',
  'gae_lambda',
  'norm_adv',
  'clip_coef',
  'clip_vloss',
  'ent_coef',
  'vf_coef',
  'max_grad_norm',
  'target_kl',
  'kl_target',
  'init_beta',
  'max_kl',
  'cg_damping',
  'backtrack_coef',
  'adam_eps',
] as const satisfies readonly (keyof TrainerConfig)[];

/** Keys every agent shares (the seed is population.seeds'). */
export const SHARED_KEYS = (Object.keys(CONFIG_KEYS) as (keyof TrainerConfig)[]).filter(
  (key) => key !== 'seed' && !(AGENT_KEYS as readonly string[]).includes(key),
);

const POPULATION_KEYS = ['seeds', 'overrides'];

/** One agent's place in the population and its resolved configuration. */
export interface AgentConfig {
  agent: number;
  seed: number;
  /** The keys it set for itself (a copy of overrides[agent], or {}). */
  overrides: Partial<TrainerConfig>;
  config: TrainerConfig;
}

/**
 * Validates `population` and resolves every agent's configuration from the shared keys `shared` (which must not
 * set seed). Throws ConfigError naming the field (e.g. population.overrides[1].num_envs), its value and what was
 * expected.
 */
export function resolvePopulation(shared: Partial<TrainerConfig> & { env: string }, population: unknown, continuous: boolean, observationShape?: readonly number[]): AgentConfig[] {
  if (typeof population !== 'object' || population === null || Array.isArray(population)) {
    throw new ConfigError('population', population, 'an object { seeds: [...], overrides?: [...] }, e.g. { seeds: [1, 2, 3] }');
  }
  for (const key of Object.keys(population)) {
    if (!POPULATION_KEYS.includes(key)) {
      const hint = closestKey(key, POPULATION_KEYS);
      throw new ConfigError(`population.${key}`, (population as Record<string, unknown>)[key], `no such key${hint ? ` (did you mean '${hint}'?)` : ''}; a population has keys ${POPULATION_KEYS.join(', ')}`);
    }
  }
  const { seeds, overrides } = population as { seeds?: unknown; overrides?: unknown };
  if (!Array.isArray(seeds) || seeds.length === 0) {
    throw new ConfigError('population.seeds', seeds, 'a non-empty array of seeds, one per agent (integers in [0, 2^32)), e.g. [1, 2, 3]');
  }
  seeds.forEach((seed, i) => {
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new ConfigError(`population.seeds[${i}]`, seed, 'an integer in [0, 2^32)');
  });
  if ('seed' in shared && shared.seed !== undefined) {
    throw new ConfigError('seed', shared.seed, "no seed beside population: agent i's seed is population.seeds[i]");
  }
  if (overrides !== undefined && (!Array.isArray(overrides) || overrides.length !== seeds.length)) {
    throw new ConfigError(
      'population.overrides',
      overrides,
      `an array of ${seeds.length} objects, one per seed (population.seeds has ${seeds.length})${Array.isArray(overrides) ? `, not ${overrides.length}` : ''}`,
    );
  }
  return (seeds as number[]).map((seed, agent) => {
    const own = (overrides as unknown[] | undefined)?.[agent] ?? {};
    const field = `population.overrides[${agent}]`;
    if (typeof own !== 'object' || own === null || Array.isArray(own)) throw new ConfigError(field, own, 'an object of per-agent keys such as { learning_rate: 3e-4 }');
    for (const [key, value] of Object.entries(own)) checkOverrideKey(`${field}.${key}`, key, value);
    let config: TrainerConfig;
    try {
      config = resolveConfig({ ...shared, ...(own as Partial<TrainerConfig>), seed }, continuous, observationShape);
    } catch (error) {
      // An override's own value is named as the agent's.
      if (error instanceof ConfigError && Object.hasOwn(own, error.key)) throw new ConfigError(`${field}.${error.key}`, error.value, error.expected);
      throw error;
    }
    return { agent, seed, overrides: { ...(own as Partial<TrainerConfig>) }, config };
  });
}

function checkOverrideKey(field: string, key: string, value: unknown): void {
  if (key === 'seed') throw new ConfigError(field, value, 'no per-agent seed here: agent i\'s seed is population.seeds[i]');
  if ((SHARED_KEYS as string[]).includes(key)) {
    throw new ConfigError(
      field,
      value,
      'no per-agent value: it changes the shape of buffers or kernels (or the schedule) the agents share; set it once beside population. ' +
        `Per-agent keys: ${AGENT_KEYS.join(', ')}`,
    );
  }
  if (!(AGENT_KEYS as readonly string[]).includes(key)) {
    const hint = closestKey(key, AGENT_KEYS);
    throw new ConfigError(field, value, `no such key${hint ? ` (did you mean '${hint}'?)` : ''}; per-agent keys: ${AGENT_KEYS.join(', ')}`);
  }
}
