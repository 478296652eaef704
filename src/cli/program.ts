/**
 * The commands and flags (commander): train, eval, export, tune, envs. Errors are printed as one line `webgpu-rl: message`
 * with exit code 1; a stop by signal exits with 128 + the signal's number (interrupt.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { listEnvs } from '../envs/registry.js';
import { removeTemporaryFiles } from './atomicFile.js';
import { evaluate, type EvalFlags } from './evaluate.js';
import { exportModel, type ExportFlags } from './export.js';
import { Interrupt } from './interrupt.js';
import { adoptLauncherTerminal, isRelayedChild } from './relay.js';
import { train, type TrainFlags } from './train.js';
import { tune, type TuneFlags } from './tune.js';

/**
 * The version in the package's package.json. It is found by walking up from this file, because the file runs both
 * from src/cli/ (tsx) and from dist/src/cli/ (built), at different depths.
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

const RESUME_HELP = `
On --resume the run keeps its checkpoint's configuration: --env, --algo, --seed, --num-envs and --config keys
that contradict it are refused. Only the run's length may change: --total-steps is the run's total, counting the
checkpoint's steps (the learning-rate schedule keeps spanning the checkpoint's total_timesteps; steps beyond it
train at the schedule's last rate). Progress, SPS and ETA count this session's steps.

SIGINT (Ctrl-C) or SIGTERM: the iteration in flight finishes, --checkpoint, --save and --json are written (the
summary with "interrupted": true) and the exit code is 130 (SIGINT) or 143 (SIGTERM); a second Ctrl-C exits at
once. Every file is written to a temporary name and renamed, so an existing file is never left half-written.`;

const POPULATION_HELP = `

--seeds / --sweep train a population: every agent has its own parameters, optimizer, environments and
normalisation, and all of them train together, one submit and one readback per iteration. Files get the agent's
index and seed before the extension: --save policy.safetensors writes policy.agent0.seed1.safetensors, …; each is
an ordinary policy (eval --policy) or checkpoint (--resume) file. --json writes { runs: [...], wallSeconds, sps }.`;

export async function main(argv: string[]): Promise<void> {
  if (isRelayedChild()) adoptLauncherTerminal();
  const interrupt = new Interrupt();
  interrupt.onExit(removeTemporaryFiles);
  interrupt.install((signal) => {
    process.stderr.write(`\nwebgpu-rl: ${signal}: stopping after the work in flight, then writing what was asked for (${signal === 'SIGINT' ? 'Ctrl-C' : 'the signal'} again to exit at once)\n`);
  });
  const setExit = (code: number) => {
    process.exitCode = code;
  };

  const program = new Command('webgpu-rl')
    .description('Reinforcement learning whose hot loop runs in WebGPU compute shaders (WGSL).')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError();

  program
    .command('train')
    .description('train a policy on the GPU (PPO, PPO-Penalty, A2C or REINFORCE), then evaluate it deterministically')
    .option('--env <id>', 'environment id (default CartPole-v1)')
    .option('--algo <algo>', "'ppo' (PPO-Clip), 'ppo-penalty', 'a2c', 'reinforce' or 'trpo'")
    .option('--psi <psi>', "reinforce's ψ: total_return, reward_to_go, baseline (default), q_value, advantage or td_error")
    .option('--total-steps <n>', "environment steps of the run (with --resume: the run's new total, counting the checkpoint's)", integer('--total-steps', 1))
    .option('--seed <s>', 'seed', integer('--seed'))
    .option('--num-envs <n>', 'environments in parallel', integer('--num-envs', 1))
    .option('--config <file>', 'JSON file of trainer config keys (CleanRL names); flags override it')
    .option('--json <file>', 'write the run summary as JSON')
    .option('--save <file>', 'write the trained policy (safetensors)')
    .option('--checkpoint <file>', 'write the full training state at the end (safetensors)')
    .option('--checkpoint-every <n>', 'also write --checkpoint every N iterations while training', integer('--checkpoint-every', 1))
    .option('--resume <file>', 'continue the run of a checkpoint written with --checkpoint')
    .option('--eval-episodes <n>', 'episodes of the final deterministic evaluation', integer('--eval-episodes', 1), 100)
    .option('--seeds <n|list>', 'train a population together: N agents with seeds S … S+N-1 (S from --seed) or a list such as 3,5,9')
    .option('--sweep <key=values>', 'a per-agent hyperparameter\'s values, e.g. learning_rate=1e-3,3e-4 (repeatable: the grid, each point with every seed)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .addHelpText('after', RESUME_HELP + POPULATION_HELP)
    .action(async (flags: TrainFlags) => setExit(await train(flags, interrupt)));

  program
    .command('eval')
    .description('evaluate a saved policy on its environment, on the GPU (deterministic actions unless --sample)')
    .requiredOption('--policy <file>', 'policy file written by train --save')
    .option('--episodes <n>', 'episodes', integer('--episodes', 1), 100)
    .option('--sample', 'sample actions from the policy instead of the deterministic argmax / mean')
    .option('--deterministic', 'argmax / mean actions: the default, accepted for compatibility')
    .option('--seed <s>', 'seed of the evaluation environments', integer('--seed'), 0)
    .option('--json <file>', 'write the result as JSON')
    .action(async (flags: EvalFlags) => setExit(await evaluate(flags, interrupt)));

  program
    .command('export')
    .description('write a saved policy as an ONNX model (opset 15) for other engines, e.g. Unity (Sentis) or onnxruntime; no GPU needed')
    .requiredOption('--policy <file>', 'policy file written by train --save')
    .requiredOption('--onnx <file>', 'the ONNX model to write (input obs; outputs action and logits, or action, mean and log_std)')
    .action(async (flags: ExportFlags) => setExit(await exportModel(flags)));

  program
    .command('tune')
    .description("time the training kernels' candidate layouts on this adapter at a run's sizes, cache the fastest (config tune: true uses it), print each candidate and the gain over the default")
    .option('--env <id>', 'environment id (default CartPole-v1); its default sizes unless --config or --num-envs')
    .option('--num-envs <n>', 'environments in parallel', integer('--num-envs', 1))
    .option('--config <file>', 'JSON file of trainer config keys: the sizes of the run to tune for')
    .option('--budget-ms <n>', 'time budget in ms, compilation included (default the config\'s tune_budget_ms, 3000)', integer('--budget-ms', 1))
    .option('--json <file>', 'write the report as JSON')
    .action(async (flags: TuneFlags) => setExit(await tune(flags)));

  program
    .command('envs')
    .description('list the registered environments')
    .action(() => {
      for (const env of listEnvs()) {
        const action = env.action.type === 'discrete' ? `Discrete(${env.action.n})` : env.action.type === 'multiDiscrete' ? `MultiDiscrete([${env.action.nvec.join(', ')}])` : `Box(${env.action.size})`;
        process.stdout.write(`${env.id.padEnd(28)} obs ${String(env.observationSize).padEnd(3)} ${action.padEnd(12)} limit ${String(env.maxEpisodeSteps).padEnd(9)} threshold ${env.rewardThreshold ?? '-'}\n`);
      }
    });

  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.stderr.write(`webgpu-rl: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
