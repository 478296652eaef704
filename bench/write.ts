/**
 * The Node side of the suite's output: what the machine is and how busy it was, and the files.
 *
 *   bench/results/<runtime>.json|.md        a full run (<runtime>-quick.* for --quick)
 *   bench/results/scaling.svg               the scaling curves of the runs on file (full preferred)
 *   --json FILE                             the run's JSON, also written there
 *
 * The README's benchmark section (between <!-- bench:start --> and <!-- bench:end -->) is regenerated from the
 * runs on file only when asked: `npm run readme` (writeReadmeSection), never by a benchmark run.
 *
 * How busy: besides the load average, the CPU time of every other process during the run, from /proc (Linux):
 * (all busy CPU time - the CPU time of this process tree) / wall time, in cores.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownReport, readmeSection, replaceBetweenMarkers, svgChart, type BenchJson } from './report.js';
import type { SuiteResult } from './suite.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS_DIR = join(REPO, 'bench', 'results');

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Busy ticks of the whole machine (/proc/stat) and of a process tree (/proc/<pid>/stat), or undefined off Linux. */
function cpuTicks(root: number): { total: number; tree: number } | undefined {
  const stat = readText('/proc/stat');
  if (!stat) return undefined;
  const cpu = stat.split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal ...
  const total = cpu.reduce((a, b) => a + b, 0) - (cpu[3] ?? 0) - (cpu[4] ?? 0);
  const parents = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const text = readText(`/proc/${entry}/stat`);
    if (!text) continue;
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    parents.set(Number(entry), Number(fields[1]));
    ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]));
  }
  let tree = 0;
  for (const [pid, t] of ticks) {
    let p: number | undefined = pid;
    for (let depth = 0; p && depth < 64; depth++) {
      if (p === root) {
        tree += t;
        break;
      }
      p = parents.get(p);
    }
  }
  return { total, tree };
}

/** Watches how busy the machine is while the suite runs. */
export class LoadMonitor {
  private readonly start = performance.now();
  private readonly ticks = cpuTicks(process.pid);
  readonly loadStart = os.loadavg();
  /** The commit measured (taken at the start: other work may commit while the suite runs). */
  readonly commit = gitCommit();

  /** CPU cores used on average by processes other than this one (and its children), since construction. */
  othersCores(): number | null {
    const end = cpuTicks(process.pid);
    if (!end || !this.ticks) return null;
    const seconds = (performance.now() - this.start) / 1000;
    const others = end.total - this.ticks.total - (end.tree - this.ticks.tree);
    return Math.max(0, others / 100 / seconds);
  }
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/**
 * HEAD, with '+changes' when tracked code differs from it: the suite's own outputs (bench/results/, the README's
 * generated section) and other Markdown do not count, so a Chrome run right after a Node run is not "+changes".
 */
function gitCommit(): string | undefined {
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)bench/results', ':(exclude)*.md']);
  return commit ? `${commit}${dirty ? '+changes' : ''}` : undefined;
}

export function machineInfo(monitor: LoadMonitor, suite: Pick<SuiteResult, 'quick' | 'seconds'>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const cpus = os.cpus();
  const dawn = readText(join(REPO, 'node_modules', 'webgpu', 'package.json'));
  const othersCores = monitor.othersCores();
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    dawnPackage: dawn ? (JSON.parse(dawn) as { version: string }).version : undefined,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    commit: monitor.commit,
    quick: suite.quick,
    suiteSeconds: suite.seconds,
    loadStart: monitor.loadStart,
    loadEnd: os.loadavg(),
    otherProcessesCores: othersCores,
    shared: othersCores !== null ? othersCores > 0.25 : monitor.loadStart[0]! > 0.5,
    ...extra,
  };
}

export function toJson(suite: SuiteResult, machine: Record<string, unknown>): BenchJson {
  return { machine, runtime: suite.runtime, adapter: suite.adapter, cases: suite.cases, comparisons: suite.comparisons };
}

/** The runs on file: per runtime, the full run if there is one, else the quick one. */
export function runsOnFile(dir = RESULTS_DIR): { json: BenchJson; file: string }[] {
  const runs: { json: BenchJson; file: string }[] = [];
  for (const runtime of ['node', 'chrome']) {
    for (const name of [`${runtime}.json`, `${runtime}-quick.json`]) {
      const text = readText(join(dir, name));
      if (text) {
        runs.push({ json: JSON.parse(text) as BenchJson, file: name });
        break;
      }
    }
  }
  return runs;
}

export interface WriteOptions {
  jsonFile?: string;
  /** Update bench/results/ (default true). */
  results?: boolean;
  resultsDir?: string;
}

/** Writes the run's files; returns the paths written. */
export function writeOutputs(json: BenchJson, options: WriteOptions = {}): string[] {
  const written: string[] = [];
  if (options.jsonFile) {
    const path = resolve(options.jsonFile);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
    written.push(path);
  }
  if (options.results === false) return written;
  const dir = options.resultsDir ?? RESULTS_DIR;
  mkdirSync(dir, { recursive: true });
  const base = `${json.runtime}${json.machine.quick ? '-quick' : ''}`;
  writeFileSync(join(dir, `${base}.json`), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(dir, `${base}.md`), markdownReport(json));
  written.push(join(dir, `${base}.json`), join(dir, `${base}.md`));
  const runs = runsOnFile(dir);
  writeFileSync(join(dir, 'scaling.svg'), svgChart(runs.map((r) => r.json)));
  written.push(join(dir, 'scaling.svg'));
  return written;
}

/** Rewrites the README's benchmark section from the runs in `dir` (`npm run readme`); returns the README's path. */
export function writeReadmeSection(readme = join(REPO, 'README.md'), dir = RESULTS_DIR): string {
  const runs = runsOnFile(dir);
  const rel = (name: string) => relative(dirname(readme), join(dir, name)).split('\\').join('/');
  const section = readmeSection(
    runs.map((r) => ({ json: r.json, file: rel(r.file) })),
    existsSync(join(dir, 'scaling.svg')) ? rel('scaling.svg') : null,
  );
  writeFileSync(readme, replaceBetweenMarkers(readFileSync(readme, 'utf8'), section));
  return readme;
}
