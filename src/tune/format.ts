/**
 * A tuning report as text: one line per candidate (time, build, check, status), then the choice and the gains.
 * Used by `webgpu-rl tune` and the benchmark report.
 */
import type { TuneReport } from './tuner.js';

export function formatTuneReport(report: TuneReport): string {
  const lines: string[] = [];
  const a = report.adapter;
  lines.push(`adapter: ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ')}`);
  const s = report.sizes;
  lines.push(`sizes: ${s.env}, ${s.numEnvs} envs x ${s.numSteps} steps, chunk ${s.chunk}, hidden [${s.hidden.join(', ')}] ${s.activation}, algo ${s.algo}`);
  lines.push(`budget ${report.budgetMs} ms, took ${Math.round(report.elapsedMs)} ms`);
  lines.push('kernel    candidate  ms per call   built+checked   check        status');
  for (const c of report.candidates) {
    const ms = c.ms === undefined ? '-' : c.ms.toFixed(3);
    const build = c.buildMs === undefined ? '-' : `${Math.round(c.buildMs)} ms`;
    const check = c.checkRatio === undefined ? '-' : c.isDefault ? 'reference' : `${c.checkRatio.toFixed(2)} of tol`;
    const status = `${c.status}${c.isDefault ? ' (default)' : ''}${c.chosen ? ' CHOSEN' : ''}${c.reason ? `: ${c.reason}` : ''}`;
    lines.push(`${c.kernel.padEnd(10)}${c.candidate.padEnd(11)}${ms.padStart(11)}   ${build.padStart(13)}   ${check.padEnd(13)}${status}`);
  }
  const ch = report.choice;
  const d = report.defaults;
  lines.push(
    `choice: loss ${ch.lossSamples} samples per invocation x ${ch.lossTile} outputs per tile (default ${d.lossSamples}x${d.lossTile}), gradient ${ch.gradientTiling} tiling (default ${d.gradientTiling}), ` +
      `rollout workgroup ${ch.rolloutWorkgroup} (default ${d.rolloutWorkgroup})`,
  );
  const g = report.gains;
  lines.push(`gain over the default: loss x${g.loss.toFixed(2)}, gradient x${g.gradient.toFixed(2)}, rollout x${g.rollout.toFixed(2)}; one iteration's tuned kernels x${report.iterationGain.toFixed(2)}`);
  return lines.join('\n');
}
