/**
 * createTrainer: the library's entry point. It validates the configuration and builds a Trainer (trainer.ts), or,
 * with `population`, a Population of agents trained together (population/population.ts).
 */
import { playersOf } from './envs/spec.js';
import { getGpu, type Gpu } from './gpu/device.js';
import { getEnvDefinition, isGpuEnvDefinition } from './envs/registry.js';
import { ConfigError } from './config.js';
import { checkOptionKeys } from './options.js';
import { Trainer, type TrainerInput } from './trainer.js';
import { Population } from './population/population.js';
import { resolvePopulation, type PopulationOptions } from './population/config.js';

/**
 * Validates the configuration and builds a trainer (see Trainer); with `population`, a Population of
 * seeds.length agents trained together (src/population/population.ts).
 */
export function createTrainer(config: TrainerInput & { population: PopulationOptions }, options?: { gpu?: Gpu }): Promise<Population>;
export function createTrainer(config: TrainerInput & { population?: undefined }, options?: { gpu?: Gpu }): Promise<Trainer>;
export function createTrainer(config: TrainerInput & { population?: PopulationOptions }, options?: { gpu?: Gpu }): Promise<Trainer | Population>;
export async function createTrainer(config: TrainerInput & { population?: PopulationOptions }, options: { gpu?: Gpu } = {}): Promise<Trainer | Population> {
  checkOptionKeys('createTrainer(config, options)', options, ['gpu']);
  if (typeof config === 'object' && config !== null && config.population !== undefined) return createPopulation(config, options.gpu);
  if (typeof config === 'object' && config !== null && 'population' in config) {
    const { population: _absent, ...rest } = config;
    return Trainer.create(rest, options.gpu);
  }
  return Trainer.create(config, options.gpu);
}

async function createPopulation(config: TrainerInput & { population?: PopulationOptions }, gpu: Gpu | undefined): Promise<Population> {
  const { population, ...shared } = config;
  if (typeof shared.env !== 'string') {
    throw new TypeError(`createTrainer(config): config.env is ${JSON.stringify(shared.env)}; expected an environment id such as 'CartPole-v1'`);
  }
  const definition = getEnvDefinition(shared.env);
  const agents = resolvePopulation(shared, population, definition.action.type === 'box', definition.observationShape);
  if (!isGpuEnvDefinition(definition)) {
    throw new ConfigError(
      'population',
      population,
      `a GPU environment: '${definition.id}' is a JavaScript environment (defineJsEnv), whose agents would each step the game on the CPU; train its seeds as separate runs`,
    );
  }
  if (playersOf(definition) === 2) {
    throw new ConfigError(
      'population',
      population,
      `a one-player environment: '${definition.id}' is a two-player game, trained by self-play against its own pool of past selves; train its seeds as separate runs`,
    );
  }
  const device = gpu ?? (await getGpu());
  return Population.create(device, agents);
}
