/**
 * The learning curves of a run, against environment steps (the x axis of every chart): mean episode return (the mean
 * of the last 20 episodes, over the faint mean of the episodes that ended in each iteration) and the update's
 * diagnostics — policy loss, value loss, entropy, approximate KL and clip fraction — one small uPlot chart each
 * (or the ones a page names: a page comparing many runs shows only the return; a self-play page adds the
 * learner's Elo).
 *
 * Each chart keeps its data as uPlot's columns, [x, y₁, y₂, …], one row appended per iteration; a redraw hands
 * the same arrays to `setData`, at most once per animation frame (or per `minRedrawMs`) however many reports
 * arrive. The x axis follows the data, or spans a fixed budget of steps when one is set. A value that is
 * missing or not finite (no episode ended in that iteration, no return yet) is a gap that the line spans. The
 * caption shows the latest value, or the value under the pointer; the colours of axes and grid come from the
 * page's CSS variables (demos/style.css).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { IterationReport } from '../../src/index.js';
import { formatNumber, formatTick } from './format.js';

type Extract = (report: IterationReport) => number | null;

interface SeriesSpec {
  label: string;
  /** #rrggbb */
  color: string;
  /** Thin and translucent (a noisy raw series under its smoothed one). */
  faint?: boolean;
  value: Extract;
}

export type ChartName = 'return' | 'policyLoss' | 'valueLoss' | 'entropy' | 'approxKl' | 'clipFraction' | 'elo';

interface ChartSpec {
  name: ChartName;
  title: string;
  series: SeriesSpec[];
}

const CHARTS: ChartSpec[] = [
  {
    name: 'return',
    title: 'Mean episode return',
    series: [
      { label: 'per iteration', color: '#1f77b4', faint: true, value: (r) => r.episodicReturn },
      { label: 'last 20 episodes', color: '#1f77b4', value: (r) => r.recentReturn },
    ],
  },
  { name: 'policyLoss', title: 'Policy loss', series: [{ label: 'policy loss', color: '#d62728', value: (r) => r.policyLoss }] },
  { name: 'valueLoss', title: 'Value loss', series: [{ label: 'value loss', color: '#ff7f0e', value: (r) => r.valueLoss }] },
  { name: 'entropy', title: 'Entropy', series: [{ label: 'entropy', color: '#2ca02c', value: (r) => r.entropy }] },
  { name: 'approxKl', title: 'Approx KL', series: [{ label: 'approx KL', color: '#9467bd', value: (r) => r.approxKl }] },
  { name: 'clipFraction', title: 'Clip fraction', series: [{ label: 'clip fraction', color: '#8c564b', value: (r) => r.clipFraction }] },
  // Self-play (two-player games): the learner's rating after each iteration's games.
  { name: 'elo', title: 'Learner Elo', series: [{ label: 'Elo', color: '#e377c2', value: (r) => r.selfPlay?.elo ?? null }] },
];

/** The charts a page shows unless it names its own: all but the self-play one. */
const DEFAULT_CHARTS: readonly ChartName[] = ['return', 'policyLoss', 'valueLoss', 'entropy', 'approxKl', 'clipFraction'];

/** Height of a chart's plot and axes in CSS pixels (its caption and legend come on top). */
const PLOT_HEIGHT = 130;
const AXIS_FONT = '11px system-ui, sans-serif';
const FAINT_ALPHA = 0.35;

export interface CurvesOptions {
  /** The charts to draw, in the page's order (default: the six of one-player training; 'elo' is self-play's). */
  charts?: readonly ChartName[];
  /** Least time between two redraws of a chart, in milliseconds (default 0: once per animation frame). */
  minRedrawMs?: number;
}

interface Theme {
  /** Axis values. */
  text: string;
  /** Grid lines and ticks. */
  grid: string;
}

export class LearningCurves {
  private readonly charts: Chart[] = [];

  /** Builds the charts inside `container` (a grid styled by demos/style.css's .curves). */
  constructor(container: HTMLElement, options: CurvesOptions = {}) {
    container.classList.add('curves');
    const css = getComputedStyle(container);
    const theme: Theme = {
      text: css.getPropertyValue('--muted').trim() || '#5b6475',
      grid: css.getPropertyValue('--line').trim() || '#d9dde5',
    };
    const names = options.charts ?? DEFAULT_CHARTS;
    for (const name of names) {
      const spec = CHARTS.find((s) => s.name === name);
      if (!spec) throw new Error(`LearningCurves: no chart '${name}'; known: ${CHARTS.map((s) => s.name).join(', ')}`);
      this.charts.push(new Chart(container, spec, theme, options.minRedrawMs ?? 0));
    }
  }

  add(report: IterationReport): void {
    for (const chart of this.charts) chart.add(report);
  }

  clear(): void {
    for (const chart of this.charts) chart.clear();
  }

  /** Fixes every x axis to 0..`steps` (runs compared on one budget), or lets it follow the data again (null). */
  setStepRange(steps: number | null): void {
    for (const chart of this.charts) chart.setStepRange(steps);
  }

  /** Rows (iterations) plotted so far. */
  get points(): number {
    return this.charts[0]?.rows ?? 0;
  }
}

/** One chart: a caption (title and a value) over a uPlot of one or more series sharing the x axis. */
class Chart {
  /** [x, y₁, y₂, …]: uPlot's aligned columns, grown in place. */
  private readonly columns: (number | null)[][];
  /** The last finite value of each series (a caption for the chart when the pointer is away). */
  private readonly latest: (number | null)[];
  /** The series the caption reads: the first one that is not faint. */
  private readonly main: number;
  private readonly caption: HTMLElement;
  private readonly plot: uPlot;
  private scheduled = false;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private stepRange: number | null = null;

  constructor(
    container: HTMLElement,
    private readonly spec: ChartSpec,
    theme: Theme,
    private readonly minRedrawMs: number,
  ) {
    this.columns = [[], ...spec.series.map(() => [])];
    this.latest = spec.series.map(() => null);
    this.main = Math.max(0, spec.series.findIndex((s) => !s.faint));

    const figure = document.createElement('figure');
    figure.className = 'curve';
    figure.setAttribute('role', 'img');
    figure.setAttribute('aria-label', spec.title);
    this.caption = document.createElement('figcaption');
    figure.append(this.caption);
    container.append(figure);
    this.showCaption(null);

    const axis = (side: 2 | 3): uPlot.Axis => ({
      side,
      font: AXIS_FONT,
      stroke: theme.text,
      grid: { stroke: theme.grid, width: 1 },
      ticks: { stroke: theme.grid, width: 1, size: 4 },
      gap: 3,
      values: (_u, splits, _axis, _space, step) => splits.map((v) => formatTick(v, step)),
      ...(side === 3 ? { size: fitValues } : { size: 24, space: 60 }),
    });
    this.plot = new uPlot(
      {
        width: Math.max(1, figure.clientWidth),
        height: PLOT_HEIGHT,
        scales: { x: { time: false, range: (_u, min, max) => this.xRange(min, max) }, y: { range: yRange } },
        series: [
          { label: 'env steps' },
          ...spec.series.map((s): uPlot.Series => {
            const color = s.faint ? withAlpha(s.color, FAINT_ALPHA) : s.color;
            return { label: s.label, stroke: color, width: s.faint ? 1 : 2, spanGaps: true, points: { size: 4, fill: color, stroke: color } };
          }),
        ],
        axes: [axis(2), axis(3)],
        // A key, without readouts, where there is more than one series; the caption reads values.
        legend: {
          show: spec.series.length > 1,
          live: false,
          // Filled swatches (styled as short lines by demos/style.css) in each series' colour.
          markers: { width: 0, fill: (_u, i) => legendColor(spec.series[i - 1]) },
        },
        // Hover reads a value into the caption; no drag-zoom, which the next iteration's redraw would undo.
        cursor: { drag: { x: false, y: false }, points: { size: 6 } },
        hooks: { setCursor: [(u) => this.showCaption(u.cursor.idx ?? null)] },
      },
      this.columns as uPlot.AlignedData,
      figure,
    );

    // The chart's width follows its grid cell; its height is fixed.
    new ResizeObserver(() => {
      const width = figure.clientWidth;
      if (width > 0 && width !== this.plot.width) this.plot.setSize({ width, height: PLOT_HEIGHT });
    }).observe(figure);
  }

  add(report: IterationReport): void {
    this.columns[0]!.push(report.globalStep);
    this.spec.series.forEach((s, i) => {
      const raw = s.value(report);
      const value = raw !== null && Number.isFinite(raw) ? raw : null;
      this.columns[i + 1]!.push(value);
      if (value !== null) this.latest[i] = value;
    });
    this.requestDraw();
  }

  clear(): void {
    for (const column of this.columns) column.length = 0;
    this.latest.fill(null);
    this.requestDraw();
  }

  /** uPlot's own x range (the data's), or the fixed budget. */
  private xRange(min: number | null, max: number | null): uPlot.Range.MinMax {
    if (this.stepRange !== null) return [0, this.stepRange];
    return min == null ? [null, null] : [min, max];
  }

  get rows(): number {
    return this.columns[0]!.length;
  }

  setStepRange(steps: number | null): void {
    this.stepRange = steps;
    this.requestDraw();
  }

  private requestDraw(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const draw = () =>
      requestAnimationFrame(() => {
        this.scheduled = false;
        this.lastDraw = performance.now();
        this.plot.setData(this.columns as uPlot.AlignedData);
        if (this.plot.cursor.idx == null) this.showCaption(null);
      });
    const wait = this.lastDraw + this.minRedrawMs - performance.now();
    if (wait > 0) setTimeout(draw, wait);
    else draw();
  }

  /** "Title — value": the value at row `row` (under the pointer), or the latest one when `row` is null. */
  private showCaption(row: number | null): void {
    const order = [this.main, ...this.spec.series.keys()];
    let text = this.spec.title;
    if (row === null) {
      const i = order.find((k) => this.latest[k] !== null);
      text += i === undefined ? ' — no data yet' : ` — ${formatNumber(this.latest[i]!)}`;
    } else {
      const i = order.find((k) => this.columns[k + 1]![row] != null);
      if (i !== undefined) text += ` — ${formatNumber(this.columns[i + 1]![row]!)} at ${formatNumber(this.columns[0]![row]!)} steps`;
    }
    this.caption.textContent = text;
  }
}

/**
 * uPlot's own y range (10% padding, zero kept in view when near), except for flat data, which uPlot would show
 * on 0..100 when it is all zero: there, ±10% of the value, or ±1 around zero.
 */
function yRange(_u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax {
  if (min == null || max == null) return [null, null];
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 1;
    return [min - pad, max + pad];
  }
  return uPlot.rangeNum(min, max, 0.1, true);
}

/** Width of the y axis: its longest value label, plus ticks and gap, in CSS pixels. */
function fitValues(u: uPlot, values: string[] | null, axisIndex: number, cycle: number): number {
  const axis = u.axes[axisIndex]!;
  const fixed = (axis.ticks?.size ?? 0) + (axis.gap ?? 0);
  // uPlot converges axis sizes over a few cycles; settle on the previous size rather than oscillate.
  if (cycle > 1) return (axis as { _size?: number })._size ?? 40;
  const longest = (values ?? []).reduce((a, b) => (b != null && b.length > a.length ? b : a), '');
  if (longest === '') return fixed + 20;
  // A context of its own: uPlot caches the font it last set on its own one.
  measure ??= document.createElement('canvas').getContext('2d');
  if (!measure) return fixed + 6 * longest.length;
  measure.font = AXIS_FONT;
  return Math.ceil(fixed + measure.measureText(longest).width + 2);
}

let measure: CanvasRenderingContext2D | null | undefined;

function legendColor(series: SeriesSpec | undefined): string {
  if (!series) return 'transparent';
  return series.faint ? withAlpha(series.color, FAINT_ALPHA + 0.15) : series.color;
}

/** `#rrggbb` with an alpha channel, as `#rrggbbaa`. */
function withAlpha(color: string, alpha: number): string {
  if (!/^#[0-9a-f]{6}$/i.test(color)) throw new Error(`withAlpha: color '${color}' is not of the form #rrggbb`);
  return color + Math.round(alpha * 255).toString(16).padStart(2, '0');
}
