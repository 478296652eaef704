/**
 * The benchmark harness: each case validates its result first, warms up, then measures several repetitions and
 * reports median and spread. Results have the shape of the suite's --json file:
 * { name, params, unit, median, min, max, reps }.
 */
import type { Gpu } from '../src/gpu/device.js';

export interface CaseResult {
  name: string;
  params: Record<string, unknown>;
  unit: string;
  median: number;
  min: number;
  max: number;
  reps: number;
}

export interface BenchContext {
  gpu: Gpu;
  /** Reduced set that runs in a few minutes. */
  quick: boolean;
  log(line: string): void;
}

export interface Timing {
  /** Seconds per call. */
  samples: number[];
  median: number;
  min: number;
  max: number;
}

export function now(): number {
  return typeof performance !== 'undefined' ? performance.now() / 1000 : Date.now() / 1000;
}

/** The fewest measured repetitions on each side of a comparison in a full run (a --quick run may have fewer, marked). */
export const MIN_REPS = 3;

/** How many repetitions to measure: as many as fit in budgetSeconds after a first call took firstSeconds, within [minReps, maxReps]. */
export function repetitions(firstSeconds: number, options: { minReps: number; maxReps: number; budgetSeconds: number }): number {
  return Math.max(options.minReps, Math.min(options.maxReps, Math.ceil(options.budgetSeconds / Math.max(firstSeconds, 1e-6))));
}

/** Runs `fn` `warmup` times unmeasured, then `reps` times measured; seconds per call. */
export async function measure(fn: () => unknown, options: { warmup?: number; reps?: number } = {}): Promise<Timing> {
  const { warmup = 1, reps = 5 } = options;
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = now();
    await fn();
    samples.push(now() - start);
  }
  return summarize(samples);
}

export function summarize(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { samples, median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** A rate (work per second) from seconds per call: median of rates, spread from the fastest and slowest calls. */
export function rateResult(name: string, params: Record<string, unknown>, unit: string, workPerCall: number, timing: Timing): CaseResult {
  return {
    name,
    params,
    unit,
    median: workPerCall / timing.median,
    min: workPerCall / timing.max,
    max: workPerCall / timing.min,
    reps: timing.samples.length,
  };
}

/** The engine against a baseline on one measure: medians, their ratio, and the repetitions and spread of each side. */
export interface Comparison {
  name: string;
  engine: number;
  baseline: number;
  unit: string;
  ratio: number;
  /** The target ratio, or null where there is none. */
  goal: number | null;
  /** Measured repetitions of each side (absent in results written before they were recorded). */
  reps?: { engine: number; baseline: number };
  /** min–max of each side over its repetitions. */
  spread?: { engine: [number, number]; baseline: [number, number] };
  /**
   * Where a side did not finish within its budget (time to solve): the ratio is then a bound, 'lower' (the true
   * ratio is at least `ratio`), 'upper' (at most) or 'range' (within ratioRange); absent when exact.
   */
  bound?: 'lower' | 'upper' | 'range';
  /** The interval the true ratio lies in when `bound` is set (null: unbounded above). */
  ratioRange?: [number, number | null];
  /** Repetitions of each side that reached the goal they were timed to (time to solve: solved). */
  solvedReps?: { engine: number; baseline: number };
}

/** Whether a comparison meets its goal: true, false, or null (no goal, or a bound that cannot tell). */
export function goalMet(c: Comparison): boolean | null {
  if (c.goal === null) return null;
  if (!c.bound) return c.ratio >= c.goal;
  const [low, high] = c.ratioRange ?? [c.bound === 'lower' ? c.ratio : 0, c.bound === 'upper' ? c.ratio : null];
  if (low >= c.goal) return true;
  if (high !== null && high < c.goal) return false;
  return null;
}

/** The ratio as text, with its bound: '2.10×', '≥ 2.10×', '≤ 2.10×', '0.50×–4.00×'. */
export function ratioText(c: Comparison): string {
  const x = (v: number | null) => (v === null ? '∞' : `${v.toFixed(2)}×`);
  if (c.bound === 'lower') return `≥ ${x(c.ratio)}`;
  if (c.bound === 'upper') return `≤ ${x(c.ratio)}`;
  if (c.bound === 'range') return `${x(c.ratioRange?.[0] ?? 0)}–${x(c.ratioRange?.[1] ?? null)}`;
  return x(c.ratio);
}

/** Two rates (higher is better): ratio engine / baseline, with both sides' repetitions and spread. */
export function compareRates(name: string, engine: CaseResult, baseline: CaseResult, goal: number | null): Comparison {
  return {
    name,
    engine: engine.median,
    baseline: baseline.median,
    unit: engine.unit,
    ratio: engine.median / baseline.median,
    goal,
    reps: { engine: engine.reps, baseline: baseline.reps },
    spread: { engine: [engine.min, engine.max], baseline: [baseline.min, baseline.max] },
  };
}

/** Waits until the GPU has finished everything submitted so far. */
export function gpuIdle(gpu: Gpu): Promise<undefined> {
  return gpu.device.queue.onSubmittedWorkDone();
}

/** A fixed-width Markdown table. */
export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((row) => (row[c] ?? '').length)));
  const line = (row: string[]) => `| ${row.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(cells[0]!), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.slice(1).map(line)].join('\n');
}

/** Three significant digits, thousands kept readable. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 1) return value.toPrecision(3);
  return value.toPrecision(2);
}
