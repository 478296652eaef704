#!/usr/bin/env node
/**
 * The command line: `npx webgpu-rl <command>` (built: dist/src/cli.js) or `npx tsx src/cli.ts <command>`.
 *
 *   train  [--env ID] [--algo ppo|ppo-penalty] [--total-steps N] [--seed S] [--num-envs N] [--config FILE.json]
 *          [--json FILE] [--save FILE] [--checkpoint FILE] [--resume FILE]
 *   eval   --policy FILE [--episodes N] [--deterministic] [--seed S] [--json FILE]
 *   envs   lists the registered environments
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { createTrainer, type Trainer } from './trainer.js';
import { exportPolicy, loadPolicy, loadTrainer, saveTrainer } from './checkpoint.js';
import { evaluatePolicy } from './evaluatePolicy.js';
import { listEnvs } from './envs/registry.js';
import type { TrainerConfig } from './algos/config.js';
import type { GpuPolicy } from './policy.js';

/**
 * The version in the package's package.json. It is found by walking up from this file, because the file runs both
 * from src/ (tsx) and from dist/src/ (built), at different depths.
 */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'webgpu-rl' && pkg.version) return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

function integer(name: string, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got '${value}'`);
    return n;
  };
}

function readJsonFile(path: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${what} '${path}' cannot be read: ${(error as Error).message}`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('expected a JSON object of trainer config keys');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${what} '${path}' is not valid: ${(error as Error).message}`);
  }
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** A progress bar on a terminal; a line every ~5% of the run otherwise (CI logs). */
function progress(total: number) {
  const tty = process.stderr.isTTY;
  const bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {percentage}% | {value}/{total} steps | {sps} SPS | mean return {ret}',
      hideCursor: true,
      stream: process.stderr,
      noTTYOutput: false,
    },
    cliProgress.Presets.shades_classic,
  );
  if (tty) bar.start(total, 0, { sps: '-', ret: '-' });
  let nextLine = 0;
  return {
    update(step: number, sps: number, ret: number | null) {
      const payload = { sps: Math.round(sps).toString(), ret: ret === null ? '-' : ret.toFixed(1) };
      if (tty) bar.update(Math.min(step, total), payload);
      else if (step >= nextLine) {
        process.stderr.write(`${step}/${total} steps | ${payload.sps} SPS | mean return ${payload.ret}\n`);
        nextLine = step + Math.max(1, Math.floor(total / 20));
      }
    },
    stop() {
      if (tty) bar.stop();
    },
  };
}

interface TrainFlags {
  env?: string;
  algo?: string;
  totalSteps?: number;
  seed?: number;
  numEnvs?: number;
  config?: string;
  json?: string;
  save?: string;
  checkpoint?: string;
  resume?: string;
  evalEpisodes: number;
}

async function train(flags: TrainFlags): Promise<void> {
  let trainer: Trainer;
  if (flags.resume) {
    trainer = await loadTrainer(new Uint8Array(readFileSync(flags.resume)));
  } else {
    const fromFile = flags.config ? readJsonFile(flags.config, '--config') : {};
    const config = { ...fromFile } as Partial<TrainerConfig> & { env: string };
    config.env = flags.env ?? (fromFile.env as string | undefined) ?? 'CartPole-v1';
    if (flags.algo !== undefined) config.algo = flags.algo as TrainerConfig['algo'];
    if (flags.seed !== undefined) config.seed = flags.seed;
    if (flags.numEnvs !== undefined) config.num_envs = flags.numEnvs;
    if (flags.totalSteps !== undefined) config.total_timesteps = flags.totalSteps;
    trainer = await createTrainer(config);
  }
  // A new run trains its total_timesteps; a resumed one what remains of them unless --total-steps says more.
  const totalSteps = flags.totalSteps ?? Math.max(trainer.algorithm.batchSize, trainer.config.total_timesteps - trainer.globalStep);
  const c = trainer.config;
  process.stderr.write(
    `webgpu-rl: ${c.algo} on ${c.env} | ${c.num_envs} envs x ${c.num_steps} steps | ${trainer.gpu.adapter.description || trainer.gpu.adapter.vendor} (${trainer.gpu.runtime})\n`,
  );
  const bar = progress(totalSteps);
  let summary;
  try {
    summary = await trainer.train({ totalSteps, onIteration: (s) => bar.update(s.globalStep, s.sps, s.recentReturn) });
  } finally {
    bar.stop();
  }
  const evaluation = await trainer.evaluate({ episodes: flags.evalEpisodes, deterministic: true });
  const result = {
    ...summary,
    evalReturnMean: evaluation.mean,
    evalReturnStd: evaluation.std,
    evalEpisodes: evaluation.episodes,
  };
  process.stderr.write(
    `trained ${summary.totalSteps} steps in ${summary.wallSeconds.toFixed(1)} s (${Math.round(summary.sps)} SPS); ` +
      `solved at ${summary.solvedAtStep ?? 'never'}; deterministic evaluation over ${evaluation.episodes} episodes: ` +
      `${evaluation.mean.toFixed(1)} ± ${evaluation.std.toFixed(1)}\n`,
  );
  if (flags.json) writeJson(flags.json, result);
  if (flags.save) writeFileSync(flags.save, await exportPolicy(trainer));
  if (flags.checkpoint) writeFileSync(flags.checkpoint, await saveTrainer(trainer));
  trainer.destroy();
}

interface EvalFlags {
  policy: string;
  episodes: number;
  deterministic?: boolean;
  seed: number;
  json?: string;
}

async function evaluate(flags: EvalFlags): Promise<void> {
  const policy = (await loadPolicy(new Uint8Array(readFileSync(flags.policy)))) as GpuPolicy & { trainedSteps: number };
  const evaluation = await evaluatePolicy(policy, { episodes: flags.episodes, deterministic: flags.deterministic ?? false, seed: flags.seed });
  const result = {
    env: policy.spec.id,
    policy: flags.policy,
    trainedSteps: policy.trainedSteps,
    deterministic: evaluation.deterministic,
    evalEpisodes: evaluation.episodes,
    evalReturnMean: evaluation.mean,
    evalReturnStd: evaluation.std,
    adapter: policy.gpu.adapter,
  };
  process.stdout.write(`${policy.spec.id}: ${evaluation.mean.toFixed(2)} ± ${evaluation.std.toFixed(2)} over ${evaluation.episodes} episodes (${evaluation.deterministic ? 'deterministic' : 'sampled'})\n`);
  if (flags.json) writeJson(flags.json, result);
  policy.destroy();
}

const program = new Command('webgpu-rl')
  .description('Reinforcement learning whose hot loop runs in WebGPU compute shaders (WGSL).')
  .version(packageVersion(), '-V, --version', 'print the version')
  .showHelpAfterError();

program
  .command('train')
  .description('train a policy with PPO on the GPU, then evaluate it deterministically')
  .option('--env <id>', 'environment id (default CartPole-v1)')
  .option('--algo <algo>', "'ppo' (PPO-Clip) or 'ppo-penalty'")
  .option('--total-steps <n>', 'environment steps to train for', integer('--total-steps', 1))
  .option('--seed <s>', 'seed', integer('--seed'))
  .option('--num-envs <n>', 'environments in parallel', integer('--num-envs', 1))
  .option('--config <file>', 'JSON file of trainer config keys (CleanRL names); flags override it')
  .option('--json <file>', 'write the run summary as JSON')
  .option('--save <file>', 'write the trained policy (safetensors)')
  .option('--checkpoint <file>', 'write the full training state at the end (safetensors)')
  .option('--resume <file>', 'continue from a checkpoint written with --checkpoint')
  .option('--eval-episodes <n>', 'episodes of the final deterministic evaluation', integer('--eval-episodes', 1), 100)
  .action(train);

program
  .command('eval')
  .description('evaluate a saved policy on its environment, on the GPU')
  .requiredOption('--policy <file>', 'policy file written by train --save')
  .option('--episodes <n>', 'episodes', integer('--episodes', 1), 100)
  .option('--deterministic', 'argmax / mean actions instead of samples')
  .option('--seed <s>', 'seed of the evaluation environments', integer('--seed'), 0)
  .option('--json <file>', 'write the result as JSON')
  .action(evaluate);

program
  .command('envs')
  .description('list the registered environments')
  .action(() => {
    for (const env of listEnvs()) {
      const action = env.action.type === 'discrete' ? `Discrete(${env.action.n})` : `Box(${env.action.size})`;
      process.stdout.write(`${env.id.padEnd(28)} obs ${String(env.observationSize).padEnd(3)} ${action.padEnd(12)} limit ${String(env.maxEpisodeSteps).padEnd(5)} threshold ${env.rewardThreshold ?? '-'}\n`);
    }
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`webgpu-rl: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
