/**
 * One job of the TF.js baseline in a process of its own (Node): `node <tsx flags> tfjsChild.ts '<job JSON>'`.
 * Log lines go to stderr prefixed with LOG_PREFIX; the result is the last stdout line, prefixed with
 * RESULT_PREFIX. Started by bench/baselines/tfjsChildRunner.ts.
 */
import { loadTfjs } from './tfjsSetup.js';
import { runTfjsJob, type TfjsJob } from './tfjsJobs.js';

export const LOG_PREFIX = '@@tfjs-log@@ ';
export const RESULT_PREFIX = '@@tfjs-result@@ ';

const job = JSON.parse(process.argv[2] ?? 'null') as TfjsJob | null;
if (job) {
  try {
    const loaded = await loadTfjs(job.backend);
    const result = await runTfjsJob(loaded, job, (line) => process.stderr.write(`${LOG_PREFIX}${line}\n`));
    process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify({ ok: true, result })}\n`);
  } catch (error) {
    process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify({ ok: false, error: error instanceof Error ? error.message : String(error) })}\n`);
  }
  // TF.js's WebGPU device keeps the event loop alive.
  process.exit(0);
}
