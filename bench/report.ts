/**
 * Readable output of the suite, from its JSON alone (so it can be regenerated from bench/results/*.json):
 * the Markdown report of one run, the SVG chart of the scaling curves of all runs, the README's benchmark
 * section, and the marker replacement that puts that section into the README.
 */
import { stepWork, type StepWork } from './flops.js';
import { formatNumber, goalMet, markdownTable, MIN_REPS, ratioText, type CaseResult, type Comparison } from './harness.js';
import { selfPlayReport, selfPlayText } from './cases/selfplayReport.js';

export interface BenchJson {
  machine: Record<string, unknown>;
  runtime: 'node' | 'chrome';
  adapter: { vendor: string; architecture: string; description: string };
  cases: CaseResult[];
  comparisons: Comparison[];
}

export const README_START = '<!-- bench:start -->';
export const README_END = '<!-- bench:end -->';

/**
 * The suite's targets: engine / TF.js webgpu on the same adapter; engine / TF.js wasm (TF.js's best backend
 * without a GPU) in Node; in Chrome, TF.js wasm's time to solve CartPole-v1 over the engine's; the update phase's
 * fraction of the FMA peak; readbacks per iteration.
 */
export const GOALS = { ratio8: 5, ratio4096: 20, wasmRatio8: 5, wasmRatio4096: 5, solveRatio: 3, updateFraction: 0.25, readbacks: 1 } as const;

const byName = (json: BenchJson, name: string) => json.cases.filter((c) => c.name === name);
const num = (v: unknown) => (typeof v === 'number' ? v : Number(v));
const fmt = (v: number | null | undefined, digits = 3) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : formatNumber(Number(v.toPrecision(digits))));
const spread = (c: CaseResult) => `${fmt(c.min)}–${fmt(c.max)}`;
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)}`;

export function adapterLine(json: BenchJson): string {
  const a = json.adapter;
  return [a.vendor, a.architecture, a.description].filter(Boolean).join(' / ') || 'unknown';
}

interface WasmParams {
  simd: boolean;
  threads: boolean;
  threadsCount: number;
  hardwareConcurrency?: number | null;
  crossOriginIsolated: boolean | null;
}

/** What TF.js's wasm backend ran with, from its tfjs.backend case: ', SIMD, no threads' and the like ('' if unknown). */
function wasmLabel(json: BenchJson): string {
  const w = byName(json, 'tfjs.backend').find((t) => t.params.backend === 'wasm' && t.params.wasm)?.params.wasm as WasmParams | undefined;
  if (!w) return '';
  return `, ${w.simd ? 'SIMD' : 'no SIMD'}, ${w.threads ? `threads (pool of ${w.threadsCount})` : 'no threads'}`;
}

function wasmFeatures(w: WasmParams): string {
  const isolation = w.crossOriginIsolated === null ? ' (TF.js 4.22 has no threads in Node)' : w.crossOriginIsolated ? ', the page cross-origin isolated' : ', the page not cross-origin isolated (threads need it)';
  return `SIMD ${w.simd ? 'on' : 'off'} (WASM_HAS_SIMD_SUPPORT), threads ${w.threads ? `on, ${w.threadsCount} in XNNPACK's pool` : 'off'} (WASM_HAS_MULTITHREAD_SUPPORT)${isolation}` +
    (typeof w.hardwareConcurrency === 'number' ? `; navigator.hardwareConcurrency ${w.hardwareConcurrency}` : '');
}

export function runtimeLabel(json: BenchJson): string {
  const m = json.machine;
  if (json.runtime === 'chrome') return `headless Chromium ${String(m.browserVersion ?? '')} (WebGPU: ${adapterLine(json)})`.replace('  ', ' ');
  return `Node ${String(m.node ?? '')} + Dawn (\`webgpu\` ${String(m.dawnPackage ?? '')}) (WebGPU: ${adapterLine(json)})`;
}

export function machineLine(json: BenchJson): string {
  const m = json.machine;
  const load = (l: unknown) => (Array.isArray(l) ? l.map((x) => Number(x).toFixed(2)).join(', ') : '?');
  return (
    `${String(m.date ?? '')}, commit ${String(m.commit ?? '?')}, ${m.quick ? '`--quick`' : 'full'} run of ${fmt(num(m.suiteSeconds) / 60, 2)} min; ` +
    `${String(m.cpu ?? '?')} (${String(m.cores ?? '?')} cores), ${fmt(num(m.memoryGiB), 2)} GiB, ${String(m.os ?? '')}; ` +
    `load average (1, 5, 15 min) ${load(m.loadStart)} at the start and ${load(m.loadEnd)} at the end` +
    (typeof m.otherProcessesCores === 'number' ? `; other processes used ${m.otherProcessesCores.toFixed(2)} of the ${String(m.cores)} cores on average during the run` : '') +
    (m.shared ? ' (the machine was shared with other jobs: absolute numbers are noisy)' : '')
  );
}

export interface TargetRow {
  target: string;
  measured: string;
  goal: string;
  met: boolean | null;
  note: string;
}

/** The repetitions behind a comparison, and whether a side has fewer than MIN_REPS (a --quick run). */
function repsNote(c: Comparison): string {
  if (!c.reps) return '';
  const few = c.reps.engine < MIN_REPS || c.reps.baseline < MIN_REPS;
  const solved = c.solvedReps ? `, solved ${c.solvedReps.engine} / ${c.solvedReps.baseline}` : '';
  return `; ${c.reps.engine} / ${c.reps.baseline} reps${solved}${few ? `, fewer than ${MIN_REPS} (quick)` : ''}`;
}

/** Whether every comparison rests on MIN_REPS measured repetitions per side, and which do not (a --quick run). */
export function repetitionsLine(json: BenchJson): string {
  const few = json.comparisons.filter((c) => !c.reps || c.reps.engine < MIN_REPS || c.reps.baseline < MIN_REPS);
  if (few.length === 0) return `every comparison from at least ${MIN_REPS} measured repetitions on each side (median, and min–max as the spread).`;
  return (
    `${few.length} of ${json.comparisons.length} comparisons from fewer than ${MIN_REPS} measured repetitions on a side` +
    `${json.machine.quick ? ' (a `--quick` run)' : ' (NOT a --quick run: a full run should have none)'}: ${few.map((c) => `${c.name} (${c.reps ? `${c.reps.engine} / ${c.reps.baseline}` : 'not recorded'})`).join(', ')}.`
  );
}

/** What a bound means for the goal, in words. */
function boundNote(c: Comparison): string {
  if (c.bound === 'lower') return 'a lower bound: the baseline did not solve in every attempt';
  if (c.bound === 'upper') return 'an upper bound: the engine did not solve in every attempt';
  if (c.bound === 'range') return 'a range: neither side solved in every attempt';
  return '';
}

function ratioRow(json: BenchJson, name: string, target: string, goal: number, missing: string): TargetRow {
  const c = json.comparisons.find((x) => x.name === name);
  if (!c) return { target, measured: 'not measured', goal: `≥ ${goal}×`, met: null, note: missing };
  const met = goalMet({ ...c, goal });
  const units = c.unit.startsWith('s ') ? ' s' : '';
  return {
    target,
    measured: `${ratioText(c)} (${fmt(c.engine)}${units} vs ${fmt(c.baseline)}${units}${repsNote(c)})`,
    goal: `≥ ${goal}×`,
    met,
    note: met === null ? `undetermined: ${boundNote(c)}` : met ? 'met' : `missed: ${(goal / c.ratio).toFixed(1)}× short`,
  };
}

export function targets(json: BenchJson): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const [envs, goal] of [
    [8, GOALS.ratio8],
    [4096, GOALS.ratio4096],
  ] as const) {
    rows.push(ratioRow(json, `ppo-vs-tfjs-${envs}envs`, `PPO env-steps/s, engine / TF.js (webgpu, same adapter), CartPole-v1, ${envs} envs`, goal, 'TF.js webgpu backend unavailable or case not run'));
  }
  // Against TF.js's best backend without a GPU: a goal in Node, where the engine runs on the machine's own adapter.
  if (json.runtime === 'node') {
    for (const [envs, goal] of [
      [8, GOALS.wasmRatio8],
      [4096, GOALS.wasmRatio4096],
    ] as const) {
      const failed = byName(json, 'tfjs.failed').find((f) => f.params.backend === 'wasm');
      const unavailable = byName(json, 'tfjs.backend').find((t) => t.params.backend === 'wasm' && !t.params.works);
      const missing = unavailable ? `TF.js wasm unavailable: ${String(unavailable.params.error)}` : failed ? `TF.js wasm ${String(failed.params.kind)} job failed (below)` : 'no TF.js wasm result in this run';
      rows.push(ratioRow(json, `ppo-vs-tfjs-wasm-${envs}envs`, `PPO env-steps/s, engine / TF.js (wasm${wasmLabel(json)}), CartPole-v1, ${envs} envs`, goal, missing));
    }
  }
  // Time to solve in Chrome against TF.js's best backend without a GPU.
  const failed = byName(json, 'tfjs.failed').find((f) => f.params.backend === 'wasm' && f.params.kind === 'solve' && f.params.env === 'CartPole-v1');
  if (json.runtime === 'chrome' && (failed || json.cases.some((c) => c.name.startsWith('solveTime.')))) {
    rows.push(
      ratioRow(
        json,
        'solve-vs-tfjs-wasm-CartPole-v1',
        `Time to solve CartPole-v1 (from device / backend creation), TF.js (wasm${wasmLabel(json)}) seconds / engine seconds`,
        GOALS.solveRatio,
        failed ? 'TF.js wasm solve attempt failed (below)' : 'case solvetime not run, or no TF.js wasm',
      ),
    );
  }
  // Update phase: from GPU timestamps of the update's kernels (ppo.profile), and from the 1-vs-4-epoch wall split.
  const fromProfile = byName(json, 'ppo.profile')
    .filter((c) => num(c.params.batch) >= 4096 && c.params.fractionOfPeak !== null && c.params.env === 'CartPole-v1')
    .map((c) => ({ how: 'GPU timestamps', batch: num(c.params.batch), gflops: num(c.params.updateGflops), fraction: num(c.params.fractionOfPeak) }));
  const fromSplit = byName(json, 'ppo.update')
    .filter((c) => num(c.params.batch) >= 4096 && c.params.fractionOfPeak !== null)
    .map((c) => ({ how: 'wall split', batch: num(c.params.batch), gflops: c.median, fraction: num(c.params.fractionOfPeak) }));
  const updates = [...fromProfile, ...fromSplit];
  if (updates.length) {
    const f = Math.max(...updates.map((u) => u.fraction));
    rows.push({
      target: 'Update-phase throughput at batch ≥ 4096 (CartPole-v1), fraction of the FMA peak',
      measured: updates.map((u) => `${pct(u.fraction)} at batch ${u.batch} (${fmt(u.gflops)} GFLOP/s, ${u.how})`).join('; '),
      goal: `≥ ${pct(GOALS.updateFraction)}`,
      met: f >= GOALS.updateFraction,
      note: f >= GOALS.updateFraction ? 'met' : `missed: best ${pct(f)}, ${(GOALS.updateFraction / f).toFixed(1)}× short`,
    });
  } else rows.push({ target: 'Update-phase throughput, fraction of peak', measured: 'not measured', goal: '≥ 25%', met: null, note: '' });
  // Self-play: the trained Pong-v0 policy's win rates (games won / played) against their least values.
  for (const [name, target] of [
    ['selfplay-vs-random-Pong-v0', 'Self-play on Pong-v0: games won by the trained policy against a uniformly random player'],
    ['selfplay-vs-first-snapshot-Pong-v0', 'Self-play on Pong-v0: games won by the trained policy against its first snapshot'],
  ] as const) {
    const c = json.comparisons.find((x) => x.name === name);
    if (!c || c.goal === null) continue;
    const met = c.ratio >= c.goal;
    const seeds = c.reps ? `, median over ${c.reps.engine} seed${c.reps.engine > 1 ? 's' : ''}${c.reps.engine < MIN_REPS ? ` (fewer than ${MIN_REPS}: quick)` : ''}` : '';
    rows.push({
      target,
      measured: `${pct(c.ratio)} (${fmt(c.engine)} of ${fmt(c.baseline)} games${seeds})`,
      goal: `≥ ${pct(c.goal)}`,
      met,
      note: met ? 'met' : `missed: ${pct(c.goal - c.ratio)} short`,
    });
  }
  const ppo = byName(json, 'ppo.engine');
  if (ppo.length) {
    const worst = Math.max(...ppo.map((c) => num(c.params.readbacksPerIteration)));
    rows.push({
      target: 'Readbacks per iteration (buffer mappings counted during the measured iterations)',
      measured: `${worst} (max over ${ppo.length} configurations)`,
      goal: `≤ ${GOALS.readbacks}`,
      met: worst <= GOALS.readbacks,
      note: worst <= GOALS.readbacks ? 'met' : `missed by ${worst - GOALS.readbacks}`,
    });
  }
  return rows;
}

function targetsTable(json: BenchJson): string {
  return markdownTable(
    ['target', 'measured', 'goal', 'status'],
    targets(json).map((r) => [r.target, r.measured, r.goal, r.met === null ? (r.note ? `– (${r.note})` : '–') : r.met ? '**met**' : `**${r.note}**`]),
  );
}

function ppoTable(json: BenchJson): string {
  const engine = byName(json, 'ppo.engine');
  const baselines = json.cases.filter((c) => c.name.startsWith('ppo.tfjs-'));
  const backends = [...new Set(baselines.map((c) => c.name.slice('ppo.tfjs-'.length)))];
  const header = ['env', 'envs', 'batch', 'engine env-steps/s', 'spread'];
  for (const b of backends) header.push(`TF.js ${b}`, `engine / TF.js ${b}`);
  header.push('dispatches / submits / readbacks per iteration', 'GPU MiB');
  const rows = engine.map((e) => {
    const row: string[] = [String(e.params.env), String(e.params.numEnvs), String(e.params.batch), fmt(e.median), spread(e)];
    for (const b of backends) {
      const base = baselines.find((c) => c.name === `ppo.tfjs-${b}` && c.params.env === e.params.env && c.params.numEnvs === e.params.numEnvs);
      const failed = byName(json, 'tfjs.failed').some((f) => f.params.backend === b && f.params.env === e.params.env && f.params.numEnvs === e.params.numEnvs);
      row.push(base ? fmt(base.median) : failed ? 'failed (below)' : '–', base ? `${(e.median / base.median).toFixed(2)}×` : '–');
    }
    row.push(`${e.params.dispatchesPerIteration} / ${e.params.submitsPerIteration} / ${e.params.readbacksPerIteration}`, mib(num(e.params.bufferBytes)));
    return row;
  });
  return markdownTable(header, rows);
}

function updateTable(json: BenchJson): string {
  const rows = byName(json, 'ppo.update').map((u) => [
    String(u.params.batch),
    String(u.params.minibatch),
    fmt(num(u.params.iterationSeconds1Epoch)),
    fmt(num(u.params.iterationSeconds4Epochs)),
    fmt(num(u.params.secondsPerEpoch)),
    u.params.rolloutSeconds === undefined ? '–' : fmt(num(u.params.rolloutSeconds)),
    `${fmt(u.median)} (${spread(u)})`,
    u.params.fractionOfPeak === null ? '–' : pct(num(u.params.fractionOfPeak)),
  ]);
  return markdownTable(['batch', 'minibatch', 's/iteration, 1 epoch', 's/iteration, 4 epochs', 's per epoch', 's rollout + GAE + stats', 'update GFLOP/s', 'of FMA peak'], rows);
}

/** The adapter's measured FMA peak: the best of the suite's and the MLP benchmark's kernel shapes. */
function measuredPeak(json: BenchJson): CaseResult | undefined {
  const peaks = json.cases.filter((c) => c.name === 'peak.fma' || c.name === 'fma-peak');
  return peaks.length ? peaks.reduce((a, b) => (b.median > a.median ? b : a)) : undefined;
}

function profileTable(json: BenchJson): string {
  const peak = measuredPeak(json)?.median;
  const rows = byName(json, 'ppo.profile').map((c) => {
    const phases = c.params.phasesMs as Record<string, number>;
    const kernels = (c.params.kernels as { label: string; dispatches: number; ms: number }[]).slice(0, 3);
    // The rollout's FLOPs: every step runs the actor and the critic forward once per environment.
    const rolloutGflops = (num(c.params.batch) * projectionWork(String(c.params.env)).rolloutFlops) / (phases.rollout! / 1e3) / 1e9;
    return [
      String(c.params.env),
      String(c.params.numEnvs),
      String(c.params.batch),
      fmt(c.median),
      fmt(phases.rollout),
      fmt(rolloutGflops),
      peak ? pct(rolloutGflops / peak) : '–',
      fmt(phases.update),
      fmt(num(c.params.updateGflops)),
      c.params.fractionOfPeak === null ? '–' : pct(num(c.params.fractionOfPeak)),
      kernels.map((k) => `${k.label} ×${k.dispatches}: ${fmt(k.ms)} ms`).join('; '),
    ];
  });
  return markdownTable(
    ['env', 'envs', 'batch', 'GPU ms/iteration', 'rollout ms', 'rollout GFLOP/s', 'of FMA peak', 'update ms', 'update GFLOP/s', 'of FMA peak', 'slowest kernels'],
    rows,
  );
}

function solveTable(json: BenchJson): string {
  const rows = json.cases
    .filter((c) => c.name.startsWith('solve.'))
    .map((c) => {
      const p = c.params;
      const solved = p.solvedAtStep !== null && p.solvedAtStep !== undefined;
      return [
        String(p.env),
        String(p.runner),
        `${p.numEnvs} × ${p.numSteps}`,
        formatNumber(num(p.totalSteps)) + (p.stoppedAfterSeconds ? ` (stopped at ${p.stoppedAfterSeconds} s of ${formatNumber(num(p.plannedSteps))})` : ''),
        p.rewardThreshold === null ? 'no threshold' : solved ? formatNumber(num(p.solvedAtStep)) : `not solved (threshold ${p.rewardThreshold})`,
        solved ? fmt(num(p.secondsToSolve)) : '–',
        fmt(c.median),
        fmt(num(p.sps)),
        `${num(p.evalMean).toFixed(1)} ± ${num(p.evalStd).toFixed(1)}`,
      ];
    });
  return markdownTable(['env', 'runner', 'envs × steps', 'total steps', 'solved at step', 's to solve', 's whole run', 'env-steps/s', 'deterministic eval, 100 episodes'], rows);
}

/** Time to solve, each side of each environment: its attempts' seconds, steps, set-up and start-up, and the ratio. */
function solveTimeTable(json: BenchJson): string {
  const sides = json.cases.filter((c) => c.name.startsWith('solveTime.'));
  const rows = sides.map((c) => {
    const p = c.params;
    const solved = num(p.solvedReps);
    const comparison = json.comparisons.find((x) => x.name === `solve-vs-${String(p.runner)}-${String(p.env)}`);
    const unsolved = (p.attempts as { solved: boolean; steps: number; seconds: number }[]).filter((a) => !a.solved);
    const seconds = `${fmt(c.median)}${solved < c.reps ? ' (≥)' : ''} (${spread(c)})`;
    return [
      String(p.env),
      String(p.runner),
      `${p.numEnvs} × ${p.numSteps}`,
      `${c.reps}${c.reps < MIN_REPS ? ` (< ${MIN_REPS}, quick)` : ''}`,
      unsolved.length ? `${solved} of ${c.reps}; not solved in ${unsolved.map((a) => `${formatNumber(a.steps)} steps / ${fmt(a.seconds)} s`).join(', ')}` : `${solved} of ${c.reps}`,
      seconds,
      p.medianStepsToSolve === null ? '–' : formatNumber(num(p.medianStepsToSolve)),
      fmt(num(p.medianSetupSeconds)),
      p.medianFirstIterationSeconds === null ? '–' : fmt(num(p.medianFirstIterationSeconds)),
      p.medianIterationSeconds === null ? '–' : fmt(num(p.medianIterationSeconds)),
      p.medianStartupSeconds === null ? '–' : fmt(num(p.medianStartupSeconds)),
      `${formatNumber(num(p.stepBudget))} steps / ${fmt(num(p.capSeconds))} s`,
      comparison ? ratioText(comparison) : p.runner === 'engine' ? '(engine)' : '–',
    ];
  });
  return markdownTable(
    ['env', 'runner', 'envs × steps', 'reps', 'solved', 's to solve, median (min–max)', 'steps to solve (median)', 'set-up s', 'first iteration done, s', 'steady s/iteration', 'start-up s (first − steady)', 'budget', 'TF.js s / engine s'],
    rows,
  );
}

const SOLVE_TIME_TEXT =
  'Each attempt starts the clock, creates a new device (the engine: a new WebGPU device, then `createTrainer`, which compiles every pipeline) ' +
  'or a new TF.js backend instance (wasm: the module instantiated and its threads started; webgpu: a new device, whose shaders TF.js compiles ' +
  'during the first iteration), then trains the environment\'s default configuration (the engine\'s defaults; the TF.js PPO with the same ' +
  'num_envs, num_steps, epochs, minibatches, annealed learning rate, network, normalisation and GAE, its environments stepped in JavaScript ' +
  'with Gymnasium\'s dynamics) until solved: the mean return of the last 20 episodes ≥ Gymnasium\'s threshold, checked after every iteration on ' +
  'both sides. Time = wall seconds from the start to the end of the solving iteration, shader compilation included; set-up = device or backend ' +
  'and agent creation; start-up = first iteration\'s end minus one steady iteration (compilation and first use). A side stops unsolved when its ' +
  'step budget (the default total_timesteps, the learning-rate schedule\'s horizon) is spent or its next iteration would end past its wall-time cap; ' +
  'its time is then a lower bound (≥), and so is the ratio (or an upper bound when the engine did not solve). Seeds 1, 2, … on both sides, ' +
  'interleaved attempt by attempt, all in the same process (in Chrome: the same page).';

function familyTable(json: BenchJson): string {
  const rows = json.cases
    .filter((c) => c.name.startsWith('family.'))
    .map((c) => {
      const p = c.params;
      const solved = p.solvedAtStep !== null && p.solvedAtStep !== undefined;
      return [
        `\`${String(p.algo)}\`${p.psi ? ` (ψ ${String(p.psi)})` : ''}`,
        String(p.env),
        `${p.numEnvs} × ${p.numSteps}`,
        formatNumber(num(p.totalSteps)),
        p.rewardThreshold === null ? 'no threshold' : solved ? formatNumber(num(p.solvedAtStep)) : 'not solved',
        solved ? fmt(num(p.secondsToSolve)) : '–',
        fmt(c.median),
        `${num(p.evalMean).toFixed(1)} ± ${num(p.evalStd).toFixed(1)}`,
        `≥ ${String(p.evalGoal)}`,
        p.met ? '**met**' : '**missed**',
      ];
    });
  return markdownTable(['algorithm', 'env', 'envs × steps', 'steps', 'solved at step', 's to solve', 's whole run', 'deterministic eval, 100 episodes', 'goal', 'status'], rows);
}

function envsTable(json: BenchJson): string {
  const gpu = byName(json, 'envs.gpu');
  const cpu = byName(json, 'envs.cpuReference');
  const sizes = [...new Set(gpu.map((c) => num(c.params.numEnvs)))].sort((a, b) => a - b);
  const envs = [...new Set(gpu.map((c) => String(c.params.env)))];
  const rows = envs.map((env) => {
    const row = [env];
    for (const n of sizes) {
      const g = gpu.find((c) => c.params.env === env && num(c.params.numEnvs) === n);
      row.push(g ? fmt(g.median) : '–');
    }
    const ref = cpu.filter((c) => c.params.env === env);
    row.push(ref.length ? fmt(Math.max(...ref.map((c) => c.median))) : '–');
    return row;
  });
  const face = byName(json, 'envs.vecEnvStep')[0];
  return (
    markdownTable(['environment', ...sizes.map((n) => `${n} envs`), 'JS float64 reference (best)'], rows) +
    (face ? `\n\nThrough \`VecEnv.step()\` (one submit and one readback per step), ${face.params.env} × ${face.params.numEnvs}: ${fmt(face.median)} env-steps/s.` : '')
  );
}

function actTable(json: BenchJson): string {
  const rows = json.cases.filter((c) => c.name.startsWith('act.')).map((c) => [c.name, String(c.params.env), String(c.params.observations), `${fmt(c.median)} ${c.unit}`, spread(c)]);
  return markdownTable(['path', 'env', 'observations per call', 'median', 'spread'], rows);
}

function tuneTable(json: BenchJson): string {
  const rows = byName(json, 'tune.choice').map((c) => {
    const p = c.params as { numEnvs: number; numSteps: number; chunk: number; choice: Record<string, unknown>; defaults: Record<string, unknown>; gains: Record<string, number>; budgetMs: number; elapsedMs: number };
    const pick = (k: string) => `${String(p.choice[k])}${p.choice[k] === p.defaults[k] ? ' (default)' : ` (default ${String(p.defaults[k])})`}`;
    // Results measured before the tile was tuned have no lossTile: the tile was then always 4.
    const loss = (c: Record<string, unknown>) => `${String(c.lossSamples)}x${String(c.lossTile ?? 4)}`;
    const pickLoss = () => `${loss(p.choice)}${loss(p.choice) === loss(p.defaults) ? ' (default)' : ` (default ${loss(p.defaults)})`}`;
    return [
      `${p.numEnvs} x ${p.numSteps}, chunk ${p.chunk}`,
      pickLoss(),
      pick('gradientTiling'),
      pick('rolloutWorkgroup'),
      `loss x${p.gains.loss!.toFixed(2)}, gradient x${p.gains.gradient!.toFixed(2)}, rollout x${p.gains.rollout!.toFixed(2)}`,
      `x${c.median.toFixed(2)}`,
      `${Math.round(p.elapsedMs)} of ${p.budgetMs} ms`,
    ];
  });
  return markdownTable(['CartPole envs x steps', 'loss samples x outputs per tile', 'gradient tiling', 'rollout workgroup', 'gain per kernel', 'gain, one iteration of them', 'tuning time'], rows);
}

function comparisonsTable(json: BenchJson): string {
  const range = (r: [number, number] | undefined) => (r ? `${fmt(r[0])}–${fmt(r[1])}` : '–');
  return markdownTable(
    ['comparison', 'engine', 'spread', 'baseline', 'spread', 'unit', 'reps (engine / baseline)', 'ratio', 'goal', 'status'],
    json.comparisons.map((c) => [
      c.name,
      fmt(c.engine),
      range(c.spread?.engine),
      fmt(c.baseline),
      range(c.spread?.baseline),
      c.unit,
      c.reps ? `${c.reps.engine} / ${c.reps.baseline}${c.reps.engine < MIN_REPS || c.reps.baseline < MIN_REPS ? ` (< ${MIN_REPS})` : ''}${c.solvedReps ? `, solved ${c.solvedReps.engine} / ${c.solvedReps.baseline}` : ''}` : '–',
      ratioText(c),
      c.goal === null ? '–' : `≥ ${c.goal}×`,
      c.goal === null ? '–' : goalMet(c) === null ? 'undetermined (bound)' : goalMet(c) ? 'met' : 'missed',
    ]),
  );
}

/** The engine with a JavaScript environment (stepped on the CPU, as TF.js steps its own) against TF.js at the same size. */
function jsEnvTable(json: BenchJson): string {
  const rows = byName(json, 'ppo.engine.jsEnv').map((e) => {
    const row = [String(e.params.env), String(e.params.numEnvs), String(e.params.batch), fmt(e.median), spread(e), `${e.params.submitsPerIteration} / ${e.params.readbacksPerIteration}`];
    for (const backend of ['wasm', 'webgpu', 'cpu']) {
      const base = json.cases.find((c) => c.name === `ppo.tfjs-${backend}` && c.params.env === e.params.sameConfigAs && c.params.numEnvs === e.params.numEnvs);
      row.push(base ? `${fmt(base.median)} (${(e.median / base.median).toFixed(2)}×)` : '–');
    }
    return row;
  });
  return markdownTable(['env', 'envs', 'batch', 'engine env-steps/s', 'spread', 'submits / readbacks per iteration', 'TF.js wasm (engine / TF.js)', 'TF.js webgpu', 'TF.js cpu'], rows);
}

/** Reference GPU tiers for the projection (round numbers, not a product's datasheet). */
const TIERS = [
  { name: 'integrated GPU', tflops: 2, gbps: 100 },
  { name: 'mid-range discrete GPU', tflops: 15, gbps: 400 },
  { name: 'high-end discrete GPU', tflops: 80, gbps: 1000 },
];

function projectionWork(env: string): StepWork {
  return env === 'CartPole-v1'
    ? stepWork({ observationSize: 4, policyOutputs: 2, actionWidth: 1, box: false, hidden: [64, 64] })
    : stepWork({ observationSize: 3, policyOutputs: 1, actionWidth: 1, box: true, hidden: [64, 64] });
}

export function projection(json: BenchJson): string {
  const epochs = 4;
  const lines: string[] = [];
  lines.push(
    '**This is a projection, not a measurement.** Work per environment step of the engine\'s PPO (2 × 64 tanh actor and critic, ' +
      `${epochs} update epochs as in the throughput case), from bench/flops.ts: FLOPs of the dense layers (2 per multiply-add) and the bytes ` +
      'the engine\'s kernels move by their layout (parameters, which stay in cache, not counted).',
  );
  lines.push('');
  const rows = ['CartPole-v1', 'Pendulum-v1'].map((env) => {
    const w = projectionWork(env);
    return [
      env,
      formatNumber(w.rolloutFlops),
      formatNumber(w.rolloutBytes),
      formatNumber(w.updateFlops),
      formatNumber(w.updateBytes),
      formatNumber(w.rolloutFlops + epochs * w.updateFlops),
      formatNumber(w.rolloutBytes + epochs * w.updateBytes),
      (w.updateFlops / w.updateBytes).toFixed(1),
    ];
  });
  lines.push(
    markdownTable(['env', 'rollout FLOP/step', 'rollout B/step', 'update FLOP/sample/epoch', 'update B/sample/epoch', `total FLOP/step (${epochs} epochs)`, `total B/step (${epochs} epochs)`, 'update FLOP/B'], rows),
  );
  lines.push('');
  const updates = byName(json, 'ppo.update').filter((u) => u.params.fractionOfPeak !== null);
  const efficiency = updates.length ? Math.max(...updates.map((u) => num(u.params.fractionOfPeak))) : null;
  const w = projectionWork('CartPole-v1');
  const flops = w.rolloutFlops + epochs * w.updateFlops;
  const bytes = w.rolloutBytes + epochs * w.updateBytes;
  lines.push(
    `Upper bound on a GPU of throughput P and bandwidth B (large batches, CartPole-v1, ${epochs} epochs): env-steps/s ≤ min(P / ${formatNumber(flops)}, B / ${formatNumber(bytes)}). ` +
      `The update's ${(w.updateFlops / w.updateBytes).toFixed(1)} FLOP/B is below the ~20–80 FLOP/B balance point of current GPUs, so large batches are bandwidth-bound there. ` +
      (efficiency !== null ? `Applying the fraction of peak measured here for the update (${pct(efficiency)}) to the FLOP bound gives the "at measured efficiency" column. ` : '') +
      'Small batches are bound by dispatches instead: an iteration costs at least dispatches × per-dispatch time (≈ 5–20 µs on a discrete GPU), see the dispatch counts above.',
  );
  lines.push('');
  lines.push(
    markdownTable(
      ['GPU (assumed)', 'FP32 TFLOP/s', 'GB/s', 'FLOP-bound env-steps/s', 'bandwidth-bound env-steps/s', 'bound', ...(efficiency !== null ? ['at measured efficiency'] : [])],
      TIERS.map((t) => {
        const f = (t.tflops * 1e12) / flops;
        const b = (t.gbps * 1e9) / bytes;
        return [t.name, String(t.tflops), String(t.gbps), formatNumber(f), formatNumber(b), formatNumber(Math.min(f, b)), ...(efficiency !== null ? [formatNumber(Math.min(f * efficiency, b))] : [])];
      }),
    ),
  );
  return lines.join('\n');
}

const BASELINE_TEXT =
  'The TF.js baseline (bench/baselines/tfjsPpo.ts) is CleanRL\'s PPO written as TF.js\'s guides teach: tf.variable parameters ' +
  '(2 × 64 tanh actor and critic, orthogonal initialisation), plain ops inside tf.tidy, tf.variableGrads over the clipped PPO loss and ' +
  'tf.train.adam().applyGradients, gradients clipped by global norm with tf ops, minibatches by tf.gather of a shuffled index. Its ' +
  'environments are a batch stepped in JavaScript with Gymnasium\'s dynamics (bench/baselines/batchEnv.ts), so each step uploads the ' +
  'observations and awaits the actions (one readback per step); GAE is CleanRL\'s loop on the CPU. Discrete actions are sampled by ' +
  'Gumbel-max in tf ops, because tf.multinomial returns 0 for every draw on tfjs-backend-webgpu 4.22 (tensorflow/tfjs#8057); the ' +
  'global gradient norm is a chain of tf.add because tf.addN of more than 7 tensors fails WebGPU validation on that backend (its device ' +
  'keeps the default limit of 8 storage buffers per shader stage); with norm_obs / norm_reward (the engine\'s defaults for box actions) ' +
  'it applies Gymnasium\'s NormalizeObservation / NormalizeReward on the CPU, as CleanRL\'s wrappers do; observations are copied into each step\'s tensor because the cpu backend keeps the typed array it is given (without the copy every stored observation aliases the last one and nothing is learned). Same hyperparameters, network sizes, batch and environment dynamics as ' +
  'the engine; it is checked to learn CartPole (mean return of the last 20 episodes ≥ 75, from about 22) and its GAE to equal the engine\'s kernel ' +
  'before it is timed. TF.js runs with its default flags (it picks its own matmul kernels). Its backends: tfjs-backend-webgpu on the ' +
  'engine\'s adapter; tfjs-backend-wasm, TF.js\'s fastest backend without a GPU, with SIMD and threads as TF.js enables them by ' +
  'default (threads only in a cross-origin isolated page, which bench/chrome.ts serves; TF.js 4.22 never uses threads in Node), its ' +
  '.wasm files served from node_modules; and the plain-JavaScript cpu backend. In Node each TF.js job runs in a ' +
  'child process, because tfjs-backend-webgpu on Dawn can crash its process (a failed job is listed as such).';

/** One section of the report: written when `when` holds, as its heading, its explanation and its table. */
interface ReportSection {
  title: string;
  when: boolean;
  text?: string;
  body: () => string;
}

/** The Breakout learning run: its configuration and result in words, its curve as a table of about 12 rows. */
function breakoutSection(run: CaseResult): { text: string; body: () => string } {
  const p = run.params;
  const curve = (p.curve as [number, number][]) ?? [];
  const every = Math.max(1, Math.ceil(curve.length / 12));
  return {
    text:
      `Network ${JSON.stringify(p.network)}, configuration ${JSON.stringify(p.config)} (bench/cases/breakout.ts); ${formatNumber(num(p.totalSteps))} steps in ${fmt(run.median)} s ` +
      `(${fmt(num(p.sps))} env-steps/s). Best mean of the last 20 training episodes ${num(p.bestRecentReturn).toFixed(2)}, final ${num(p.finalRecentReturn).toFixed(2)}; ` +
      `100-episode evaluation: sampled ${num(p.evalSampledMean).toFixed(2)} ± ${num(p.evalSampledStd).toFixed(2)}, deterministic ${num(p.evalDeterministicMean).toFixed(2)} ± ${num(p.evalDeterministicStd).toFixed(2)}.`,
    body: () => markdownTable(['env steps', 'mean return, last 20 episodes'], curve.filter((_, i) => i % every === 0 || i === curve.length - 1).map(([step, r]) => [formatNumber(step), r.toFixed(2)])),
  };
}

export function markdownReport(json: BenchJson): string {
  const peaks = json.cases.filter((c) => c.name === 'peak.fma' || c.name === 'fma-peak');
  const peak = measuredPeak(json);
  const tfjs = byName(json, 'tfjs.backend');
  const learning = byName(json, 'tfjs.learningCheck');
  const out: string[] = [];
  out.push(`# Benchmark results: ${json.runtime}${json.machine.quick ? ' (quick run)' : ''}`);
  out.push('');
  out.push('Generated by `npm run bench' + (json.runtime === 'chrome' ? ':chrome' : '') + '` (bench/report.ts); do not edit by hand.');
  out.push('');
  out.push(`- **Machine:** ${machineLine(json)}`);
  out.push(`- **Runtime:** ${runtimeLabel(json)}`);
  if (peak) out.push(`- **Measured FMA peak of the adapter:** ${fmt(peak.median)} GFLOP/s (spread ${spread(peak)}; the best of ${peaks.length} kernel shapes), the yardstick of every "of peak" figure.`);
  for (const t of tfjs) {
    out.push(
      `- **TF.js backend \`${t.params.backend}\`:** ` +
        (t.params.works
          ? `works${t.params.adapter ? ` on ${[(t.params.adapter as BenchJson['adapter']).vendor, (t.params.adapter as BenchJson['adapter']).architecture, (t.params.adapter as BenchJson['adapter']).description].filter(Boolean).join(' / ')}${t.params.sameAdapterAsEngine ? ', the engine\'s adapter' : ' (another adapter!)'}` : ''}` +
            (t.params.wasm ? `; ${wasmFeatures(t.params.wasm as WasmParams)}` : '')
          : `unavailable: ${String(t.params.error)}`),
    );
  }
  if (json.comparisons.length) out.push(`- **Repetitions:** ${repetitionsLine(json)}`);
  for (const l of learning) out.push(`- **TF.js learning check (${l.params.backend}):** CartPole-v1 mean return ${fmt(num(l.params.firstReturn))} → ${fmt(l.median)} in ${formatNumber(num(l.params.steps))} steps.`);
  out.push('');
  out.push('## Targets');
  out.push('');
  out.push(targetsTable(json));
  out.push('');
  const sections: ReportSection[] = [
    {
      title: 'PPO training throughput (whole iterations: rollout + GAE + update)',
      when: byName(json, 'ppo.engine').length > 0,
      text:
        'Each environment\'s default configuration with num_envs = N, num_steps = 16 (so that the rollout of 65536 environments fits the ' +
        'device\'s max storage binding), update_epochs = 4, num_minibatches = 4, target_kl off; one warm-up iteration, then a fixed number of ' +
        'measured iterations. Submits and readbacks are the calls of `queue.submit` and `mapAsync` on the engine device while they run (`Gpu.calls`).',
      body: () => ppoTable(json),
    },
    {
      title: 'PPO with the environments on the CPU, like for like with TF.js',
      when: byName(json, 'ppo.engine.jsEnv').length > 0,
      text:
        'TF.js steps its environments in JavaScript; so does the engine with a JavaScript environment: JsCartPole-v1 ' +
        '(src/envs/examples/jsCartPole.ts, CartPole-v1\'s dynamics) trained through `createTrainer` with the configuration of CartPole-v1 ' +
        'above (each step: the policy on the GPU, the actions read back, the environments stepped in JavaScript, the results uploaded).',
      body: () => jsEnvTable(json),
    },
    {
      title: 'Where the GPU time of an iteration goes',
      when: byName(json, 'ppo.profile').length > 0,
      text: 'One iteration of each configuration with every dispatch in a compute pass of its own, timed by timestamp queries (bench/profile.ts), summed per pipeline and per phase. The rollout\'s GFLOP/s is batch × the actor and critic forward FLOPs over the rollout kernel\'s GPU time; the update\'s is its FLOPs (epochs × batch × 3 × forward) over the GPU time of its kernels.',
      body: () => profileTable(json),
    },
    {
      title: 'Update phase',
      when: byName(json, 'ppo.update').length > 0,
      text: 'CartPole-v1, the throughput configuration with 1 and with 4 update epochs (learning rate not annealed), one isolated iteration of each in turn so that load spikes hit both alike; one epoch costs (t4 − t1) / 3 and does batch × 3 × forward FLOPs (actor + critic); the rest of an iteration (rollout, GAE, statistics) is t1 minus one epoch. Medians of the iteration times; GFLOP/s median and spread over the pairs.',
      body: () => updateTable(json),
    },
    {
      title: 'Time to solve against TF.js (same configuration, same run)',
      when: json.cases.some((c) => c.name.startsWith('solveTime.')),
      text: SOLVE_TIME_TEXT,
      body: () => solveTimeTable(json),
    },
    {
      title: 'Time to solve with default settings',
      when: json.cases.some((c) => c.name.startsWith('solve.')),
      text: '`createTrainer({ env })` and `train()` with its default total_timesteps (the whole run), then 100 deterministic evaluation episodes; "solved" = mean return of the last 20 training episodes ≥ Gymnasium\'s threshold.',
      body: () => solveTable(json),
    },
    {
      title: 'The policy-gradient family against its targets',
      when: json.cases.some((c) => c.name.startsWith('family.')),
      text: "Each algorithm with its own defaults (`defaultsFor`) for the budget of its target, then 100 deterministic evaluation episodes (bench/cases/family.ts); seed 1, one run each.",
      body: () => familyTable(json),
    },
    ...byName(json, 'breakout.engine').map((run) => ({
      title: 'MinAtar/Breakout-v1: PPO within this machine\'s budget',
      when: true,
      ...breakoutSection(run),
    })),
    {
      title: 'Self-play: Pong-v0 against a random player and its first snapshot',
      when: byName(json, 'selfplay.match').length > 0,
      text: selfPlayText(json.cases),
      body: () => selfPlayReport(json.cases),
    },
    {
      title: 'Environment steps per second (random actions, GPU environments)',
      when: byName(json, 'envs.gpu').length > 0,
      body: () => envsTable(json),
    },
    {
      title: 'Policy inference (`policy.act`)',
      when: json.cases.some((c) => c.name.startsWith('act.')),
      body: () => actTable(json),
    },
    {
      title: 'Kernels chosen for this adapter (`tune: true`)',
      when: byName(json, 'tune.choice').length > 0,
      text: 'The tuner run afresh at each size: candidates checked against the default layout, timed within the budget; gains are default time / chosen time.',
      body: () => tuneTable(json),
    },
    {
      title: 'TF.js jobs that failed',
      when: byName(json, 'tfjs.failed').length > 0,
      body: () =>
        markdownTable(['backend', 'job', 'configuration', 'error'], byName(json, 'tfjs.failed').map((f) => [String(f.params.backend), String(f.params.kind), f.params.env ? `${f.params.env} × ${f.params.numEnvs ?? ''}` : '', String(f.params.error).replace(/\|/g, '/')])),
    },
    { title: 'All comparisons (engine / baseline)', when: json.comparisons.length > 0, body: () => comparisonsTable(json) },
    { title: 'Projection to real GPUs', when: true, body: () => projection(json) },
    { title: 'The TF.js baseline', when: true, body: () => BASELINE_TEXT },
  ];
  for (const section of sections) {
    if (!section.when) continue;
    out.push(`## ${section.title}`, '');
    if (section.text) out.push(section.text, '');
    out.push(section.body(), '');
  }
  return out.join('\n');
}

/** The README's section: one block per runtime (full run preferred), plus the chart. */
export function readmeSection(runs: { json: BenchJson; file: string }[], chartPath: string | null): string {
  const out: string[] = [README_START];
  out.push('<!-- Generated by `npm run readme` (bench/report.ts, bench/write.ts) from bench/results/*.json, which `npm run bench` / `npm run bench:chrome` write: do not edit by hand. -->');
  out.push('');
  if (runs.length === 0) out.push('No benchmark results yet: run `npm run bench`, then `npm run readme`.');
  for (const { json, file } of runs) {
    out.push(`**${json.runtime === 'chrome' ? 'Chrome' : 'Node'}** — ${runtimeLabel(json)}. ${machineLine(json)}. Full report: [${file.replace(/\.json$/, '.md')}](${file.replace(/\.json$/, '.md')}).`);
    out.push('');
    out.push(targetsTable(json));
    out.push('');
    const engine = byName(json, 'ppo.engine');
    if (engine.length) {
      out.push(ppoTable(json));
      out.push('');
    }
    if (json.cases.some((c) => c.name.startsWith('solveTime.'))) {
      out.push(solveTimeTable(json));
      out.push('');
    }
    if (json.cases.some((c) => c.name.startsWith('solve.'))) {
      out.push(solveTable(json));
      out.push('');
    }
  }
  if (chartPath) {
    out.push(`![Scaling curves: environment steps per second against the number of environments](${chartPath})`);
    out.push('');
  }
  out.push(README_END);
  return out.join('\n');
}

/** Replaces the text between the markers (inclusive); appends the section when the markers are missing. */
export function replaceBetweenMarkers(text: string, section: string): string {
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start >= 0 && end > start) return text.slice(0, start) + section + text.slice(end + README_END.length);
  if (start >= 0 || end >= 0) throw new Error(`the README has only one of the markers ${README_START} / ${README_END}`);
  return `${text.replace(/\s*$/, '')}\n\n## Benchmarks\n\n${section}\n`;
}

// ---- SVG chart -------------------------------------------------------------------------------------------

interface Series {
  label: string;
  color: string;
  dashed: boolean;
  points: [number, number][];
}

const COLORS: Record<string, string> = {
  'CartPole-v1': '#1f77b4',
  'Acrobot-v1': '#ff7f0e',
  'MountainCar-v0': '#2ca02c',
  'MountainCarContinuous-v0': '#9467bd',
  'Pendulum-v1': '#d62728',
  'tfjs-webgpu|CartPole-v1': '#8c564b',
  'tfjs-webgpu|Pendulum-v1': '#e377c2',
  'tfjs-cpu|CartPole-v1': '#7f7f7f',
  'tfjs-cpu|Pendulum-v1': '#bcbd22',
};

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function panel(title: string, series: Series[], x0: number, width: number, plotHeight: number): string {
  const left = x0 + 60;
  const right = x0 + width - 24;
  const top = 40;
  const bottom = plotHeight - 45;
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return `<text x="${x0 + width / 2}" y="${plotHeight / 2}" text-anchor="middle">${esc(title)}: no data</text>`;
  const xs = all.map((p) => Math.log2(p[0]));
  const ys = all.map((p) => Math.log10(p[1]));
  const xMin = Math.min(0, Math.floor(Math.min(...xs)));
  const xMax = Math.max(16, Math.ceil(Math.max(...xs)));
  const yMin = Math.floor(Math.min(...ys));
  const yMax = Math.ceil(Math.max(...ys));
  const X = (v: number) => left + ((Math.log2(v) - xMin) / (xMax - xMin || 1)) * (right - left);
  const Y = (v: number) => bottom - ((Math.log10(v) - yMin) / (yMax - yMin || 1)) * (bottom - top);
  const parts: string[] = [];
  parts.push(`<text x="${(left + right) / 2}" y="22" text-anchor="middle" font-weight="bold">${esc(title)}</text>`);
  for (let e = yMin; e <= yMax; e++) {
    const y = Y(10 ** e);
    parts.push(`<line x1="${left}" y1="${y}" x2="${right}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${y + 4}" text-anchor="end">1e${e}</text>`);
  }
  for (let e = xMin; e <= xMax; e += 2) {
    const x = X(2 ** e);
    parts.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="#eee"/>`);
    parts.push(`<text x="${x}" y="${bottom + 16}" text-anchor="middle">${2 ** e >= 1024 ? `${2 ** e / 1024}k` : 2 ** e}</text>`);
  }
  parts.push(`<text x="${(left + right) / 2}" y="${bottom + 34}" text-anchor="middle">environments (log scale)</text>`);
  parts.push(`<text transform="translate(${x0 + 14} ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle">env-steps/s (log scale)</text>`);
  parts.push(`<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="#999"/>`);
  series.forEach((s, i) => {
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    const path = pts.map((p, k) => `${k ? 'L' : 'M'}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    for (const p of pts) parts.push(`<circle cx="${X(p[0]).toFixed(1)}" cy="${Y(p[1]).toFixed(1)}" r="3" fill="${s.color}"/>`);
    // Legend below the plot, in two columns.
    const lx = left + (i % 2) * ((right - left) / 2);
    const ly = bottom + 54 + Math.floor(i / 2) * 15;
    parts.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 20}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${lx + 24}" y="${ly}">${esc(s.label)}</text>`);
  });
  return parts.join('\n');
}

/** Two panels: environment stepping, and PPO training (engine and TF.js); Node solid, Chrome dashed. */
export function svgChart(runs: BenchJson[]): string {
  const envSeries: Series[] = [];
  const ppoSeries: Series[] = [];
  for (const json of runs) {
    const dashed = json.runtime === 'chrome';
    const tag = json.runtime === 'chrome' ? 'Chrome' : 'Node';
    for (const env of [...new Set(byName(json, 'envs.gpu').map((c) => String(c.params.env)))]) {
      envSeries.push({
        label: `${env} (${tag})`,
        color: COLORS[env] ?? '#000',
        dashed,
        points: byName(json, 'envs.gpu').filter((c) => c.params.env === env).map((c) => [num(c.params.numEnvs), c.median]),
      });
    }
    for (const env of [...new Set(byName(json, 'ppo.engine').map((c) => String(c.params.env)))]) {
      ppoSeries.push({
        label: `engine ${env} (${tag})`,
        color: COLORS[env] ?? '#000',
        dashed,
        points: byName(json, 'ppo.engine').filter((c) => c.params.env === env).map((c) => [num(c.params.numEnvs), c.median]),
      });
    }
    for (const name of [...new Set(json.cases.filter((c) => c.name.startsWith('ppo.tfjs-')).map((c) => c.name))]) {
      for (const env of [...new Set(byName(json, name).map((c) => String(c.params.env)))]) {
        ppoSeries.push({
          label: `TF.js ${name.slice('ppo.tfjs-'.length)} ${env} (${tag})`,
          color: COLORS[`${name.slice('ppo.'.length)}|${env}`] ?? '#000',
          dashed,
          points: byName(json, name).filter((c) => c.params.env === env).map((c) => [num(c.params.numEnvs), c.median]),
        });
      }
    }
  }
  const width = 560;
  const plotHeight = 420;
  const legendRows = Math.ceil(Math.max(envSeries.length, ppoSeries.length) / 2);
  const height = plotHeight + 20 + legendRows * 15;
  const caption = runs.map((r) => `${r.runtime}: ${adapterLine(r)}, ${String(r.machine.date ?? '')}${r.machine.quick ? ' (quick)' : ''}`).join(' · ');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * width}" height="${height + 20}" viewBox="0 0 ${2 * width} ${height + 20}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel('Environment steps/s (random actions)', envSeries, 0, width, plotHeight),
    panel('PPO training env-steps/s (whole iterations)', ppoSeries, width, width, plotHeight),
    `<text x="10" y="${height + 12}" font-size="10" fill="#555">${esc(caption)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
