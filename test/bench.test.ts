/**
 * The benchmark suite's machinery, fast and untimed, so that CI catches a broken suite: argument parsing, the
 * --json file's exact shape, the Markdown report, the SVG chart, the README marker updater (idempotent, text
 * outside the markers kept), a real run of the smallest case (the FMA peak, --quick) through the JSON writer,
 * the TF.js baseline's pieces (GAE equal to the engine's kernel, one iteration on TF.js's cpu backend
 * without leaking tensors), and the time-to-solve comparison's logic (solved detection, stopping, repetitions,
 * the ratio's bound where a side did not solve). No speed is asserted anywhere.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseArgs, runSuite, type SuiteResult } from '../bench/suite.js';
import { markdownReport, readmeSection, replaceBetweenMarkers, README_END, README_START, svgChart, targets, type BenchJson } from '../bench/report.js';
import { LoadMonitor, machineInfo, runsOnFile, toJson, writeOutputs, writeReadmeSection } from '../bench/write.js';
import { validateBaselineGae } from '../bench/cases/ppo.js';
import { compareRates, goalMet, MIN_REPS, ratioText, type CaseResult } from '../bench/harness.js';
import { attemptsResult, compareTimesToSolve, solvedNow, startupSeconds, stopBefore, type SolveAttempt } from '../bench/cases/solveAttempt.js';
import { assertSameConfig, engineSolveAttempt, solveConfig } from '../bench/cases/solveTime.js';
import { solveAttemptTfjs } from '../bench/baselines/tfjsJobs.js';
import { freshBackend } from '../bench/baselines/tfjsSetup.js';
import { SOLVED_WINDOW } from '../src/trainer.js';
import { stepWork } from '../bench/flops.js';
import { TfjsPpo } from '../bench/baselines/tfjsPpo.js';
import { loadTfjs } from '../bench/baselines/tfjsSetup.js';
import { ReferenceVecEnv } from '../bench/baselines/batchEnv.js';
import { resolveConfig } from '../src/config.js';
import { gpuTest } from './helpers/gpu.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'webgpu-rl-bench-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const r = (name: string, params: Record<string, unknown>, unit: string, median: number, reps = 3): CaseResult => ({ name, params, unit, median, min: median * 0.9, max: median * 1.1, reps });

const WASM_NODE = { simd: true, threads: false, threadsCount: 1, hardwareConcurrency: null, crossOriginIsolated: null };

/**
 * The synthetic suite with the TF.js wasm baseline at CartPole-v1 x 8 and x 4096 (rates as given; TF.js reps as
 * given, engine reps 3) and the engine's JavaScript-environment run at 8; goals as the suite sets them in Node.
 */
function withWasm(suite: SuiteResult, wasm8: number, wasm4096: number, tfjsReps = 3): SuiteResult {
  const engine = (n: number) => suite.cases.find((c) => c.name === 'ppo.engine' && c.params.numEnvs === n)!;
  const base8 = r('ppo.tfjs-wasm', { env: 'CartPole-v1', numEnvs: 8, batch: 128, backend: 'wasm', wasm: WASM_NODE }, 'env-steps/s', wasm8, tfjsReps);
  const base4096 = r('ppo.tfjs-wasm', { env: 'CartPole-v1', numEnvs: 4096, batch: 65536, backend: 'wasm', wasm: WASM_NODE }, 'env-steps/s', wasm4096, tfjsReps);
  const jsEnv = r('ppo.engine.jsEnv', { env: 'JsCartPole-v1', sameConfigAs: 'CartPole-v1', numEnvs: 8, numSteps: 16, batch: 128, submitsPerIteration: 17, readbacksPerIteration: 16 }, 'env-steps/s', 900);
  const node = suite.runtime === 'node';
  return {
    ...suite,
    cases: [r('tfjs.backend', { backend: 'wasm', works: true, adapter: null, sameAdapterAsEngine: null, wasm: WASM_NODE }, 'available', 1), ...suite.cases, base8, base4096, jsEnv],
    comparisons: [
      ...suite.comparisons,
      compareRates('ppo-vs-tfjs-wasm-8envs', engine(8), base8, node ? 5 : null),
      compareRates('ppo-vs-tfjs-wasm-4096envs', engine(4096), base4096, node ? 5 : null),
      compareRates('ppo-jsenv-vs-tfjs-wasm-8envs', jsEnv, base8, null),
    ],
  };
}

/** A suite result with one case of every kind the report knows. */
function syntheticSuite(runtime: 'node' | 'chrome', quick: boolean): SuiteResult {
  const ppo = (numEnvs: number, sps: number) =>
    r('ppo.engine', { env: 'CartPole-v1', numEnvs, numSteps: 16, batch: numEnvs * 16, updateEpochs: 4, numMinibatches: 4, dispatchesPerIteration: 71, submitsPerIteration: 1, readbacksPerIteration: 1, bufferBytes: 1 << 20 }, 'env-steps/s', sps);
  return {
    runtime,
    quick,
    seconds: 12,
    adapter: { vendor: 'test', architecture: 'cpu', description: 'synthetic' },
    cases: [
      r('peak.fma', { chains: 8 }, 'GFLOP/s', 20),
      r('envs.gpu', { env: 'CartPole-v1', numEnvs: 1 }, 'env-steps/s', 1e4),
      r('envs.gpu', { env: 'CartPole-v1', numEnvs: 4096 }, 'env-steps/s', 1e7),
      r('envs.cpuReference', { env: 'CartPole-v1', numEnvs: 4096 }, 'env-steps/s', 1e6),
      ppo(8, 3000),
      ppo(4096, 4000),
      r('ppo.tfjs-webgpu', { env: 'CartPole-v1', numEnvs: 8, batch: 128 }, 'env-steps/s', 200),
      r('ppo.tfjs-webgpu', { env: 'CartPole-v1', numEnvs: 4096, batch: 65536 }, 'env-steps/s', 1000),
      r('ppo.update', { env: 'CartPole-v1', numEnvs: 4096, batch: 65536, minibatch: 16384, secondsPerEpoch: 3, iterationSeconds1Epoch: 5, iterationSeconds4Epochs: 14, fractionOfPeak: 0.06 }, 'GFLOP/s', 1.2),
      r('ppo.profile', { env: 'CartPole-v1', numEnvs: 4096, batch: 65536, phasesMs: { rollout: 800, gae: 1, update: 9000, stats: 1, other: 0 }, kernels: [{ label: 'PpoUpdate.loss', phase: 'update', dispatches: 16, ms: 7000 }], updateGflops: 1.5, fractionOfPeak: 0.075 }, 'ms (GPU time of one iteration)', 9802),
      r('solve.engine', { env: 'CartPole-v1', runner: 'engine', numEnvs: 8, numSteps: 32, totalSteps: 99840, rewardThreshold: 475, solvedAtStep: 44544, secondsToSolve: 40, evalMean: 300, evalStd: 50, evalEpisodes: 100, sps: 1000 }, 's (whole default run)', 92),
      r('solve.engine', { env: 'MountainCar-v0', runner: 'engine', numEnvs: 4, numSteps: 128, totalSteps: 500000, rewardThreshold: -110, solvedAtStep: null, secondsToSolve: null, evalMean: -200, evalStd: 0, evalEpisodes: 100, sps: 2000 }, 's (whole default run)', 250),
      r('act.gpu.trainerPolicy', { env: 'CartPole-v1', observations: 1 }, 'µs/call', 100),
    ],
    comparisons: [
      compareRates('ppo-vs-tfjs-8envs', ppo(8, 3000), r('ppo.tfjs-webgpu', {}, 'env-steps/s', 200), 5),
      compareRates('ppo-vs-tfjs-4096envs', ppo(4096, 4000), r('ppo.tfjs-webgpu', {}, 'env-steps/s', 1000), 20),
    ],
  };
}

/** A time-to-solve attempt: solved after `seconds` (or, with solved false, stopped there). */
function attempt(runner: string, seconds: number, solved = true, seed = 1): SolveAttempt {
  return {
    runner,
    env: 'CartPole-v1',
    seed,
    solved,
    stop: solved ? 'solved' : 'seconds',
    seconds,
    steps: solved ? 40_000 + 256 * seed : 20_000,
    setupSeconds: 2,
    firstIterationSeconds: 3,
    iterationSeconds: 0.5,
    recentReturn: solved ? 480 : 120,
    stepBudget: 99_840,
    capSeconds: 600,
  };
}

describe('time to solve: the comparison\'s logic', () => {
  test('solved is the trainer\'s criterion: at least 20 episodes and their mean at the threshold', () => {
    expect(SOLVED_WINDOW).toBe(20);
    expect(solvedNow(20, 475, 475)).toBe(true);
    expect(solvedNow(200, 500, 475)).toBe(true);
    expect(solvedNow(19, 500, 475)).toBe(false);
    expect(solvedNow(20, 474.9, 475)).toBe(false);
    expect(solvedNow(20, null, 475)).toBe(false);
    expect(solvedNow(1000, 0, null)).toBe(false);
    // Negative thresholds (Acrobot-v1: -100): higher is better.
    expect(solvedNow(25, -99, -100)).toBe(true);
    expect(solvedNow(25, -101, -100)).toBe(false);
  });

  test('an attempt stops when the step budget is spent or the next iteration would end past the cap', () => {
    // Budget 99,840 = 390 iterations of 256.
    expect(stopBefore(99_584, 256, 99_840, 10, 0.1, 600)).toBeNull();
    expect(stopBefore(99_840, 256, 99_840, 10, 0.1, 600)).toBe('steps');
    expect(stopBefore(1024, 256, 99_840, 599.8, 0.1, 600)).toBeNull();
    expect(stopBefore(1024, 256, 99_840, 599.95, 0.1, 600)).toBe('seconds');
    expect(stopBefore(0, 256, 99_840, 0.5, 0, 0)).toBe('seconds');
    expect(startupSeconds({ firstIterationSeconds: 3, iterationSeconds: 0.5 })).toBe(2.5);
    expect(startupSeconds({ firstIterationSeconds: 3, iterationSeconds: null })).toBeNull();
  });

  test('repetitions: the case counts every attempt, its median and spread, how many solved, and the medians of steps and start-up', () => {
    const c = attemptsResult([attempt('engine', 40, true, 1), attempt('engine', 30, true, 2), attempt('engine', 50, true, 3)], { numEnvs: 8, numSteps: 32 });
    expect(c).toMatchObject({ name: 'solveTime.engine', unit: 's to solve', median: 40, min: 30, max: 50, reps: 3 });
    expect(c.params).toMatchObject({ env: 'CartPole-v1', runner: 'engine', numEnvs: 8, solvedReps: 3, upperSeconds: 40, medianStepsToSolve: 40_512, medianSetupSeconds: 2, medianStartupSeconds: 2.5 });
    expect(c.params.attempts).toHaveLength(3);
    const one = attemptsResult([attempt('tfjs-wasm', 90)]);
    expect(one.reps).toBe(1);
    expect(() => attemptsResult([])).toThrow(/no attempts/);
  });

  test('the ratio is baseline / engine seconds, exact when every attempt solved, with both sides\' repetitions', () => {
    const engine = attemptsResult([attempt('engine', 40), attempt('engine', 30), attempt('engine', 50)]);
    const wasm = attemptsResult([attempt('tfjs-wasm', 120), attempt('tfjs-wasm', 100), attempt('tfjs-wasm', 140)]);
    const c = compareTimesToSolve('solve-vs-tfjs-wasm-CartPole-v1', engine, wasm, 3);
    expect(c).toMatchObject({ engine: 40, baseline: 120, ratio: 3, goal: 3, reps: { engine: 3, baseline: 3 }, spread: { engine: [30, 50], baseline: [100, 140] }, solvedReps: { engine: 3, baseline: 3 } });
    expect(c.bound).toBeUndefined();
    expect(goalMet(c)).toBe(true);
    expect(ratioText(c)).toBe('3.00×');
  });

  test('an unsolved attempt that cannot move the median keeps the ratio exact; one that can makes it a bound', () => {
    const engine = attemptsResult([attempt('engine', 40), attempt('engine', 30), attempt('engine', 50)]);
    // 300 s unsolved is above the median of the other two whatever its true time: the median stays 120.
    const exact = compareTimesToSolve('x', engine, attemptsResult([attempt('tfjs-wasm', 100), attempt('tfjs-wasm', 120), attempt('tfjs-wasm', 300, false)]), 3);
    expect(exact.bound).toBeUndefined();
    expect(exact.ratio).toBe(3);
    // Two of three unsolved at the 120 s cap: the median is at least 120 s, the ratio at least 3.
    const lower = compareTimesToSolve('x', engine, attemptsResult([attempt('tfjs-webgpu', 120, false), attempt('tfjs-webgpu', 120, false), attempt('tfjs-webgpu', 100)]), 3);
    expect(lower).toMatchObject({ bound: 'lower', ratio: 3, ratioRange: [3, null], solvedReps: { engine: 3, baseline: 1 } });
    expect(goalMet(lower)).toBe(true);
    expect(ratioText(lower)).toBe('≥ 3.00×');
    // A lower bound below the goal cannot tell.
    const short = compareTimesToSolve('x', engine, attemptsResult([attempt('tfjs-webgpu', 80, false)]), 3);
    expect(short).toMatchObject({ bound: 'lower', ratio: 2 });
    expect(goalMet(short)).toBeNull();
    // The engine unsolved: an upper bound, which misses a goal above it.
    const upper = compareTimesToSolve('x', attemptsResult([attempt('engine', 600, false)]), attemptsResult([attempt('tfjs-wasm', 300)]), 3);
    expect(upper).toMatchObject({ bound: 'upper', ratio: 0.5, ratioRange: [0, 0.5] });
    expect(goalMet(upper)).toBe(false);
    expect(ratioText(upper)).toBe('≤ 0.50×');
    // Neither solved: nothing is known.
    const range = compareTimesToSolve('x', attemptsResult([attempt('engine', 600, false)]), attemptsResult([attempt('tfjs-wasm', 600, false)]), 3);
    expect(range).toMatchObject({ bound: 'range', ratioRange: [0, null] });
    expect(goalMet(range)).toBeNull();
    expect(ratioText(range)).toBe('0.00×–∞');
  });

  test('Chrome: the solve target and table say how many attempts solved, the bound, and mark a single attempt as quick', () => {
    const base = syntheticSuite('chrome', true);
    const engine = attemptsResult([attempt('engine', 40)], { numEnvs: 8, numSteps: 32 });
    const wasm = attemptsResult([attempt('tfjs-wasm', 100)], { numEnvs: 8, numSteps: 32 });
    const webgpu = attemptsResult([attempt('tfjs-webgpu', 120, false)], { numEnvs: 8, numSteps: 32 });
    const suite: SuiteResult = {
      ...base,
      cases: [...base.cases, engine, wasm, webgpu],
      comparisons: [...base.comparisons, compareTimesToSolve('solve-vs-tfjs-wasm-CartPole-v1', engine, wasm, 3), compareTimesToSolve('solve-vs-tfjs-webgpu-CartPole-v1', engine, webgpu, null)],
    };
    const json = toJson(suite, { quick: true });
    const row = targets(json).find((t) => t.target.startsWith('Time to solve CartPole-v1'))!;
    expect(row).toMatchObject({ met: false, note: 'missed: 1.2× short', measured: `2.50× (40.0 s vs 100 s; 1 / 1 reps, solved 1 / 1, fewer than ${MIN_REPS} (quick))` });
    const md = markdownReport(json);
    expect(md).toContain('## Time to solve against TF.js (same configuration, same run)');
    expect(md).toMatch(/\| CartPole-v1 \| tfjs-webgpu +\| 8 × 32 +\| 1 \(< 3, quick\) \| 0 of 1; not solved in 20,000 steps \/ 120 s \| 120 \(≥\) \(120–120\) .*\| ≥ 3\.00× +\|/);
    expect(md).toMatch(/\| solve-vs-tfjs-webgpu-CartPole-v1 .*\| 1 \/ 1 \(< 3\), solved 1 \/ 0 +\| ≥ 3\.00× +\| – +\| – +\|/);
    expect(md).toMatch(/\| solve-vs-tfjs-wasm-CartPole-v1 .*\| 2\.50× +\| ≥ 3× +\| missed +\|/);
    expect(md).toContain('- **Repetitions:** 2 of 4 comparisons from fewer than 3 measured repetitions on a side (a `--quick` run): solve-vs-tfjs-wasm-CartPole-v1 (1 / 1), solve-vs-tfjs-webgpu-CartPole-v1 (1 / 1).');
    expect(markdownReport(toJson(base, { quick: false }))).toContain('- **Repetitions:** every comparison from at least 3 measured repetitions on each side');
    // In Node there is no solve goal.
    expect(targets(toJson({ ...suite, runtime: 'node' }, { quick: true })).some((t) => t.target.startsWith('Time to solve'))).toBe(false);
  });

  test('both sides run the same configuration: the engine\'s defaults, and a difference is named', () => {
    for (const env of ['CartPole-v1', 'Acrobot-v1']) {
      const config = solveConfig(env, 2);
      expect(config.seed).toBe(2);
      expect(() => assertSameConfig(config, solveConfig(env, 2))).not.toThrow();
    }
    const cartpole = solveConfig('CartPole-v1', 1);
    expect(() => assertSameConfig({ ...cartpole, num_envs: 16 }, cartpole)).toThrow(/the engine's num_envs is 16, the TF.js baseline's 8/);
    expect(() => assertSameConfig({ ...cartpole, hidden_sizes: [32] }, cartpole)).toThrow(/hidden_sizes/);
    expect(() => assertSameConfig({ ...cartpole, target_kl: 0.02 }, cartpole)).toThrow(/target_kl is 0\.02/);
    expect(solveConfig('Acrobot-v1', 1)).toMatchObject({ norm_obs: true, norm_reward: true, num_envs: 16, num_steps: 256 });
  });

  test('a new TF.js backend instance replaces the old one, and an attempt with no time left stops before its first iteration', async () => {
    const { tf } = await loadTfjs('cpu');
    const old = tf.backend();
    const seconds = await freshBackend(tf, 'cpu');
    expect(seconds).toBeGreaterThanOrEqual(0);
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.backend()).not.toBe(old);
    const stopped = await solveAttemptTfjs({ tf, backend: 'cpu', adapter: undefined, wasm: undefined }, 'CartPole-v1', 3, 0, () => undefined);
    expect(stopped).toMatchObject({ runner: 'tfjs-cpu', env: 'CartPole-v1', seed: 3, solved: false, stop: 'seconds', steps: 0, firstIterationSeconds: null, iterationSeconds: null, stepBudget: 99_840, capSeconds: 0 });
  }, 60_000);
});

describe('bench machinery', () => {
  test('parseArgs reads --quick, --json FILE, --only and rejects the unknown', () => {
    expect(parseArgs(['--quick', '--json', 'out.json'])).toEqual({ quick: true, json: 'out.json', only: undefined, results: true });
    expect(parseArgs(['--json=x.json', '--only', 'ppo,act', '--no-results'])).toEqual({ quick: false, json: 'x.json', only: ['ppo', 'act'], results: false });
    expect(() => parseArgs(['--only', 'nope'])).toThrow(/unknown case 'nope'/);
    expect(() => parseArgs(['--json'])).toThrow(/needs a file/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option/);
  });

  test('the --json file has the suite\'s shape; the report and chart follow from it; the README only on request', () => {
    const dir = tempDir();
    const readme = join(dir, 'README.md');
    writeFileSync(readme, `# Project\n\nIntro.\n\n${README_START}\nold table\n${README_END}\n\n## After\n\nKept.\n`);
    const suite = syntheticSuite('node', true);
    const json = toJson(suite, machineInfo(new LoadMonitor(), suite));
    const out = join(dir, 'out.json');
    writeOutputs(json, { jsonFile: out, resultsDir: join(dir, 'results') });
    // A benchmark run writes its results only: the README is untouched until `npm run readme`.
    expect(readFileSync(readme, 'utf8')).toContain('old table');
    writeReadmeSection(readme, join(dir, 'results'));

    const written = JSON.parse(readFileSync(out, 'utf8')) as BenchJson;
    expect(Object.keys(written).sort()).toEqual(['adapter', 'cases', 'comparisons', 'machine', 'runtime']);
    expect(Object.keys(written.adapter).sort()).toEqual(['architecture', 'description', 'vendor']);
    expect(written.runtime).toBe('node');
    for (const c of written.cases) expect(Object.keys(c).sort()).toEqual(['max', 'median', 'min', 'name', 'params', 'reps', 'unit']);
    for (const c of written.comparisons) expect(Object.keys(c).sort()).toEqual(['baseline', 'engine', 'goal', 'name', 'ratio', 'reps', 'spread', 'unit']);
    expect(written.comparisons[0]).toMatchObject({ ratio: 15, reps: { engine: 3, baseline: 3 }, spread: { engine: [expect.closeTo(2700), expect.closeTo(3300)], baseline: [expect.closeTo(180), expect.closeTo(220)] } });
    expect(written.comparisons.map((c) => c.name)).toEqual(expect.arrayContaining(['ppo-vs-tfjs-8envs', 'ppo-vs-tfjs-4096envs']));
    expect(written.machine).toMatchObject({ quick: true, cores: expect.any(Number), loadStart: expect.any(Array) });

    // Results on file, under the quick name; the report and chart.
    expect(runsOnFile(join(dir, 'results')).map((x) => x.file)).toEqual(['node-quick.json']);
    const md = readFileSync(join(dir, 'results', 'node-quick.md'), 'utf8');
    expect(md).toContain('## Targets');
    expect(md).toContain('missed: 5.0× short');
    expect(md).toContain('**met**');
    expect(md).toContain('not solved (threshold -110)');
    expect(md).toContain('This is a projection, not a measurement');
    expect(md).toContain('PpoUpdate.loss ×16: 7,000 ms');
    const svg = readFileSync(join(dir, 'results', 'scaling.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('<path d="M');
    expect(svg.trim().endsWith('</svg>')).toBe(true);

    // The README: replaced between the markers, the rest kept, and a second run changes nothing more.
    const first = readFileSync(readme, 'utf8');
    expect(first).not.toContain('old table');
    expect(first.startsWith('# Project\n\nIntro.\n\n<!-- bench:start -->')).toBe(true);
    expect(first).toContain('## After\n\nKept.');
    expect(first).toContain('](results/node-quick.md)');
    expect(first).toContain('![Scaling curves');
    writeReadmeSection(readme, join(dir, 'results'));
    expect(readFileSync(readme, 'utf8')).toBe(first);
  });

  test('the marker updater appends a section when there are no markers and refuses a lone marker', () => {
    const section = readmeSection([], null);
    expect(replaceBetweenMarkers('# X\n', section)).toBe(`# X\n\n## Benchmarks\n\n${section}\n`);
    expect(() => replaceBetweenMarkers(`# X\n${README_START}\n`, section)).toThrow(/only one of the markers/);
  });

  test('targets say met or missed, and by how much', () => {
    const suite = syntheticSuite('chrome', false);
    const rows = targets(toJson(suite, { quick: false }));
    expect(rows.map((row) => row.met)).toEqual([true, false, false, true]);
    expect(rows[1]!.note).toBe('missed: 5.0× short');
    expect(rows[2]!.note).toMatch(/^missed: best 7\.5%, 3\.3× short$/);
    expect(rows[2]!.measured).toContain('7.5% at batch 65536 (1.50 GFLOP/s, GPU timestamps); 6.0% at batch 65536 (1.20 GFLOP/s, wall split)');
    expect(markdownReport(toJson(suite, { quick: false }))).toContain('# Benchmark results: chrome');
    expect(svgChart([toJson(suite, { quick: false })])).toContain('engine CartPole-v1 (Chrome)');
  });

  test('self-play: the win rates are targets with their goals and the seeds behind them; the report has their section', () => {
    const suite = syntheticSuite('node', true);
    const match = (opponent: string, goal: number, wins: number): CaseResult => ({
      ...r('selfplay.match', { env: 'Pong-v0', opponent, goal, games: 400, wins, draws: 0, losses: 400 - wins, perSeed: [] }, 'win rate', wins / 400, 1),
      min: wins / 400,
      max: wins / 400,
    });
    suite.cases.push(
      r('selfplay.train', { env: 'Pong-v0', seed: 1, steps: 4096, numEnvs: 32, numSteps: 128, hiddenSizes: [32, 32], saveSteps: 20000, window: 10, playAgainstLatestModelRatio: 0.5, swapSteps: 10000, sps: 1000, initialElo: 1200, finalElo: 1310.4, snapshots: 2, snapshotElos: [1190, 1300], dispatchesPerIteration: 74, submitsPerIteration: 1, readbacksPerIteration: 1 }, 's (training)', 4.1),
      match('random', 0.95, 360),
      match('firstSnapshot', 0.8, 396),
    );
    const comparison = (name: string, wins: number, goal: number) => ({ name, engine: wins, baseline: 400, unit: 'games won / games played', ratio: wins / 400, goal, reps: { engine: 1, baseline: 1 } });
    suite.comparisons.push(comparison('selfplay-vs-random-Pong-v0', 360, 0.95), comparison('selfplay-vs-first-snapshot-Pong-v0', 396, 0.8));
    const json = toJson(suite, { quick: true });
    const rows = targets(json).filter((row) => row.target.startsWith('Self-play'));
    expect(rows.map((row) => [row.met, row.note, row.goal])).toEqual([
      [false, 'missed: 5.0% short', '≥ 95.0%'],
      [true, 'met', '≥ 80.0%'],
    ]);
    expect(rows[0]!.measured).toBe('90.0% (360 of 400 games, median over 1 seed (fewer than 3: quick))');
    const md = markdownReport(json);
    expect(md).toContain('## Self-play: Pong-v0 against a random player and its first snapshot');
    expect(md).toContain('32 courts × 128 steps, network [32,32], a snapshot every 20000 steps into a pool of 10');
    expect(md).toContain('| uniformly random | 90.0% | 90.0% – 90.0% | 360 / 0 / 40 of 400 | ≥ 95.0% | **missed** (5.0% short) |');
    expect(md).toContain('| first snapshot (the initial policy) | 99.0% | 99.0% – 99.0% | 396 / 0 / 4 of 400 | ≥ 80.0% | **met** |');
    expect(md).toContain('| 1 | 4096 | 4.1 | 1000 | 1200 → 1310 | 2 | 1190, 1300 | 74 / 1 / 1 |');
  });

  test('compareRates: engine / baseline with both sides\' repetitions and spread', () => {
    const side = (median: number, min: number, max: number, reps: number): CaseResult => ({ name: 'x', params: {}, unit: 'env-steps/s', median, min, max, reps });
    const c = compareRates('x', side(1000, 900, 1100, 5), side(250, 225, 275, 2), 5);
    expect(c).toEqual({ name: 'x', engine: 1000, baseline: 250, unit: 'env-steps/s', ratio: 4, goal: 5, reps: { engine: 5, baseline: 2 }, spread: { engine: [900, 1100], baseline: [225, 275] } });
  });

  test('Node: the wasm targets say met or missed, with the backend\'s SIMD and threads and the repetitions', () => {
    const json = toJson(withWasm(syntheticSuite('node', false), 600, 1000), { quick: false });
    const rows = targets(json);
    const wasm = rows.filter((row) => row.target.includes('TF.js (wasm'));
    expect(wasm.map((row) => row.target)).toEqual([
      'PPO env-steps/s, engine / TF.js (wasm, SIMD, no threads), CartPole-v1, 8 envs',
      'PPO env-steps/s, engine / TF.js (wasm, SIMD, no threads), CartPole-v1, 4096 envs',
    ]);
    // 3000 / 600 = 5 (met, exactly the goal); 4000 / 1000 = 4 (missed).
    expect(wasm.map((row) => row.met)).toEqual([true, false]);
    expect(wasm[0]!.measured).toBe('5.00× (3,000 vs 600; 3 / 3 reps)');
    expect(wasm[1]!.note).toBe('missed: 1.3× short');
    const md = markdownReport(json);
    expect(md).toContain('SIMD on (WASM_HAS_SIMD_SUPPORT), threads off (WASM_HAS_MULTITHREAD_SUPPORT) (TF.js 4.22 has no threads in Node)');
    expect(md).toMatch(/\| ppo-vs-tfjs-wasm-8envs +\| 3,000 +\| 2,700–3,300 +\| 600 +\| 540–660 +\| env-steps\/s +\| 3 \/ 3 +\| 5\.00× +\| ≥ 5× +\| met +\|/);
    expect(md).toMatch(/\| ppo-vs-tfjs-wasm-4096envs .*\| 4\.00× +\| ≥ 5× +\| missed +\|/);
    // Like for like: the engine's JavaScript environment against TF.js wasm, no goal.
    expect(md).toContain('## PPO with the environments on the CPU, like for like with TF.js');
    expect(md).toMatch(/\| JsCartPole-v1 +\| 8 +\| 128 +\| 900 +\| 810–990 +\| 17 \/ 16 +\| 600 \(1\.50×\) +\| 200 \(4\.50×\) +\| – +\|/);
    expect(md).toMatch(/\| ppo-jsenv-vs-tfjs-wasm-8envs .*\| 1\.50× +\| – +\| – +\|/);
    // The TF.js wasm column of the PPO table.
    expect(md).toMatch(/\| TF\.js wasm +\| engine \/ TF\.js wasm +\|/);
  });

  test('Node: a missing or failed wasm baseline shows as not measured, with the reason; quick repetitions are marked', () => {
    const base = syntheticSuite('node', true);
    const unavailable = { ...base, cases: [r('tfjs.backend', { backend: 'wasm', works: false, error: 'no .wasm file' }, 'available', 0), ...base.cases] };
    const rows = targets(toJson(unavailable, { quick: true })).filter((row) => row.target.includes('TF.js (wasm'));
    expect(rows.map((row) => [row.measured, row.met, row.note])).toEqual([
      ['not measured', null, 'TF.js wasm unavailable: no .wasm file'],
      ['not measured', null, 'TF.js wasm unavailable: no .wasm file'],
    ]);
    expect(markdownReport(toJson(unavailable, { quick: true }))).toContain('| – (TF.js wasm unavailable: no .wasm file) |');

    const failed = { ...base, cases: [...base.cases, r('tfjs.failed', { kind: 'throughput', backend: 'wasm', env: 'CartPole-v1', numEnvs: 4096, error: 'died' }, 'failed', 0)] };
    expect(targets(toJson(failed, { quick: true })).filter((row) => row.target.includes('TF.js (wasm')).map((row) => row.note)).toEqual([
      'TF.js wasm throughput job failed (below)',
      'TF.js wasm throughput job failed (below)',
    ]);

    // One TF.js repetition at each size (as --quick measures 4096): the ratio stands, marked as below MIN_REPS.
    const quick = toJson(withWasm(base, 300, 200, 1), { quick: true });
    const wasm = targets(quick).filter((row) => row.target.includes('TF.js (wasm'));
    expect(wasm.map((row) => row.met)).toEqual([true, true]);
    expect(wasm[0]!.measured).toBe(`10.00× (3,000 vs 300; 3 / 1 reps, fewer than ${MIN_REPS} (quick))`);
    expect(markdownReport(quick)).toMatch(/\| ppo-vs-tfjs-wasm-4096envs .*\| 3 \/ 1 \(< 3\) +\| 20\.00× +\|/);
  });

  test('Chrome: the wasm comparisons are listed without a goal, and no wasm target; threads as the page had them', () => {
    const suite = withWasm(syntheticSuite('chrome', false), 600, 1000);
    const threaded = { simd: true, threads: true, threadsCount: 2, hardwareConcurrency: 2, crossOriginIsolated: true };
    suite.cases[0] = r('tfjs.backend', { backend: 'wasm', works: true, adapter: null, sameAdapterAsEngine: null, wasm: threaded }, 'available', 1);
    const json = toJson(suite, { quick: false });
    expect(markdownReport(json)).toContain(
      "SIMD on (WASM_HAS_SIMD_SUPPORT), threads on, 2 in XNNPACK's pool (WASM_HAS_MULTITHREAD_SUPPORT), the page cross-origin isolated; navigator.hardwareConcurrency 2",
    );
    expect(targets(json).some((row) => row.target.includes('wasm'))).toBe(false);
    expect(json.comparisons.filter((c) => c.name.includes('wasm')).map((c) => c.goal)).toEqual([null, null, null]);
    expect(markdownReport(json)).toMatch(/\| ppo-vs-tfjs-wasm-8envs .*\| 5\.00× +\| – +\| – +\|/);
  });

  test('work per step: 2 x 64 tanh actor and critic on CartPole', () => {
    const work = stepWork({ observationSize: 4, policyOutputs: 2, actionWidth: 1, box: false, hidden: [64, 64] });
    // actor 2 (4*64 + 64*64 + 64*2) + critic 2 (4*64 + 64*64 + 64)
    expect(work.forwardFlops).toBe(2 * (256 + 4096 + 128) + 2 * (256 + 4096 + 64));
    expect(work.updateFlops).toBe(3 * work.forwardFlops);
  });

  test('the baseline environments step with Gymnasium time limits and auto-reset', () => {
    const env = new ReferenceVecEnv('Pendulum-v1', 3, 1);
    let truncations = 0;
    for (let t = 0; t < 200; t++) truncations += env.step([5, -5, 0]).truncated.reduce((a, b) => a + b, 0);
    expect(truncations).toBe(3);
    expect(env.drainEpisodes()).toHaveLength(3);
  });

  test('one PPO iteration of the TF.js baseline on its cpu backend: finite losses, no leaked tensors', async () => {
    const { tf } = await loadTfjs('cpu');
    const config = { ...resolveConfig({ env: 'CartPole-v1' }, false), num_envs: 2, num_steps: 8, update_epochs: 2, num_minibatches: 2 };
    const ppo = new TfjsPpo(tf, 'CartPole-v1', config);
    try {
      await ppo.runIteration(10);
      const tensors = tf.memory().numTensors;
      const report = await ppo.runIteration(10);
      expect(tf.memory().numTensors).toBe(tensors);
      expect(report.globalStep).toBe(32);
      for (const value of [report.policyLoss, report.valueLoss, report.entropy, report.approxKl]) expect(Number.isFinite(value)).toBe(true);
    } finally {
      ppo.dispose();
    }
  }, 60_000);

  test('the TF.js baseline on its wasm backend: the .wasm files from node_modules, SIMD as detected, no threads in Node, one iteration', async () => {
    const loaded = await loadTfjs('wasm');
    expect(loaded.tf.getBackend()).toBe('wasm');
    const simd = await loaded.tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    expect(loaded.wasm).toMatchObject({ simd, threads: false, threadsCount: 1, crossOriginIsolated: null });
    const config = { ...resolveConfig({ env: 'CartPole-v1' }, false), num_envs: 2, num_steps: 8, update_epochs: 2, num_minibatches: 2 };
    const ppo = new TfjsPpo(loaded.tf, 'CartPole-v1', config);
    try {
      await ppo.runIteration(10);
      const tensors = loaded.tf.memory().numTensors;
      const report = await ppo.runIteration(10);
      expect(loaded.tf.memory().numTensors).toBe(tensors);
      for (const value of [report.policyLoss, report.valueLoss, report.entropy, report.approxKl]) expect(Number.isFinite(value)).toBe(true);
    } finally {
      ppo.dispose();
    }
  }, 60_000);

  gpuTest('the baseline GAE equals the engine kernel', async (gpu) => {
    await validateBaselineGae(gpu);
  });

  gpuTest('a real --quick run of the smallest case goes through the JSON writer', async (gpu) => {
    const suite = await runSuite(gpu, { runtime: 'node', quick: true, only: ['peak'], tfjsBackends: [], log: () => undefined });
    const json = toJson(suite, { quick: true });
    expect(json.cases).toHaveLength(1);
    const peak = json.cases[0]!;
    expect(peak.name).toBe('peak.fma');
    expect(peak.unit).toBe('GFLOP/s');
    expect(peak.median).toBeGreaterThan(0);
    expect(peak.min).toBeLessThanOrEqual(peak.median);
    expect(peak.max).toBeGreaterThanOrEqual(peak.median);
    expect(peak.reps).toBe(3);
    expect(json.adapter.description || json.adapter.vendor).not.toBe('');
    const dir = tempDir();
    writeOutputs(json, { jsonFile: join(dir, 'out.json'), results: false });
    expect(JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(json)));
  }, 120_000);

  gpuTest('an engine attempt on a device of its own stops at its cap after one iteration, unsolved', async () => {
    const stopped = await engineSolveAttempt('CartPole-v1', 1, 0, () => undefined);
    expect(stopped).toMatchObject({ runner: 'engine', solved: false, stop: 'seconds', steps: 256, stepBudget: 99_840, iterationSeconds: null });
    expect(stopped.firstIterationSeconds).toBeGreaterThan(stopped.setupSeconds);
  }, 180_000);
});
