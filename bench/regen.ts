/**
 * Regenerates the readable output from the JSON on file, without measuring anything:  npx tsx bench/regen.ts
 * (bench/results/<run>.md for each <run>.json, bench/results/scaling.svg); `npm run readme` then updates the README.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { markdownReport, type BenchJson } from './report.js';
import { RESULTS_DIR, writeOutputs } from './write.js';

const files = readdirSync(RESULTS_DIR).filter((name) => name.endsWith('.json'));
for (const name of files) {
  const json = JSON.parse(readFileSync(join(RESULTS_DIR, name), 'utf8')) as BenchJson;
  writeFileSync(join(RESULTS_DIR, name.replace(/\.json$/, '.md')), markdownReport(json));
}
// The chart from all runs on file (writeOutputs rewrites one run's files, then the chart).
const last = files.find((name) => name === 'node.json') ?? files[0];
if (last) {
  const json = JSON.parse(readFileSync(join(RESULTS_DIR, last), 'utf8')) as BenchJson;
  console.log(writeOutputs(json).join('\n'));
}
