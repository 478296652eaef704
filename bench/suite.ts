/**
 * The benchmark suite, the same in Node (bench/run.ts) and in a page in headless Chromium (bench/chrome.ts,
 * bench/page/): every case on the engine's device, the TF.js baseline on the same adapter, one result object with
 * the shape of the --json file (less the machine, which the Node side adds).
 *
 * Cases, in order (names for --only):
 *   peak    the adapter's FMA peak (bench/cases/fmaPeak.ts), the yardstick of the GFLOP/s fractions
 *   envs    environment steps per second of each built-in environment, 1 to 65536 environments (cases/envs.ts)
 *   ppo     PPO training env-steps/s, engine vs TF.js, and the update phase's GFLOP/s (cases/ppo.ts)
 *   solvetime  wall time to solve CartPole-v1 and Acrobot-v1 from device / backend creation, engine vs TF.js with
 *           the same configuration, repeated over seeds (cases/solveTime.ts)
 *   solve   wall time and steps to solve each built-in environment with default settings (cases/solve.ts)
 *   family  the policy-gradient family (REINFORCE, A2C, TRPO, PPO) against its learning targets (cases/family.ts)
 *   breakout  PPO's learning curve on MinAtar/Breakout-v1 within this machine's budget (cases/breakout.ts)
 *   act     policy.act latency and batch throughput (cases/act.ts)
 *   population  env-steps/s of populations of 1 to 64 CartPole agents, and 8 agents solving against 1 (cases/population.ts)
 *   selfplay  Pong-v0 trained by self-play, its win rates against a random player and its first snapshot (cases/selfplay.ts)
 *   tune    the kernel layouts the tuner chooses on this adapter and their gain over the defaults (cases/tune.ts)
 */
import type { AdapterDescription, Gpu } from '../src/gpu/device.js';
import { loadTfjs, type LoadedTfjs, type TfjsBackend } from './baselines/tfjsSetup.js';
import { inProcessRunner, type TfjsRunner } from './baselines/tfjsJobs.js';
import { benchAct } from './cases/act.js';
import { benchEnvs } from './cases/envs.js';
import { benchFmaPeak } from './cases/fmaPeak.js';
import { benchPpo, type SuiteContext } from './cases/ppo.js';
import { benchSolve } from './cases/solve.js';
import { benchSolveTime } from './cases/solveTime.js';
import { benchFamily } from './cases/family.js';
import { benchBreakout } from './cases/breakout.js';
import { benchPopulation } from './cases/population.js';
import { benchSelfPlay } from './cases/selfplay.js';
import { benchTune } from './cases/tune.js';
import type { CaseResult, Comparison } from './harness.js';

export const CASE_NAMES = ['peak', 'envs', 'ppo', 'solvetime', 'solve', 'family', 'breakout', 'act', 'population', 'selfplay', 'tune'] as const;
export type CaseName = (typeof CASE_NAMES)[number];

export type Runtime = 'node' | 'chrome';

export interface SuiteOptions {
  runtime: Runtime;
  quick: boolean;
  /** Cases to run (default: all). */
  only?: readonly CaseName[];
  /** TF.js backends for the baseline. */
  tfjsBackends: readonly TfjsBackend[];
  /** In a page: the URL prefix of tfjs-backend-wasm's .wasm files (Node finds them in node_modules). */
  tfjsWasmPaths?: string;
  /** Where the baseline's learning, throughput and solve jobs run (default: in this process). */
  tfjsRunner?: TfjsRunner;
  log(line: string): void;
}

export interface SuiteResult {
  runtime: Runtime;
  adapter: AdapterDescription;
  cases: CaseResult[];
  comparisons: Comparison[];
  /** Wall seconds of the whole suite. */
  seconds: number;
  quick: boolean;
}

export async function runSuite(gpu: Gpu, options: SuiteOptions): Promise<SuiteResult> {
  const started = performance.now();
  const selected = new Set<CaseName>(options.only?.length ? options.only : CASE_NAMES);
  const { log, quick } = options;
  const cases: CaseResult[] = [];
  const tfjs: LoadedTfjs[] = [];
  const needsTfjs = selected.has('ppo') || selected.has('solvetime') || selected.has('act');
  if (needsTfjs) {
    for (const backend of options.tfjsBackends) {
      try {
        const loaded = await loadTfjs(backend, { wasmPaths: options.tfjsWasmPaths });
        tfjs.push(loaded);
        const same = loaded.adapter ? loaded.adapter.description === gpu.adapter.description && loaded.adapter.vendor === gpu.adapter.vendor : null;
        cases.push({ name: 'tfjs.backend', params: { backend, works: true, adapter: loaded.adapter ?? null, sameAdapterAsEngine: same, ...(loaded.wasm ? { wasm: loaded.wasm } : {}) }, unit: 'available', median: 1, min: 1, max: 1, reps: 1 });
        const w = loaded.wasm;
        log(
          `TF.js backend '${backend}' ready${loaded.adapter ? ` on ${describe(loaded.adapter)}${same ? ' (the engine\'s adapter)' : ' (NOT the engine\'s adapter)'}` : ''}` +
            (w ? `: SIMD ${w.simd ? 'on' : 'off'}, threads ${w.threads ? `on (pool of ${w.threadsCount})` : 'off'}${w.crossOriginIsolated === null ? '' : `, crossOriginIsolated ${w.crossOriginIsolated}`}${w.hardwareConcurrency === null ? '' : `, hardwareConcurrency ${w.hardwareConcurrency}`}` : ''),
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        cases.push({ name: 'tfjs.backend', params: { backend, works: false, error: message }, unit: 'available', median: 0, min: 0, max: 0, reps: 1 });
        log(`TF.js backend '${backend}' unavailable: ${message}`);
      }
    }
  }
  const runTfjs = options.tfjsRunner ?? inProcessRunner(tfjs, log);
  const context: SuiteContext = { gpu, quick, log, runtime: options.runtime, tfjs, runTfjs, peakGflops: undefined, comparisons: [] };
  const timed = async (name: CaseName, body: () => Promise<CaseResult[]>) => {
    if (!selected.has(name)) return;
    const start = performance.now();
    log(`== ${name}`);
    cases.push(...(await body()));
    log(`== ${name} done in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  };

  await timed('peak', async () => {
    const peak = await benchFmaPeak(context);
    context.peakGflops = peak.gflops;
    return [peak.result];
  });
  await timed('envs', () => benchEnvs(context));
  await timed('ppo', () => benchPpo(context));
  // Quick runs solve CartPole in Node only: on Chrome's SwiftShader an iteration takes seconds, a run many minutes.
  await timed('solvetime', () => benchSolveTime(context));
  // Quick runs solve CartPole in Node only: on Chrome's SwiftShader a whole default run of every environment takes
  // many minutes (the time to solve against TF.js is the case solvetime).
  await timed('solve', async () => {
    if (quick && options.runtime === 'chrome') {
      log('solve: left out of --quick runs in Chrome (a default CartPole run takes many minutes on SwiftShader)');
      return [];
    }
    return benchSolve(context);
  });
  await timed('family', async () => {
    if (quick && options.runtime === 'chrome') {
      log('family: left out of --quick runs in Chrome (as solve)');
      return [];
    }
    return benchFamily(context);
  });
  await timed('breakout', async () => {
    if (quick && options.runtime === 'chrome') {
      log('breakout: left out of --quick runs in Chrome (as solve)');
      return [];
    }
    return benchBreakout(context);
  });
  await timed('act', () => benchAct(context));
  await timed('population', async () => {
    if (quick && options.runtime === 'chrome') {
      log('population: left out of --quick runs in Chrome (as solve)');
      return [];
    }
    return benchPopulation(context);
  });
  await timed('selfplay', async () => {
    if (quick && options.runtime === 'chrome') {
      log('selfplay: left out of --quick runs in Chrome (as solve)');
      return [];
    }
    return benchSelfPlay(context);
  });
  await timed('tune', () => benchTune(context));

  return {
    runtime: options.runtime,
    adapter: { vendor: gpu.adapter.vendor, architecture: gpu.adapter.architecture, description: gpu.adapter.description },
    cases,
    comparisons: context.comparisons,
    seconds: (performance.now() - started) / 1000,
    quick,
  };
}

export function describe(adapter: AdapterDescription): string {
  return [adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' / ') || 'unknown adapter';
}

/** Parses the suite's command-line flags (shared by bench/run.ts and bench/chrome.ts). */
export interface CliOptions {
  quick: boolean;
  json: string | undefined;
  only: CaseName[] | undefined;
  /** Write bench/results/ (false: only --json FILE and the report on stdout). */
  results: boolean;
}

export function parseArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = { quick: false, json: undefined, only: undefined, results: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') options.quick = true;
    else if (arg === '--json') {
      const file = argv[++i];
      if (!file) throw new Error('--json needs a file name');
      options.json = file;
    } else if (arg.startsWith('--json=')) options.json = arg.slice('--json='.length);
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const list = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      if (!list) throw new Error(`--only needs a comma-separated list of cases: ${CASE_NAMES.join(', ')}`);
      const names = list.split(',').map((s) => s.trim());
      for (const name of names) if (!(CASE_NAMES as readonly string[]).includes(name)) throw new Error(`--only: unknown case '${name}'; cases: ${CASE_NAMES.join(', ')}`);
      options.only = names as CaseName[];
    } else if (arg === '--no-results') options.results = false;
    else if (arg === '--help' || arg === '-h') {
      throw new Error(
        'usage: npm run bench[:chrome] -- [--quick] [--json FILE] [--only ' + CASE_NAMES.join(',') + '] [--no-results]\n' +
          '  --quick      reduced set (a few minutes)\n  --json FILE  write all results to FILE\n' +
          '  --only       run only these cases\n  --no-results do not update bench/results/ (the README changes only with npm run readme)',
      );
    } else throw new Error(`unknown option '${arg}' (try --help)`);
  }
  return options;
}
