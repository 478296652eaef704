/**
 * The files the CLI reads: a JSON config, and the two safetensors kinds the engine writes — a policy (train --save,
 * read by eval --policy) and a checkpoint (train --checkpoint, read by train --resume). A file of the other kind
 * is refused with the command that reads it, in the CLI's words.
 */
import { readFileSync } from 'node:fs';
import { CHECKPOINT_FORMAT, POLICY_FORMAT } from '../checkpoint.js';
import { decodeSafetensors, SafetensorsError } from '../safetensors.js';

/** The bytes of `path` (given as `flag`), copied into their own buffer; the error names the flag and the path. */
export function readBytes(flag: string, path: string): Uint8Array<ArrayBuffer> {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new Error(`${flag} '${path}' cannot be read: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

export function readJsonObject(flag: string, path: string): Record<string, unknown> {
  const text = Buffer.from(readBytes(flag, path)).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${flag} '${path}' is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${flag} '${path}' holds ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}; expected a JSON object of trainer config keys`);
  }
  return value as Record<string, unknown>;
}

type Kind = 'policy' | 'checkpoint';

const FORMATS: Record<Kind, string> = { policy: POLICY_FORMAT, checkpoint: CHECKPOINT_FORMAT };

/**
 * Checks that `bytes` (read from `path` for `flag`) is a file of `kind`. A safetensors file of the other kind is
 * refused naming the command that reads it; anything else is left to the loader, whose checks name the problem.
 */
export function expectKind(bytes: Uint8Array, kind: Kind, flag: string, path: string): void {
  let format: string | undefined;
  try {
    format = decodeSafetensors(bytes).metadata.format;
  } catch (error) {
    if (error instanceof SafetensorsError) return;
    throw error;
  }
  if (kind === 'policy' && format === CHECKPOINT_FORMAT) {
    throw new Error(
      `${flag} '${path}' is a training checkpoint (written by train --checkpoint), not a policy: ` +
        `continue training it with \`train --resume ${path}\` (add --save FILE to write its policy)`,
    );
  }
  if (kind === 'checkpoint' && format === POLICY_FORMAT) {
    throw new Error(
      `${flag} '${path}' is a policy (written by train --save), not a training checkpoint: evaluate it with ` +
        `\`eval --policy ${path}\`; to resume a run later, train it with --checkpoint FILE`,
    );
  }
  if (format !== FORMATS[kind] && format !== undefined && format !== FORMATS[kind === 'policy' ? 'checkpoint' : 'policy']) {
    throw new Error(`${flag} '${path}' is a '${format}' file; expected a webgpu-rl ${kind} ('${FORMATS[kind]}')`);
  }
}
