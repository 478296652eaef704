/**
 * The errors the GPU runtime raises. Each names what failed, the value it saw and what was expected,
 * so that a user reading only the message knows what to change.
 */

/** No WebGPU at all: the message says which browser flag or npm package / driver is missing. */
export class WebGpuUnavailableError extends Error {
  override name = 'WebGpuUnavailableError';
}

/** A buffer larger than the device allows. */
export class BufferTooLargeError extends Error {
  override name = 'BufferTooLargeError';
  constructor(
    readonly label: string,
    readonly size: number,
    readonly limit: number,
    readonly limitName: string,
  ) {
    super(
      `buffer '${label}' needs ${size} bytes (${formatBytes(size)}), over the device's ${limitName} of ` +
        `${limit} bytes (${formatBytes(limit)}); use fewer environments, fewer steps or a smaller network`,
    );
  }
}

/** One message of the WGSL compiler, with the line it points at. */
export interface ShaderMessage {
  type: 'error' | 'warning' | 'info';
  message: string;
  /** 1-based line in the source that was compiled (0 when the compiler gave none). */
  line: number;
  column: number;
  /** The source line itself, for context. */
  sourceLine: string;
}

/** A WGSL module that did not compile (or a pipeline that could not be created from it). */
export class ShaderCompileError extends Error {
  override name = 'ShaderCompileError';
  constructor(
    readonly kernel: string,
    readonly messages: ShaderMessage[],
    detail?: string,
  ) {
    const lines = messages
      .filter((m) => m.type === 'error')
      .map((m) => `  line ${m.line}:${m.column}: ${m.message}${m.sourceLine ? `\n    | ${m.sourceLine.trim()}` : ''}`);
    super(`kernel '${kernel}' failed to compile:\n${lines.join('\n')}${detail ? `\n${detail}` : ''}`);
  }
}

/** A WebGPU validation or out-of-memory error caught by an error scope. */
export class GpuValidationError extends Error {
  override name = 'GpuValidationError';
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
