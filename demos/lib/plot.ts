/**
 * A small line chart on a canvas, enough for learning curves: one or more series of (x, y) points that grow while
 * training runs, axes with round-number ticks, the latest value in the title. Drawing is batched to one per
 * animation frame however many points arrive, so plotting never competes with training for the main thread.
 *
 * Why hand-written: six charts of a few thousand points each need ~200 lines; a plotting library would add more
 * weight than the demos themselves, for features they do not use.
 */

export interface SeriesStyle {
  label: string;
  color: string;
  /** Thin and translucent (a noisy raw series under its smoothed one). */
  faint?: boolean;
}

interface Series extends SeriesStyle {
  xs: number[];
  ys: number[];
}

const MARGIN = { left: 52, right: 10, top: 22, bottom: 22 };

export class LinePlot {
  private readonly series: Series[];
  private scheduled = false;
  private readonly context: CanvasRenderingContext2D;

  constructor(
    readonly canvas: HTMLCanvasElement,
    readonly title: string,
    styles: SeriesStyle[],
    private readonly options: { format?: (y: number) => string } = {},
  ) {
    this.series = styles.map((style) => ({ ...style, xs: [], ys: [] }));
    const context = canvas.getContext('2d');
    if (!context) throw new Error(`LinePlot '${title}': the canvas has no 2D context`);
    this.context = context;
    new ResizeObserver(() => this.requestDraw()).observe(canvas);
    this.requestDraw();
  }

  /** Appends a point to series `index` (non-finite y values are skipped). */
  add(index: number, x: number, y: number | null | undefined): void {
    if (y === null || y === undefined || !Number.isFinite(y)) return;
    const series = this.series[index];
    if (!series) throw new RangeError(`LinePlot '${this.title}' has ${this.series.length} series; no series ${index}`);
    series.xs.push(x);
    series.ys.push(y);
    this.requestDraw();
  }

  clear(): void {
    for (const s of this.series) {
      s.xs.length = 0;
      s.ys.length = 0;
    }
    this.requestDraw();
  }

  private requestDraw(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.draw();
    });
  }

  private draw(): void {
    const { canvas, context: g } = this;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (width === 0 || height === 0) return;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    const format = this.options.format ?? formatNumber;

    const main = this.series.find((s) => !s.faint && s.ys.length > 0) ?? this.series.find((s) => s.ys.length > 0);
    g.fillStyle = '#222';
    g.font = '600 12px system-ui, sans-serif';
    g.textBaseline = 'top';
    const latest = main ? ` — ${format(main.ys[main.ys.length - 1]!)}` : '';
    g.fillText(`${this.title}${latest}`, MARGIN.left, 4);

    const plotW = width - MARGIN.left - MARGIN.right;
    const plotH = height - MARGIN.top - MARGIN.bottom;
    const all = this.series.filter((s) => s.xs.length > 0);
    g.strokeStyle = '#bbb';
    g.lineWidth = 1;
    g.strokeRect(MARGIN.left + 0.5, MARGIN.top + 0.5, plotW, plotH);
    if (all.length === 0) {
      g.fillStyle = '#888';
      g.font = '12px system-ui, sans-serif';
      g.textBaseline = 'middle';
      g.fillText('no data yet', MARGIN.left + 8, MARGIN.top + plotH / 2);
      return;
    }

    let xMin = Infinity;
    let xMax = -Infinity;
    let yMin = Infinity;
    let yMax = -Infinity;
    for (const s of all) {
      xMin = Math.min(xMin, s.xs[0]!);
      xMax = Math.max(xMax, s.xs[s.xs.length - 1]!);
      for (const y of s.ys) {
        yMin = Math.min(yMin, y);
        yMax = Math.max(yMax, y);
      }
    }
    if (xMax === xMin) xMax = xMin + 1;
    if (yMax === yMin) {
      const pad = Math.abs(yMin) * 0.1 || 1;
      yMin -= pad;
      yMax += pad;
    }
    const yTicks = niceTicks(yMin, yMax, Math.max(2, Math.floor(plotH / 28)));
    const xTicks = niceTicks(xMin, xMax, Math.max(2, Math.floor(plotW / 80)));
    yMin = Math.min(yMin, yTicks[0]!);
    yMax = Math.max(yMax, yTicks[yTicks.length - 1]!);
    const px = (x: number) => MARGIN.left + ((x - xMin) / (xMax - xMin)) * plotW;
    const py = (y: number) => MARGIN.top + plotH - ((y - yMin) / (yMax - yMin)) * plotH;

    g.font = '11px system-ui, sans-serif';
    g.fillStyle = '#555';
    g.strokeStyle = '#eee';
    g.textBaseline = 'middle';
    g.textAlign = 'right';
    const yStep = yTicks.length > 1 ? yTicks[1]! - yTicks[0]! : 1;
    for (const t of yTicks) {
      const y = Math.round(py(t)) + 0.5;
      g.beginPath();
      g.moveTo(MARGIN.left + 1, y);
      g.lineTo(MARGIN.left + plotW, y);
      g.stroke();
      g.fillText(formatTick(t, yStep), MARGIN.left - 4, y);
    }
    g.textAlign = 'center';
    g.textBaseline = 'top';
    const xStep = xTicks.length > 1 ? xTicks[1]! - xTicks[0]! : 1;
    for (const t of xTicks) {
      if (t < xMin || t > xMax) continue;
      g.fillText(formatTick(t, xStep), px(t), MARGIN.top + plotH + 4);
    }
    g.textAlign = 'left';

    g.save();
    g.beginPath();
    g.rect(MARGIN.left, MARGIN.top, plotW, plotH);
    g.clip();
    for (const s of all) {
      g.strokeStyle = s.color;
      g.globalAlpha = s.faint ? 0.35 : 1;
      g.lineWidth = s.faint ? 1 : 2;
      g.beginPath();
      // At most ~2 points per pixel column: enough detail, bounded cost on long runs.
      const stride = Math.max(1, Math.floor(s.xs.length / (plotW * 2)));
      for (let i = 0; i < s.xs.length; i += stride) {
        const x = px(s.xs[i]!);
        const y = py(s.ys[i]!);
        if (i === 0) g.moveTo(x, y);
        else g.lineTo(x, y);
      }
      const last = s.xs.length - 1;
      g.lineTo(px(s.xs[last]!), py(s.ys[last]!));
      g.stroke();
      if (s.xs.length === 1) {
        g.fillStyle = s.color;
        g.fillRect(px(s.xs[0]!) - 2, py(s.ys[0]!) - 2, 4, 4);
      }
    }
    g.restore();
    g.globalAlpha = 1;

    // Legend in the top-left corner of the plot, only where there is more than one series.
    if (this.series.length > 1) {
      g.font = '11px system-ui, sans-serif';
      g.textBaseline = 'top';
      this.series.forEach((s, i) => {
        const y = MARGIN.top + 4 + i * 14;
        g.fillStyle = s.color;
        g.globalAlpha = s.faint ? 0.5 : 1;
        g.fillRect(MARGIN.left + 6, y + 5, 10, 3);
        g.globalAlpha = 1;
        g.fillStyle = '#444';
        g.fillText(s.label, MARGIN.left + 20, y);
      });
    }
  }
}

/** About `count` round tick values (1, 2 or 5 times a power of ten apart) covering [min, max]. */
export function niceTicks(min: number, max: number, count: number): number[] {
  const span = max - min;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const first = Math.floor(min / step);
  const ticks: number[] = [];
  // Integer multiples of the step, so that zero is exactly zero.
  for (let k = first; k * step <= max + step * 0.5 && ticks.length < 50; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

/** A tick label with just the digits that tell neighbouring ticks `step` apart. */
export function formatTick(value: number, step: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs < 1e4 && Number.isInteger(value) && step >= 1) return String(value);
  if (abs >= 1e4 || step >= 1) return formatNumber(value);
  if (abs < 1e-3) return value.toExponential(Math.max(0, Math.floor(Math.log10(abs)) - Math.floor(Math.log10(step))));
  // Enough decimals to write the step exactly (0.25 needs two, 0.0005 four).
  let decimals = 0;
  while (decimals < 10 && Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) > 1e-6) decimals++;
  return value.toFixed(decimals);
}

/** Compact numbers for axes and readouts: 12 300 -> 12.3k, 0.000123 -> 1.23e-4. */
export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs === 0) return '0';
  if (abs >= 1e6) return `${(value / 1e6).toFixed(abs >= 1e7 ? 0 : 1)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(abs >= 1e5 ? 0 : 1)}k`;
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 1) return value.toFixed(abs >= 10 ? 1 : 2);
  if (abs >= 1e-3) return value.toFixed(4).replace(/0+$/, '');
  return value.toExponential(1);
}
