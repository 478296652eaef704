/**
 * The sweep page: 2-4 values of one per-agent hyperparameter x several seeds, trained as one population
 * (src/population/) in the browser; one band per value (mean ± standard deviation across its seeds of the agents'
 * mean return over their last 20 episodes) and the table of final returns.
 *
 * URL parameters: ?env=CartPole-v1&key=learning_rate&values=1e-3,3e-4&seeds=3&steps=20000&autostart=1. The page's
 * state is in document.body.dataset.state: idle, compiling, running, done, stopped or error.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { AGENT_KEYS, createTrainer, type Gpu, type Population, type PopulationReport } from '../src/index.js';
import { startPage } from './lib/page.js';
import { PRESETS } from './lib/presets.js';
import { StatusLine } from './lib/status.js';

type PageState = 'idle' | 'compiling' | 'running' | 'done' | 'stopped' | 'error';

const query = new URLSearchParams(location.search);
const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const controls = {
  env: byId<HTMLSelectElement>('env'),
  key: byId<HTMLSelectElement>('key'),
  values: byId<HTMLInputElement>('values'),
  seeds: byId<HTMLInputElement>('seeds'),
  budget: byId<HTMLInputElement>('budget'),
  train: byId<HTMLButtonElement>('train'),
  stop: byId<HTMLButtonElement>('stop'),
};
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
/** Gymnasium's classic control with a page preset. */
const ENVS = Object.keys(PRESETS).filter((id) => !id.startsWith('MinAtar/'));
const KEYS = ['learning_rate', 'ent_coef', 'gamma', 'gae_lambda', 'clip_coef', 'vf_coef', 'max_grad_norm'].filter((k) => (AGENT_KEYS as readonly string[]).includes(k));

const meanAndStd = (values: number[]) => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, std: Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) };
};

class SweepPage {
  private state: PageState = 'idle';
  private stopRequested = false;
  private plot: uPlot | undefined;

  constructor(
    private readonly gpu: Gpu,
    readonly status: StatusLine,
  ) {
    controls.train.addEventListener('click', () =>
      this.train().catch((error: unknown) => {
        this.setState('error');
        this.status.error('Training', error);
      }),
    );
    controls.stop.addEventListener('click', () => {
      this.stopRequested = true;
      controls.stop.disabled = true;
      this.status.set('Stopping after the iteration in flight…', 'busy');
    });
  }

  /** The form's sweep, or a message saying what to fix. */
  private read(): { env: string; key: string; values: number[]; seeds: number[]; budget: number } | string {
    const values = controls.values.value.split(',').map((v) => Number(v.trim()));
    if (values.length < 2 || values.length > 4 || !values.every(Number.isFinite)) return `Check the values: 2 to 4 numbers separated by commas ('${controls.values.value}' now).`;
    const count = Number(controls.seeds.value);
    if (!Number.isInteger(count) || count < 1 || count > 16) return `Check the seeds: an integer from 1 to 16 ('${controls.seeds.value}' now).`;
    const budget = Number(controls.budget.value);
    if (!Number.isInteger(budget) || budget <= 0) return `Check the budget: a positive integer ('${controls.budget.value}' now).`;
    return { env: controls.env.value, key: controls.key.value, values, seeds: Array.from({ length: count }, (_, i) => i + 1), budget };
  }

  private async train(): Promise<void> {
    if (this.state === 'compiling' || this.state === 'running') return;
    const sweep = this.read();
    if (typeof sweep === 'string') {
      this.status.set(sweep, 'error');
      return;
    }
    const { env, key, values, seeds, budget } = sweep;
    this.stopRequested = false;
    this.setState('compiling');
    this.status.set(`Compiling ${values.length * seeds.length} agents on ${env} (the shaders once, several seconds on a software GPU)…`, 'busy');
    const agents = values.flatMap((value) => seeds.map((seed) => ({ value, seed })));
    const population = await createTrainer(
      { env, total_timesteps: budget, population: { seeds: agents.map((a) => a.seed), overrides: agents.map((a) => ({ [key]: a.value })) } },
      { gpu: this.gpu },
    );
    try {
      this.startChart(key, values);
      this.setState('running');
      const columns: (number | null)[][] = [[], ...values.flatMap(() => [[], [], []])];
      for await (const report of population.iterations()) {
        this.addPoint(columns, report, values.length, seeds.length);
        this.showTable(population, key, values, seeds);
        this.status.set(`Training ${agents.length} agents on ${env}: ${report.globalStep} of ${budget} steps each, ${Math.round(report.sps)} env-steps/s in all.`, 'busy');
        if (this.stopRequested) break;
      }
      const end = this.stopRequested ? 'stopped' : 'done';
      this.setState(end);
      this.status.set(end === 'done' ? `Done: ${agents.length} agents, ${population.globalStep} steps each. Train again with other values.` : 'Stopped. Train starts the sweep again from scratch.', 'ok');
    } finally {
      population.destroy();
    }
  }

  private startChart(key: string, values: number[]): void {
    const container = byId('chart');
    this.plot?.destroy();
    const series: uPlot.Series[] = [{ label: 'steps' }];
    const bands: uPlot.Band[] = [];
    values.forEach((value, v) => {
      const color = COLORS[v % COLORS.length]!;
      series.push({ label: `${key} = ${value}`, stroke: color, width: 2, spanGaps: true });
      // The band's edges: drawn only as the band's fill; the init hook keeps them out of the legend.
      series.push({ label: `${value} + σ`, stroke: 'transparent', spanGaps: true });
      series.push({ label: `${value} − σ`, stroke: 'transparent', spanGaps: true });
      bands.push({ series: [2 + 3 * v, 3 + 3 * v], fill: `${color}33` });
    });
    this.plot = new uPlot({ width: Math.min(900, container.clientWidth || 900), height: 320, series, bands, scales: { x: { time: false } }, legend: { show: true }, hooks: { init: [(u) => u.root.querySelectorAll('.u-legend .u-series').forEach((row, i) => { if (i > 0 && (i - 1) % 3 !== 0) (row as HTMLElement).style.display = 'none'; })] } }, [[], ...series.slice(1).map(() => [])], container);
  }

  /** One x (steps) and, per value, the mean and mean ± std across its seeds (null before any episode ended). */
  private addPoint(columns: (number | null)[][], report: PopulationReport, valueCount: number, seedCount: number): void {
    columns[0]!.push(report.globalStep);
    for (let v = 0; v < valueCount; v++) {
      const recent = report.agents.slice(v * seedCount, (v + 1) * seedCount).map((a) => a.recentReturn).filter((r): r is number => r !== null);
      const stats = recent.length > 0 ? meanAndStd(recent) : null;
      columns[1 + 3 * v]!.push(stats ? stats.mean : null);
      columns[2 + 3 * v]!.push(stats ? stats.mean + stats.std : null);
      columns[3 + 3 * v]!.push(stats ? stats.mean - stats.std : null);
    }
    this.plot?.setData(columns as uPlot.AlignedData);
  }

  /** Rows: the value, each seed's final return (mean of its last 20 episodes), their mean ± std. */
  private showTable(population: Population, key: string, values: number[], seeds: number[]): void {
    const table = byId('results');
    const head = `<tr><th>${key}</th>${seeds.map((s) => `<th>seed ${s}</th>`).join('')}<th>mean ± std</th></tr>`;
    const rows = values.map((value, v) => {
      const finals = population.agents.slice(v * seeds.length, (v + 1) * seeds.length).map((agent) => agent.summary(0, 1).recentReturn);
      const known = finals.filter((r): r is number => r !== null);
      const stats = known.length > 0 ? meanAndStd(known) : null;
      return `<tr data-value="${value}">${[`<th>${value}</th>`, ...finals.map((r) => `<td data-return>${r === null ? '–' : r.toFixed(1)}</td>`), `<td data-mean>${stats ? `${stats.mean.toFixed(1)} ± ${stats.std.toFixed(1)}` : '–'}</td>`].join('')}</tr>`;
    });
    table.innerHTML = head + rows.join('');
  }

  private setState(state: PageState): void {
    this.state = state;
    document.body.dataset.state = state;
    const busy = state === 'compiling' || state === 'running';
    controls.train.disabled = busy;
    controls.stop.disabled = !busy;
    for (const input of [controls.env, controls.key, controls.values, controls.seeds, controls.budget]) input.disabled = busy;
  }
}

async function main(gpu: Gpu): Promise<void> {
  const status = new StatusLine(byId('status'));
  for (const [select, options] of [[controls.env, ENVS], [controls.key, KEYS]] as const) {
    for (const id of options) {
      const option = document.createElement('option');
      option.value = id;
      option.textContent = id;
      select.append(option);
    }
  }
  const page = new SweepPage(gpu, status);
  const env = query.get('env') ?? 'CartPole-v1';
  controls.env.value = ENVS.includes(env) ? env : 'CartPole-v1';
  const key = query.get('key') ?? 'learning_rate';
  controls.key.value = KEYS.includes(key) ? key : 'learning_rate';
  controls.values.value = query.get('values') ?? '1e-3,3e-4';
  controls.seeds.value = query.get('seeds') ?? '3';
  controls.budget.value = query.get('steps') ?? '20000';
  document.body.dataset.state = 'idle';
  controls.train.disabled = false;
  page.status.set('Ready: press Train.');
  if (ENVS.includes(env) === false) page.status.set(`Unknown environment '${env}' in the URL; showing CartPole-v1.`, 'error');
  if (query.get('autostart') === '1') controls.train.click();
}

startPage(main);
