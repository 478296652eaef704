/**
 * Node only: runs each TF.js job in a child process (bench/baselines/tfjsChild.ts, with the same tsx loader as
 * this process), so that a crash inside tfjs-backend-webgpu on Dawn ends that job with an error naming the signal
 * instead of ending the suite. Timing happens inside the child; its start-up is not measured.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jobTimeoutSeconds, type TfjsJob, type TfjsJobResult, type TfjsRunner } from './tfjsJobs.js';

const LOG_PREFIX = '@@tfjs-log@@ ';
const RESULT_PREFIX = '@@tfjs-result@@ ';
/** TF.js's and Dawn's routine messages, left out of an error's excerpt. */
const NOISE = /^(Warning: max\w+ artificially reduced|Orthogonal initializer|=+$|Hi, looks like you are running TensorFlow\.js in Node)/;
const CHILD = fileURLToPath(new URL('./tfjsChild.ts', import.meta.url));

export function childProcessRunner(log: (line: string) => void): TfjsRunner {
  return <J extends TfjsJob>(job: J) =>
    new Promise<TfjsJobResult<J>>((resolve, reject) => {
      const child = spawn(process.execPath, [...process.execArgv, CHILD, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      const stderrTail: string[] = [];
      let pending = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => {
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          if (line.startsWith(LOG_PREFIX)) log(line.slice(LOG_PREFIX.length));
          else if (line.trim() && !NOISE.test(line)) {
            stderrTail.push(line);
            if (stderrTail.length > 20) stderrTail.shift();
          }
        }
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), jobTimeoutSeconds(job) * 1000);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
        if (!line) {
          const how = signal ? `signal ${signal}` : `exit code ${code}`;
          reject(new Error(`the TF.js ${job.backend} ${job.kind} job's process died (${how})${stderrTail.length ? `; its last messages: ${stderrTail.slice(-5).join(' | ')}` : ''}`));
          return;
        }
        const outcome = JSON.parse(line.slice(RESULT_PREFIX.length)) as { ok: true; result: TfjsJobResult<J> } | { ok: false; error: string };
        if (outcome.ok) resolve(outcome.result);
        else reject(new Error(outcome.error));
      });
    });
}
