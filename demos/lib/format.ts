/** Compact number formats for the demos' readouts and chart axes. */

/** Compact numbers for axes and readouts: 12 300 -> 12.3k, 0.000123 -> 1.2e-4. */
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
