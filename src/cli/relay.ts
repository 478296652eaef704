/**
 * The GPU commands (train, eval) run in a child process whose stderr passes through StderrFilter: Dawn's native
 * code writes its adapter warnings straight to file descriptor 2, which JavaScript cannot intercept in the same
 * process. The launcher (this file) re-runs the same script with the same Node flags (e.g. tsx's loader) and
 *
 *   - pipes the child's stdout through unchanged and its stderr through the filter;
 *   - tells the child when its own stderr is a terminal (WEBGPU_RL_STDERR_COLUMNS: the child then draws the progress
 *     bar as on a terminal), and its width, again whenever the terminal is resized (an IPC message);
 *   - starts the child in a process group of its own and forwards every SIGINT / SIGTERM / SIGHUP it receives, so
 *     that a Ctrl-C reaches the child exactly once (the terminal signals the launcher's group only) and a second
 *     Ctrl-C is a second signal to the child;
 *   - keeps an IPC channel open to the child, whose end tells the child that the launcher was killed (it then stops
 *     as on SIGTERM instead of training on unattended);
 *   - exits with the child's exit code (128 + the signal's number when the child was killed by one), showing the
 *     terminal's cursor again in case the child could not.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { StderrFilter } from './stderrFilter.js';

/** Set in the child's environment: the width of the launcher's terminal when its stderr is one, else 0. */
export const CHILD_MARKER = 'WEBGPU_RL_STDERR_COLUMNS';

/** True in the child that relay() started. */
export function isRelayedChild(): boolean {
  return process.env[CHILD_MARKER] !== undefined;
}

/** In the child: makes process.stderr behave as the terminal the launcher writes to (for the progress bar). */
export function adoptLauncherTerminal(): void {
  const columns = Number(process.env[CHILD_MARKER]);
  if (!(columns > 0) || process.stderr.isTTY) return;
  Object.assign(process.stderr, { isTTY: true, columns });
  process.on('message', (message: { columns?: unknown }) => {
    if (typeof message?.columns === 'number' && message.columns > 0) process.stderr.columns = message.columns;
  });
}

/** Runs this script again in a child process (same Node flags and arguments) and relays as described above. */
export function relay(): Promise<number> {
  const tty = process.stderr.isTTY === true;
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
    env: { ...process.env, [CHILD_MARKER]: String(tty ? process.stderr.columns || 80 : 0) },
  });
  const filter = new StderrFilter((text) => process.stderr.write(text));
  child.stdout!.pipe(process.stdout);
  child.stderr!.on('data', (chunk: Buffer) => filter.write(chunk));
  child.stderr!.on('end', () => filter.end());
  const forward = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, forward);
  const resized = () => {
    if (child.connected) child.send({ columns: process.stderr.columns });
  };
  if (tty) process.stderr.on('resize', resized);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    // 'close': the child exited and its stdout and stderr have been read to the end.
    child.on('close', (code, signal) => {
      for (const s of signals) process.off(s, forward);
      process.stderr.off('resize', resized);
      if (tty) process.stderr.write('\x1b[?25h');
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}
