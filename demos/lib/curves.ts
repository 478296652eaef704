/**
 * The learning curves of a run, against environment steps (the x axis of every chart): mean episode return (the mean of the last 20 episodes,
 * over the faint mean of the episodes that ended in each iteration) and the update's diagnostics — policy loss,
 * value loss, entropy, approximate KL and clip fraction — one small chart each.
 */
import type { IterationReport } from '../../src/index.js';
import { LinePlot } from './plot.js';

type Extract = (report: IterationReport) => number | null;

const CHARTS: { title: string; series: { label: string; color: string; faint?: boolean; value: Extract }[] }[] = [
  {
    title: 'Mean episode return',
    series: [
      { label: 'per iteration', color: '#1f77b4', faint: true, value: (r) => r.episodicReturn },
      { label: 'last 20 episodes', color: '#1f77b4', value: (r) => r.recentReturn },
    ],
  },
  { title: 'Policy loss', series: [{ label: 'policy loss', color: '#d62728', value: (r) => r.policyLoss }] },
  { title: 'Value loss', series: [{ label: 'value loss', color: '#ff7f0e', value: (r) => r.valueLoss }] },
  { title: 'Entropy', series: [{ label: 'entropy', color: '#2ca02c', value: (r) => r.entropy }] },
  { title: 'Approx KL', series: [{ label: 'approx KL', color: '#9467bd', value: (r) => r.approxKl }] },
  { title: 'Clip fraction', series: [{ label: 'clip fraction', color: '#8c564b', value: (r) => r.clipFraction }] },
];

export class LearningCurves {
  private readonly plots: { plot: LinePlot; values: Extract[] }[] = [];

  /** Builds the charts inside `container` (a grid styled by demos/style.css's .curves). */
  constructor(container: HTMLElement) {
    container.classList.add('curves');
    for (const chart of CHARTS) {
      const canvas = document.createElement('canvas');
      canvas.className = 'curve';
      canvas.setAttribute('aria-label', chart.title);
      container.append(canvas);
      const plot = new LinePlot(canvas, chart.title, chart.series);
      this.plots.push({ plot, values: chart.series.map((s) => s.value) });
    }
  }

  add(report: IterationReport): void {
    for (const { plot, values } of this.plots) values.forEach((value, i) => plot.add(i, report.globalStep, value(report)));
  }

  clear(): void {
    for (const { plot } of this.plots) plot.clear();
  }
}
