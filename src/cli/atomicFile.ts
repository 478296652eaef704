/**
 * Files the CLI writes, never torn: each is written to a temporary name in the same directory, flushed to disk and
 * renamed over the final name (rename is atomic within a file system), so a process killed at any point leaves
 * either the previous complete file or the new complete file under the final name, and at worst a stray
 * temporary file next to it.
 */
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** Temporary files being written now: removed by removeTemporaryFiles when the process must exit at once. */
const inProgress = new Set<string>();
let counter = 0;

function temporaryName(path: string): string {
  counter += 1;
  return join(dirname(path), `.${basename(path)}.${process.pid}.${counter}.tmp`);
}

/** Writes `data` to `path` through a temporary file and a rename. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const temporary = temporaryName(path);
  inProgress.add(temporary);
  try {
    const fd = openSync(temporary, 'wx', 0o644);
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let written = 0;
      while (written < bytes.byteLength) written += writeSync(fd, bytes, written, bytes.byteLength - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // Already renamed or never created.
    }
    throw error;
  } finally {
    inProgress.delete(temporary);
  }
}

/** Removes the temporary files of writes cut short (synchronous: runs on the way out of the process). */
export function removeTemporaryFiles(): void {
  for (const temporary of inProgress) {
    try {
      unlinkSync(temporary);
    } catch {
      // Nothing to remove.
    }
  }
  inProgress.clear();
}

/**
 * Checks that the CLI will be able to write `path` (given as `flag`): its directory exists and accepts a new file
 * (a temporary file is created and removed, which also catches read-only file systems), and the path is not a
 * directory. Throws an error naming the flag, the path and the reason.
 */
export function checkWritable(flag: string, path: string): void {
  const fail = (reason: string): never => {
    throw new Error(`${flag} '${path}' cannot be written: ${reason}`);
  };
  const directory = dirname(resolve(path));
  let directoryStat;
  try {
    directoryStat = statSync(directory);
  } catch {
    fail(`the directory '${directory}' does not exist`);
  }
  if (!directoryStat!.isDirectory()) fail(`'${directory}' is not a directory`);
  try {
    if (statSync(path).isDirectory()) fail('it is a directory');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const probe = temporaryName(path);
  try {
    closeSync(openSync(probe, 'wx', 0o644));
    unlinkSync(probe);
  } catch (error) {
    fail(`a file cannot be created in '${directory}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}
