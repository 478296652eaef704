/**
 * Policies and checkpoints in and out of a page: download bytes as a file, read a chosen file, and tell which of
 * the engine's two formats a file holds (by its safetensors metadata, without loading it) so one file input takes
 * both. Loading itself is the engine's (loadPolicy / loadTrainer): it validates the whole file first and throws
 * CheckpointError, changing nothing, when anything is wrong.
 */
import { CHECKPOINT_FORMAT, CheckpointError, decodeSafetensors, POLICY_FORMAT, SafetensorsError } from '../../src/index.js';

export function downloadBytes(bytes: Uint8Array<ArrayBuffer>, fileName: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function readFileBytes(file: File): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer());
}

export type FileKind = 'policy' | 'checkpoint';

/** What a file claims to be, with the environment it was made for; CheckpointError when it is neither kind. */
export function identifyFile(bytes: Uint8Array): { kind: FileKind; env: string } {
  let metadata: Record<string, string>;
  try {
    metadata = decodeSafetensors(bytes).metadata;
  } catch (error) {
    if (error instanceof SafetensorsError) throw new CheckpointError(`not a webgpu-rl policy or checkpoint: ${error.message}`);
    throw error;
  }
  const kind = metadata.format === POLICY_FORMAT ? 'policy' : metadata.format === CHECKPOINT_FORMAT ? 'checkpoint' : null;
  if (!kind) {
    throw new CheckpointError(`not a webgpu-rl policy or checkpoint: its format is ${JSON.stringify(metadata.format)}; expected '${POLICY_FORMAT}' or '${CHECKPOINT_FORMAT}'`);
  }
  let env = '';
  try {
    env = String((JSON.parse(metadata.env ?? '{}') as { id?: unknown }).id ?? '');
  } catch {
    // Left to the loader, which names the malformed field.
  }
  return { kind, env };
}

/** A file name for a download, e.g. "CartPole-v1-policy-12288-steps.safetensors". */
export function fileNameFor(env: string, kind: FileKind, steps: number): string {
  return `${env}-${kind}-${steps}-steps.safetensors`;
}
