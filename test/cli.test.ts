/**
 * The CLI as a user runs it (a child process, `node --import tsx src/cli.ts`, as `npm run cli` does): train writes
 * the JSON summary and a policy file, eval reads it back, bad input fails with a message naming the problem and a
 * non-zero exit code, and a run is never lost: output paths are checked first, a signal stops training after the
 * iteration in flight and writes what was asked for, checkpoints are written during training through a temporary
 * name, a diverged run keeps its last finite parameters, and --resume refuses flags that contradict the checkpoint.
 * export writes a policy as an ONNX model that onnxruntime runs, and refuses bad paths and files writing nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { gpuTest } from './helpers/gpu.js';
import * as ort from 'onnxruntime-web';
import { loadPolicy, loadTrainer, readCheckpointInfo } from '../src/checkpoint.js';
import { StderrFilter } from '../src/cli/stderrFilter.js';
import { expectClose, randomArray, seededRandom } from './helpers/random.js';
import { CARTPOLE_SPEC, policyFile } from './onnx/policies.js';

interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Running {
  pid: number;
  /** Resolves when stderr matches `pattern`. */
  waitFor(pattern: RegExp): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  done: Promise<Run>;
}

/** Starts the CLI; `env` is added to the environment. */
function start(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const waiter of waiters.splice(0)) {
      if (waiter.pattern.test(stderr)) waiter.resolve();
      else waiters.push(waiter);
    }
  });
  const done = new Promise<Run>((resolve) => child.on('close', (code, signal) => resolve({ stdout, stderr, code, signal })));
  return {
    pid: child.pid!,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        if (pattern.test(stderr)) return resolve();
        waiters.push({ pattern, resolve });
        void done.then(() => reject(new Error(`the CLI exited before its stderr matched ${pattern}:\n${stderr}`)));
      }),
    kill: (signal) => child.kill(signal),
    done,
  };
}

const DAWN_WARNING = /artificially reduced/;

/** Runs the CLI to its end; Dawn's adapter warnings must not reach its output, whatever the command. */
async function webgpuRl(...args: string[]): Promise<Run> {
  const run = await start(args).done;
  expect(run.stderr + run.stdout, `Dawn's warnings on the output of: webgpu-rl ${args.join(' ')}`).not.toMatch(DAWN_WARNING);
  return run;
}

/** The line the CLI prints once the trainer is built (so: after GPU work began). */
const BUILT = /webgpu-rl: (ppo|ppo-penalty|a2c|reinforce) on /;
/** Library function names that must not appear in the CLI's errors. */
const LIBRARY_NAMES = /loadTrainer|loadPolicy|exportPolicy|saveTrainer|createTrainer|evaluatePolicy|totalSteps/;

describe('webgpu-rl CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'webgpu-rl-cli-'));
  const small = join(dir, 'small.json');
  writeFileSync(small, JSON.stringify({ num_steps: 16, update_epochs: 2, num_minibatches: 2 }));
  /** One short finished run (seed 5, 4 environments, one iteration of 64 steps): its checkpoint and policy. */
  const fixture = { checkpoint: join(dir, 'short.ckpt'), policy: join(dir, 'short.policy') };
  let fixtureRun: Promise<Run> | undefined;
  const trainedFixture = async () => {
    fixtureRun ??= webgpuRl('train', '--num-envs', '4', '--seed', '5', '--total-steps', '64', '--config', small, '--checkpoint', fixture.checkpoint, '--save', fixture.policy, '--eval-episodes', '2');
    const run = await fixtureRun;
    expect(run.code, run.stderr).toBe(0);
    return fixture;
  };

  gpuTest('--algo and --psi choose the algorithm; the summary holds algo, psi, the resolved config and one history entry per iteration', async () => {
    const summaryPath = join(dir, 'reinforce.json');
    const train = await webgpuRl('train', '--algo', 'reinforce', '--psi', 'reward_to_go', '--num-envs', '2', '--total-steps', '800', '--seed', '4', '--json', summaryPath, '--eval-episodes', '2');
    expect(train.code, train.stderr).toBe(0);
    expect(train.stderr).toMatch(/webgpu-rl: reinforce on CartPole-v1 \| 2 envs x 200 steps/);
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
    expect(summary).toMatchObject({ algo: 'reinforce', psi: 'reward_to_go', iterations: 2, totalSteps: 800 });
    expect(summary.config).toMatchObject({ env: 'CartPole-v1', algo: 'reinforce', psi: 'reward_to_go', num_envs: 2, num_steps: 200, update_epochs: 1, num_minibatches: 1, seed: 4 });
    expect(summary.history.map((h: { iteration: number; globalStep: number }) => [h.iteration, h.globalStep])).toEqual([[1, 400], [2, 800]]);
    for (const entry of summary.history) {
      expect(Object.keys(entry).sort()).toEqual(['approxKl', 'elo', 'entropy', 'episodicReturn', 'globalStep', 'iteration', 'policyLoss', 'recentReturn', 'valueLoss']);
      for (const key of ['policyLoss', 'valueLoss', 'entropy', 'approxKl']) expect(Number.isFinite(entry[key]), key).toBe(true);
    }

    const a2c = join(dir, 'a2c.json');
    const run = await webgpuRl('train', '--algo', 'a2c', '--num-envs', '2', '--total-steps', '20', '--json', a2c, '--eval-episodes', '2');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(readFileSync(a2c, 'utf8'))).toMatchObject({ algo: 'a2c', psi: null, iterations: 2, config: { num_steps: 5, gae_lambda: 1, learning_rate: 7e-4 } });

    // TRPO with its keys from --config: δ, CG and the line search; the critic's epochs and minibatches.
    const trpo = join(dir, 'trpo.json');
    const trpoConfig = join(dir, 'trpo-config.json');
    writeFileSync(trpoConfig, JSON.stringify({ num_steps: 32, max_kl: 0.02, cg_iters: 5, backtrack_iters: 4, update_epochs: 2, num_minibatches: 2 }));
    const trpoRun = await webgpuRl('train', '--algo', 'trpo', '--config', trpoConfig, '--num-envs', '2', '--total-steps', '128', '--json', trpo, '--eval-episodes', '2');
    expect(trpoRun.code, trpoRun.stderr).toBe(0);
    const trpoSummary = JSON.parse(readFileSync(trpo, 'utf8'));
    expect(trpoSummary).toMatchObject({ algo: 'trpo', psi: null, iterations: 2, config: { max_kl: 0.02, cg_iters: 5, cg_damping: 0.1, backtrack_iters: 4, backtrack_coef: 0.8, learning_rate: 1e-3 } });
    for (const entry of trpoSummary.history) expect(entry.approxKl, 'the step keeps KL within max_kl').toBeLessThanOrEqual(0.02 * 1.001);
    const badKlConfig = join(dir, 'bad-kl.json');
    writeFileSync(badKlConfig, JSON.stringify({ max_kl: 0 }));
    const badKl = await webgpuRl('train', '--algo', 'trpo', '--config', badKlConfig, '--total-steps', '400');
    expect(badKl.code).toBe(1);
    expect(badKl.stderr).toMatch(/'max_kl' is 0; expected a finite number > 0/);
    const trpoTypo = await webgpuRl('train', '--algo', 'trpoo', '--total-steps', '400');
    expect(trpoTypo.stderr).toMatch(/'algo' is "trpoo"; expected one of .*\(did you mean 'trpo'\?\)/);

    const misspelt = await webgpuRl('train', '--algo', 'reinforce', '--psi', 'advantge', '--total-steps', '400');
    expect(misspelt.code).toBe(1);
    expect(misspelt.stderr).toMatch(/'psi' is "advantge"; expected one of .*\(did you mean 'advantage'\?\)/);
    const wrongAlgo = await webgpuRl('train', '--algo', 'a2cc', '--total-steps', '400');
    expect(wrongAlgo.code).toBe(1);
    expect(wrongAlgo.stderr).toMatch(/'algo' is "a2cc"; expected one of .*\(did you mean 'a2c'\?\)/);
    const psiWithoutReinforce = await webgpuRl('train', '--algo', 'a2c', '--psi', 'td_error', '--total-steps', '400');
    expect(psiWithoutReinforce.code).toBe(1);
    expect(psiWithoutReinforce.stderr).toMatch(/--psi td_error is REINFORCE's choice of ψ; it needs --algo reinforce \(the algorithm is 'a2c'\)/);
  });

  gpuTest('train writes the summary JSON and a policy that eval reads back (deterministic by default, --sample on request)', async () => {
    const summaryPath = join(dir, 'summary.json');
    const policyPath = join(dir, 'policy.safetensors');
    const train = await webgpuRl('train', '--env', 'CartPole-v1', '--total-steps', '256', '--num-envs', '8', '--seed', '3', '--config', small, '--json', summaryPath, '--save', policyPath, '--eval-episodes', '10');
    expect(train.code, train.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
    expect(summary).toMatchObject({ env: 'CartPole-v1', algo: 'ppo', seed: 3, totalSteps: 256, resumedFromStep: null, evalEpisodes: 10, interrupted: false, diverged: null });
    for (const key of ['wallSeconds', 'sps', 'evalReturnMean', 'evalReturnStd']) expect(typeof summary[key], key).toBe('number');
    expect(summary.solvedAtStep).toBeNull();
    expect(Object.keys(summary.adapter).sort()).toEqual(['architecture', 'description', 'device', 'vendor']);
    expect(summary.gpu).toMatchObject({ submitsPerIteration: 1, readbacksPerIteration: 1 });
    expect(summary.gpu.dispatchesPerIteration).toBeGreaterThan(3);
    expect(summary.gpu.bufferBytes).toBeGreaterThan(0);
    // Progress lines off a terminal carry the rate and the time left.
    expect(train.stderr).toMatch(/^128\/256 steps \| \d+ SPS \| ETA [\dhms]+ \| mean return/m);

    const evalPath = join(dir, 'eval.json');
    const evaluation = await webgpuRl('eval', '--policy', policyPath, '--episodes', '12', '--json', evalPath);
    expect(evaluation.code, evaluation.stderr).toBe(0);
    expect(evaluation.stdout).toMatch(/^CartPole-v1: -?\d+\.\d+ ± \d+\.\d+ over 12 episodes \(deterministic actions; --sample to draw them from the policy\)\n$/);
    expect(JSON.parse(readFileSync(evalPath, 'utf8'))).toMatchObject({ env: 'CartPole-v1', evalEpisodes: 12, deterministic: true, trainedSteps: 256 });
    const sampled = await webgpuRl('eval', '--policy', policyPath, '--episodes', '12', '--sample', '--json', evalPath);
    expect(sampled.code, sampled.stderr).toBe(0);
    expect(sampled.stdout).toMatch(/over 12 episodes \(sampled actions\)\n$/);
    expect(JSON.parse(readFileSync(evalPath, 'utf8'))).toMatchObject({ deterministic: false });
  });

  gpuTest('bad input fails with a clear message and exit code 1', async () => {
    const unknownKey = join(dir, 'bad.json');
    writeFileSync(unknownKey, JSON.stringify({ clip_coeff: 0.1 }));
    const notAPolicy = join(dir, 'not-a-policy.safetensors');
    writeFileSync(notAPolicy, 'hello');
    const cases: [string[], RegExp][] = [
      [['train', '--config', unknownKey, '--total-steps', '64'], /'clip_coeff'.*did you mean 'clip_coef'/],
      [['train', '--env', 'CartPol-v1'], /CartPol-v1.*CartPole-v1/s],
      [['eval', '--policy', notAPolicy], /--policy '.*not-a-policy.safetensors': not a valid webgpu-rl\/policy file/],
      // --deterministic is accepted (the default); with --sample it contradicts.
      [['eval', '--policy', notAPolicy, '--sample', '--deterministic'], /--sample and --deterministic contradict each other/],
      [['train', '--total-steps', 'many'], /--total-steps must be an integer >= 1, got 'many'/],
    ];
    const runs = await Promise.all(cases.map(([args]) => webgpuRl(...args)));
    runs.forEach((run, i) => {
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(cases[i]![1]);
    });
  });

  gpuTest('an output path that cannot be written fails at once, naming the flag and the path, before anything is built', async () => {
    const aFile = join(dir, 'a-file');
    writeFileSync(aFile, 'x');
    const cases: [string, string, RegExp][] = [
      ['--save', join(dir, 'missing-dir', 'policy.safetensors'), /--save '.*missing-dir\/policy.safetensors' cannot be written: the directory '.*missing-dir' does not exist/],
      ['--checkpoint', dir, /--checkpoint '.*' cannot be written: it is a directory/],
      ['--json', join(aFile, 'summary.json'), /--json '.*a-file\/summary.json' cannot be written: '.*a-file' is not a directory/],
    ];
    const runs = await Promise.all(cases.map(([flag, path]) => webgpuRl('train', '--num-envs', '4', '--total-steps', '64', '--config', small, flag, path, '--eval-episodes', '2')));
    runs.forEach((run, i) => {
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(cases[i]![2]);
      expect(run.stderr, 'no GPU work before the check').not.toMatch(BUILT);
    });
  });

  gpuTest('SIGINT or SIGTERM during training finishes the iteration, writes checkpoint, policy and summary ("interrupted": true), exits 130 or 143', async () => {
    const stop = async (signal: NodeJS.Signals, exitCode: number) => {
      const checkpoint = join(dir, `${signal}.ckpt`);
      const policy = join(dir, `${signal}.policy`);
      const summaryPath = join(dir, `${signal}.json`);
      // Planned far longer than the test waits; the signal goes to the launcher, which forwards it to the trainer.
      const run = start(['train', '--num-envs', '4', '--total-steps', '1000000', '--config', small, '--checkpoint', checkpoint, '--save', policy, '--json', summaryPath]);
      await run.waitFor(/^\d+\/\d+ steps \|/m);
      run.kill(signal);
      const result = await run.done;
      expect(result.code, result.stderr).toBe(exitCode);
      expect(result.stderr).toContain(`${signal}: stopping after the work in flight`);
      expect(result.stderr).toMatch(new RegExp(`interrupted: trained \\d+ steps .*wrote the checkpoint to '.*${signal}.ckpt', the policy to '.*${signal}.policy', the summary to '.*${signal}.json'`));
      const summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
      expect(summary).toMatchObject({ interrupted: true, diverged: null, evalReturnMean: null });
      expect(summary.totalSteps % 64).toBe(0);
      expect(summary.totalSteps).toBeGreaterThan(0);
      expect(summary.totalSteps).toBeLessThan(1_000_000);
      // The checkpoint and the policy are of the same step as the summary.
      const info = readCheckpointInfo(new Uint8Array(readFileSync(checkpoint)));
      expect(info.globalStep).toBe(summary.totalSteps);
      const loaded = await loadPolicy(new Uint8Array(readFileSync(policy)), { backend: 'cpu' });
      expect(loaded.trainedSteps).toBe(summary.totalSteps);
    };
    await Promise.all([stop('SIGINT', 130), stop('SIGTERM', 143)]);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  gpuTest('a second SIGINT exits at once, showing the cursor the progress bar hid and writing nothing', async () => {
    const policy = join(dir, 'never-written.policy');
    const big = join(dir, 'big.json');
    // Long iterations (16 x 1024 steps, four epochs), so that the second signal lands while one is in flight.
    writeFileSync(big, JSON.stringify({ num_steps: 1024, update_epochs: 4, num_minibatches: 4 }));
    // Run as the launcher runs its child when its stderr is a terminal 80 columns wide: the bar is drawn.
    const run = start(['train', '--num-envs', '16', '--total-steps', '1000000', '--config', big, '--save', policy], { WEBGPU_RL_STDERR_COLUMNS: '80' });
    await run.waitFor(/ 0\/999424 steps/);
    run.kill('SIGINT');
    await run.waitFor(/Ctrl-C again to exit at once/);
    run.kill('SIGINT');
    const result = await run.done;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).not.toMatch(/interrupted: trained/);
    expect(existsSync(policy)).toBe(false);
    const hidden = result.stderr.lastIndexOf('\x1b[?25l');
    expect(hidden).toBeGreaterThanOrEqual(0);
    expect(result.stderr.indexOf('\x1b[?25h', hidden)).toBeGreaterThan(hidden);
  });

  gpuTest('--checkpoint-every writes a loadable checkpoint while training, always through a temporary name and a rename', async (gpu) => {
    const outDir = mkdtempSync(join(tmpdir(), 'webgpu-rl-cli-every-'));
    const checkpoint = join(outDir, 'run.ckpt');
    const events: [string, string][] = [];
    let midRun: { globalStep: number; running: boolean } | undefined;
    let exited = false;
    const run = start(['train', '--num-envs', '4', '--total-steps', '1280', '--config', small, '--checkpoint', checkpoint, '--checkpoint-every', '1', '--save', join(outDir, 'run.policy'), '--json', join(outDir, 'run.json'), '--eval-episodes', '2']);
    void run.done.then(() => (exited = true));
    const watcher = watch(outDir, (type, name) => {
      events.push([type, String(name)]);
      // The first time the checkpoint appears: read it while the CLI trains on.
      if (name === 'run.ckpt' && midRun === undefined) midRun = { globalStep: readCheckpointInfo(new Uint8Array(readFileSync(checkpoint))).globalStep, running: !exited };
    });
    const result = await run.done;
    watcher.close();
    expect(result.code, result.stderr).toBe(0);
    // The first checkpoint seen was written during training (20 iterations of 64 steps, one after each).
    expect(midRun).toMatchObject({ running: true });
    expect(midRun!.globalStep).toBeGreaterThan(0);
    expect(midRun!.globalStep).toBeLessThan(1280);
    const trainer = await loadTrainer(new Uint8Array(readFileSync(checkpoint)), { gpu });
    expect(trainer.globalStep).toBe(1280);
    trainer.destroy();
    // Every file the CLI wrote appeared under its final name by a rename only, never by writes to it.
    const finals = ['run.ckpt', 'run.policy', 'run.json'];
    expect(events.filter(([type, name]) => finals.includes(name) && type === 'change')).toEqual([]);
    expect(events.filter(([type, name]) => name === 'run.ckpt' && type === 'rename').length).toBeGreaterThanOrEqual(20);
    expect(events.some(([type, name]) => type === 'change' && name.endsWith('.tmp'))).toBe(true);
    expect(readdirSync(outDir).sort()).toEqual(['run.ckpt', 'run.json', 'run.policy']);
  });

  gpuTest('a diverged run writes its last finite parameters where --save and --checkpoint point, and says where', async () => {
    const diverging = join(dir, 'diverging.json');
    // Adam's first step moves every parameter by about the learning rate: the value loss overflows at once.
    writeFileSync(diverging, JSON.stringify({ num_steps: 16, update_epochs: 2, num_minibatches: 2, learning_rate: 1e30 }));
    const policy = join(dir, 'diverged.policy');
    const checkpoint = join(dir, 'diverged.ckpt');
    const summaryPath = join(dir, 'diverged.json');
    const run = await webgpuRl('train', '--num-envs', '4', '--total-steps', '256', '--config', diverging, '--save', policy, '--checkpoint', checkpoint, '--json', summaryPath);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/became NaN or infinite at iteration 1/);
    expect(run.stderr).toMatch(/The last finite parameters were written: the checkpoint to '.*diverged.ckpt', the policy to '.*diverged.policy'/);
    const loaded = await loadPolicy(new Uint8Array(readFileSync(policy)), { backend: 'cpu' });
    expect(loaded.actSync(new Float32Array([0.01, 0, 0.02, 0])).every(Number.isFinite)).toBe(true);
    expect(readCheckpointInfo(new Uint8Array(readFileSync(checkpoint))).config.learning_rate).toBe(1e30);
    expect(JSON.parse(readFileSync(summaryPath, 'utf8'))).toMatchObject({ diverged: { iteration: 1 }, interrupted: false, evalReturnMean: null });
  });

  gpuTest('--resume refuses flags that contradict the checkpoint and finished runs, before building; a resumed summary counts the whole run', async () => {
    const { checkpoint } = await trainedFixture();
    const lr = join(dir, 'other-lr.json');
    writeFileSync(lr, JSON.stringify({ learning_rate: 0.01 }));
    const refusals: [string[], RegExp][] = [
      [['--num-envs', '8'], /--num-envs 8 contradicts the run being resumed: the checkpoint '.*short.ckpt' was trained with num_envs 4/],
      [['--seed', '6'], /--seed 6 contradicts .* seed 5/],
      [['--env', 'Acrobot-v1'], /--env Acrobot-v1 contradicts .* env "CartPole-v1"/],
      [['--config', lr], /--config '.*other-lr.json' sets learning_rate 0.01, which contradicts .* learning_rate [\d.e+-]+ \(only the run's length/],
      [[], /the run in '.*short.ckpt' is finished: it has trained 64 steps of the checkpoint's total_timesteps 64\. To train it further, .*--total-steps 128/],
    ];
    const runs = await Promise.all(refusals.map(([flags]) => webgpuRl('train', '--resume', checkpoint, ...flags)));
    runs.forEach((run, i) => {
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(refusals[i]![1]);
      expect(run.stderr, 'refused before building').not.toMatch(BUILT);
    });
    // Flags that restate the checkpoint are accepted; --total-steps is the run's new total (rounded: said so).
    const summaryPath = join(dir, 'resumed.json');
    const resumed = await webgpuRl('train', '--resume', checkpoint, '--num-envs', '4', '--config', small, '--total-steps', '200', '--json', summaryPath, '--eval-episodes', '2');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resumed at step 64 of 192/);
    expect(resumed.stderr).toMatch(/--total-steps 200 is not a whole number of iterations of 64 steps \(num_envs 4 x num_steps 16\): the run trains 192 steps \(3 iterations\)/);
    // Progress counts this session's steps.
    expect(resumed.stderr).toMatch(/^64\/128 steps \|/m);
    expect(resumed.stderr).toMatch(/trained 128 steps in .*, 192 in the run/);
    expect(JSON.parse(readFileSync(summaryPath, 'utf8'))).toMatchObject({ totalSteps: 192, resumedFromStep: 64, iterations: 3 });
  }, 240_000);

  gpuTest('Pong-v0 (self-play): --checkpoint, then --resume continues the run with its pool: the Elo of the run trained in one go', async () => {
    // A snapshot after every iteration into a window of 2; a constant learning rate, so that the first part's
    // shorter --total-steps leaves the schedule as it is in the run trained in one go.
    const small = join(dir, 'pong-small.json');
    writeFileSync(small, JSON.stringify({ num_envs: 8, num_steps: 64, hidden_sizes: [8], update_epochs: 1, num_minibatches: 1, save_steps: 512, window: 2, anneal_lr: false }));
    const checkpoint = join(dir, 'pong-half.ckpt');
    const [whole, half] = [join(dir, 'pong-whole.json'), join(dir, 'pong-resumed.json')];
    const [one, first] = await Promise.all([
      webgpuRl('train', '--env', 'Pong-v0', '--config', small, '--total-steps', '2048', '--json', whole),
      webgpuRl('train', '--env', 'Pong-v0', '--config', small, '--total-steps', '1024', '--checkpoint', checkpoint),
    ]);
    expect(one.code, one.stderr).toBe(0);
    expect(first.code, first.stderr).toBe(0);
    const resumed = await webgpuRl('train', '--resume', checkpoint, '--total-steps', '2048', '--json', half);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resumed at step 1024 of 2048/);
    const [a, b] = [whole, half].map((path) => JSON.parse(readFileSync(path, 'utf8')) as { selfPlay: { elo: number; snapshotElos: number[]; snapshots: number }; totalSteps: number });
    expect(b.totalSteps).toBe(2048);
    expect(a.selfPlay.snapshots).toBe(5);
    expect(b.selfPlay).toEqual(a.selfPlay);
  }, 240_000);

  gpuTest("a resumed trainer's reports rate this session's steps; its summary counts the whole run", async (gpu) => {
    const { checkpoint } = await trainedFixture();
    const trainer = await loadTrainer(new Uint8Array(readFileSync(checkpoint)), { gpu });
    const reports: { steps: number; sps: number; wallSeconds: number }[] = [];
    const summary = await trainer.train({ totalSteps: 128, onIteration: (s) => void reports.push({ steps: s.globalStep, sps: s.sps, wallSeconds: s.wallSeconds }) });
    trainer.destroy();
    expect(reports.map((r) => r.steps)).toEqual([128, 192]);
    // sps x wallSeconds is the steps since this trainer started: 64 and 128, not the run's 128 and 192.
    for (const r of reports) expect(r.sps * r.wallSeconds).toBeCloseTo(r.steps - 64, 6);
    expect(summary).toMatchObject({ totalSteps: 192, resumedFromStep: 64, iterations: 3 });
    expect(summary.sps * summary.wallSeconds).toBeCloseTo(128, 6);
  });

  gpuTest('a file of the wrong kind is refused in the CLI\'s words, naming the command that reads it', async () => {
    const { checkpoint, policy } = await trainedFixture();
    const onnx = join(dir, 'from-checkpoint.onnx');
    const [evalCheckpoint, resumePolicy, exportCheckpoint] = await Promise.all([
      webgpuRl('eval', '--policy', checkpoint),
      webgpuRl('train', '--resume', policy),
      webgpuRl('export', '--policy', checkpoint, '--onnx', onnx),
    ]);
    expect(evalCheckpoint.code).toBe(1);
    expect(evalCheckpoint.stderr).toMatch(/--policy '.*short.ckpt' is a training checkpoint .*not a policy: continue training it with `train --resume .*short.ckpt`/);
    expect(resumePolicy.code).toBe(1);
    expect(resumePolicy.stderr).toMatch(/--resume '.*short.policy' is a policy .*not a training checkpoint: evaluate it with `eval --policy .*short.policy`/);
    expect(exportCheckpoint.code).toBe(1);
    expect(exportCheckpoint.stderr).toMatch(/--policy '.*short.ckpt' is a training checkpoint .*not a policy/);
    expect(existsSync(onnx)).toBe(false);
    for (const run of [evalCheckpoint, resumePolicy, exportCheckpoint]) expect(run.stderr).not.toMatch(LIBRARY_NAMES);
  });

  gpuTest("Dawn's adapter warnings never reach the CLI's stderr", async () => {
    // Whether this adapter makes Dawn print them at all (it does on lavapipe): then the CLI must have dropped them.
    const probe = spawnSync(process.execPath, ['--input-type=module', '-e', "const { create, globals } = await import('webgpu'); Object.assign(globalThis, globals); await create([]).requestAdapter();"], { encoding: 'utf8' });
    const dawnWarns = DAWN_WARNING.test(probe.stderr);
    const { policy } = await trainedFixture();
    const train = await fixtureRun!;
    const evaluation = await webgpuRl('eval', '--policy', policy, '--episodes', '2');
    for (const run of [train, evaluation]) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr + run.stdout).not.toMatch(DAWN_WARNING);
    }
    expect(train.stderr).toMatch(BUILT);
    if (!dawnWarns) console.warn('Dawn printed no adapter warnings on this machine: the filter was not exercised');
  });
});

describe('webgpu-rl export', () => {
  const dir = mkdtempSync(join(tmpdir(), 'webgpu-rl-cli-export-'));
  /** A normalising CartPole-like policy file with random parameters (no GPU, no training). */
  const policyPath = join(dir, 'cartpole.safetensors');
  writeFileSync(policyPath, policyFile({ spec: CARTPOLE_SPEC, hidden: [16, 16], activation: 'tanh', clipObs: 5, seed: 21 }));

  test('writes the policy as an ONNX model that onnxruntime runs as the engine does, and says what it wrote', async () => {
    const onnxPath = join(dir, 'cartpole.onnx');
    const run = await webgpuRl('export', '--policy', policyPath, '--onnx', onnxPath);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^wrote '.*cartpole.onnx' \(\d+ bytes\): the CartPole-v1 policy as ONNX \(opset 15\): input obs float32 \[batch, 4\] \(normalised in the graph: .*±5\)\); outputs action int64 \[batch\] \(argmax of the logits\), logits float32 \[batch, 2\]\n$/,
    );
    ort.env.wasm.numThreads = 1;
    const model = await ort.InferenceSession.create(new Uint8Array(readFileSync(onnxPath)));
    const policy = await loadPolicy(new Uint8Array(readFileSync(policyPath)), { backend: 'cpu' });
    const obs = randomArray(seededRandom(22), 5 * 4, -3, 3);
    const out = await model.run({ obs: new ort.Tensor('float32', obs, [5, 4]) });
    expect(Array.from(out.action!.data as BigInt64Array, Number)).toEqual([...policy.actSync(obs)]);
    expectClose(out.logits!.data as Float32Array, Array.from({ length: 5 }, (_, b) => [...policy.head(obs, 4 * b)]).flat(), { atol: 1e-5, rtol: 1e-5 }, 'logits');
    expect(readdirSync(dir).sort()).toEqual(['cartpole.onnx', 'cartpole.safetensors']);
  });

  test('a missing policy, an output in a missing directory, a file that is not a policy: a clear error, nothing written', async () => {
    const notAPolicy = join(dir, 'notes.txt');
    writeFileSync(notAPolicy, 'hello');
    const out = join(dir, 'out.onnx');
    const cases: [string[], RegExp][] = [
      [['--policy', join(dir, 'missing.safetensors'), '--onnx', out], /^webgpu-rl: --policy '.*missing.safetensors' cannot be read: no such file\n$/],
      [['--policy', policyPath, '--onnx', join(dir, 'missing-dir', 'p.onnx')], /^webgpu-rl: --onnx '.*missing-dir\/p.onnx' cannot be written: the directory '.*missing-dir' does not exist\n$/],
      [['--policy', notAPolicy, '--onnx', out], /^webgpu-rl: --policy '.*notes.txt': not a valid webgpu-rl\/policy file: file is 5 bytes; a safetensors file starts with an 8-byte header length\n$/],
      [['--policy', policyPath, '--onnx', policyPath], /^webgpu-rl: --onnx '.*cartpole.safetensors' is the --policy file; expected another path/],
      [['--policy', policyPath], /required option '--onnx <file>' not specified/],
    ];
    const before = readdirSync(dir).sort();
    const runs = await Promise.all(cases.map(([args]) => webgpuRl('export', ...args)));
    runs.forEach((run, i) => {
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(cases[i]![1]);
      expect(run.stderr).not.toMatch(LIBRARY_NAMES);
    });
    expect(readdirSync(dir).sort(), 'no file written, no temporary file left').toEqual(before);
    expect(readFileSync(policyPath)).toEqual(Buffer.from(policyFile({ spec: CARTPOLE_SPEC, hidden: [16, 16], activation: 'tanh', clipObs: 5, seed: 21 })));
  });
});

describe('the stderr filter', () => {
  const warning = (kind: string) => `Warning: maxDynamic${kind}BuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\n`;

  test('drops exactly the two Dawn lines, however the stream is cut, and passes the rest unchanged', () => {
    const text = `first line\n${warning('Uniform')}${warning('Storage')}Warning: something else\n \x1b[1G bar 10%\rbar 20%\nWarning: maxDynamicUniformBuffersPerPipelineLayout is fine\nlast`;
    const expected = 'first line\nWarning: something else\n \x1b[1G bar 10%\rbar 20%\nWarning: maxDynamicUniformBuffersPerPipelineLayout is fine\nlast';
    for (const cut of [1, 2, 3, 7, 19, 64, text.length]) {
      let out = '';
      const filter = new StderrFilter((chunk) => (out += chunk));
      for (let i = 0; i < text.length; i += cut) filter.write(Buffer.from(text.slice(i, i + cut)));
      filter.end();
      expect(out, `chunks of ${cut}`).toBe(expected);
    }
  });

  test('a progress bar redrawn without a newline is passed on at once, not held for its line end', () => {
    let out = '';
    const filter = new StderrFilter((chunk) => (out += chunk));
    filter.write(Buffer.from(' ░░░ 10% | 128/1280 steps'));
    expect(out).toBe(' ░░░ 10% | 128/1280 steps');
    filter.write(Buffer.from('\r ███ 20%'));
    expect(out).toBe(' ░░░ 10% | 128/1280 steps\r ███ 20%');
  });
});

describe('webgpu-rl train --seeds / --sweep (populations)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'webgpu-rl-cli-population-'));
  const small = join(dir, 'small.json');
  writeFileSync(small, JSON.stringify({ num_envs: 4, num_steps: 16, update_epochs: 2, num_minibatches: 2, hidden_sizes: [16] }));

  gpuTest('--seeds N with --sweep trains the grid x seeds together: one summary per agent, one file per agent, each equal to its own run', async () => {
    const json = join(dir, 'population.json');
    const save = join(dir, 'policy.safetensors');
    const checkpoint = join(dir, 'run.ckpt');
    const run = await webgpuRl('train', '--config', small, '--seed', '3', '--seeds', '2', '--sweep', 'learning_rate=1e-3,3e-4', '--total-steps', '192', '--json', json, '--save', save, '--checkpoint', checkpoint, '--eval-episodes', '2');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/ppo on CartPole-v1 \| population of 4 agents \(seeds 3, 4\) \| 4 envs x 16 steps each/);
    expect(run.stderr).toMatch(/^192\/192 steps \| \d+ SPS \| ETA \S+ \| mean return \d+\.\d ± \d+\.\d \(4 agents\)$/m);
    expect(run.stderr).toMatch(/agent 1 seed 4 learning_rate=0.001: /);
    const summary = JSON.parse(readFileSync(json, 'utf8'));
    expect(Object.keys(summary)).toEqual(expect.arrayContaining(['runs', 'wallSeconds', 'sps']));
    expect(summary.runs.map((r: { agent: number; seed: number; overrides: object; totalSteps: number }) => [r.agent, r.seed, r.overrides, r.totalSteps])).toEqual([
      [0, 3, { learning_rate: 1e-3 }, 192],
      [1, 4, { learning_rate: 1e-3 }, 192],
      [2, 3, { learning_rate: 3e-4 }, 192],
      [3, 4, { learning_rate: 3e-4 }, 192],
    ]);
    for (const r of summary.runs) expect(Number.isFinite(r.evalReturnMean)).toBe(true);
    const names = ['agent0.seed3', 'agent1.seed4', 'agent2.seed3', 'agent3.seed4'];
    for (const name of names) {
      expect(existsSync(join(dir, `policy.${name}.safetensors`)), name).toBe(true);
      expect(existsSync(join(dir, `run.${name}.ckpt`)), name).toBe(true);
    }
    expect(readCheckpointInfo(new Uint8Array(readFileSync(join(dir, 'run.agent2.seed3.ckpt'))))).toMatchObject({ globalStep: 192, config: { seed: 3, learning_rate: 3e-4 } });
    // Agent 1 is the run of seed 4 with learning_rate 1e-3: its policy file is that run's, byte for byte.
    const single = join(dir, 'single.safetensors');
    const config = join(dir, 'single.json');
    writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(small, 'utf8')), learning_rate: 1e-3 }));
    const alone = await webgpuRl('train', '--config', config, '--seed', '4', '--total-steps', '192', '--save', single, '--eval-episodes', '2');
    expect(alone.code, alone.stderr).toBe(0);
    expect(readFileSync(join(dir, 'policy.agent1.seed4.safetensors')).equals(readFileSync(single))).toBe(true);
    // eval and loadPolicy read one agent's file.
    const evaluated = await webgpuRl('eval', '--policy', join(dir, 'policy.agent3.seed4.safetensors'), '--episodes', '2');
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toMatch(/CartPole-v1: [\d.]+ ± [\d.]+ over 2 episodes/);
    expect((await loadPolicy(new Uint8Array(readFileSync(join(dir, 'policy.agent0.seed3.safetensors'))), { backend: 'cpu' })).trainedSteps).toBe(192);

    const listed = join(dir, 'listed.json');
    const list = await webgpuRl('train', '--config', small, '--seeds', '3,5,9', '--total-steps', '64', '--json', listed, '--eval-episodes', '1');
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(readFileSync(listed, 'utf8')).runs.map((r: { seed: number; overrides: object }) => [r.seed, r.overrides])).toEqual([[3, {}], [5, {}], [9, {}]]);
  });

  gpuTest('bad --seeds and --sweep fail naming the flag and the value, before anything is built', async () => {
    const cases: [string[], RegExp][] = [
      [['--seeds', '0'], /--seeds 0: expected a number of agents >= 1/],
      [['--seeds', '3,x'], /--seeds '3,x': expected a number of agents \(e.g. 4\) or a comma-separated list of seeds/],
      [['--seed', '2', '--seeds', '3,5'], /--seed 2 and --seeds 3,5 both given/],
      [['--sweep', 'num_envs=4,8'], /--sweep num_envs: not a per-agent key; the agents of a population share every key that shapes/],
      [['--sweep', 'learning_rat=1e-3'], /--sweep learning_rat: not a per-agent key \(did you mean 'learning_rate'\?\)/],
      [['--sweep', 'learning_rate=fast'], /--sweep learning_rate: value 'fast' is not a number, true, false or null/],
      [['--sweep', 'learning_rate'], /--sweep 'learning_rate': expected key=value,value/],
      [['--sweep', 'ent_coef=0', '--sweep', 'ent_coef=0.01'], /--sweep ent_coef is given twice/],
      [['--sweep', 'learning_rate=-1'], /'population.overrides\[0\].learning_rate' is -1; expected a finite number > 0/],
      [['--seeds', '2', '--resume', join(dir, 'missing.ckpt')], /--resume continues one run; it cannot be combined with --seeds or --sweep/],
    ];
    for (const [flags, message] of cases) {
      const run = await webgpuRl('train', '--config', small, '--total-steps', '64', ...flags);
      expect(run.code, flags.join(' ')).toBe(1);
      expect(run.stderr, flags.join(' ')).toMatch(message);
      expect(run.stderr).not.toMatch(BUILT);
    }
  });

  gpuTest('SIGINT during a population run finishes the iteration and writes every agent\'s files and the summary', async () => {
    const json = join(dir, 'stopped.json');
    const save = join(dir, 'stopped.safetensors');
    const run = start(['train', '--config', small, '--seeds', '3', '--total-steps', '1000000', '--save', save, '--checkpoint', join(dir, 'stopped.ckpt'), '--json', json]);
    await run.waitFor(/^\d+\/\d+ steps \|/m);
    run.kill('SIGINT');
    const result = await run.done;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/interrupted: trained 3 agents x \d+ steps .*wrote 3 checkpoint files as '.*stopped.agent0.seed1.ckpt' …, 3 policy files as '.*stopped.agent0.seed1.safetensors' …, the summary to/);
    const summary = JSON.parse(readFileSync(json, 'utf8'));
    expect(summary.interrupted).toBe(true);
    const steps = summary.runs.map((r: { totalSteps: number }) => r.totalSteps);
    expect(new Set(steps).size).toBe(1);
    for (const [i, seed] of [1, 2, 3].entries()) {
      expect(readCheckpointInfo(new Uint8Array(readFileSync(join(dir, `stopped.agent${i}.seed${seed}.ckpt`)))).globalStep).toBe(steps[0]);
    }
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
