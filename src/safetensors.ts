/**
 * The safetensors file format (https://github.com/huggingface/safetensors), read and written by hand: an 8-byte
 * little-endian header length N, N bytes of JSON header, then the raw little-endian tensor bytes. The header maps
 * each tensor name to { dtype, shape, data_offsets: [begin, end] } (offsets relative to the data section) and may
 * hold `__metadata__`, a map of strings to strings. PyTorch (safetensors.torch.load_file), NumPy and others read it.
 *
 * Decoding checks everything before returning (sizes, offsets inside the data, no overlap, shapes matching
 * byte counts, only the dtypes this engine writes) and never evaluates code.
 */

export type Dtype = 'F32' | 'U32';

export interface Tensor {
  dtype: Dtype;
  shape: number[];
  data: Float32Array | Uint32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

const MAX_HEADER = 100 * 1024 * 1024;

export function encodeSafetensors(tensors: Map<string, Tensor> | Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array<ArrayBuffer> {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, tensor] of entries) {
    const count = tensor.shape.reduce((a, b) => a * b, 1);
    if (count !== tensor.data.length) {
      throw new SafetensorsError(`tensor '${name}' has shape [${tensor.shape.join(', ')}] (${count} values) but ${tensor.data.length} values`);
    }
    header[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + tensor.data.byteLength] };
    offset += tensor.data.byteLength;
  }
  // The header is padded with spaces to a multiple of 8 bytes, so the data section stays aligned.
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  while (encoder.encode(json).length % 8 !== 0) json += ' ';
  const headerBytes = encoder.encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const [, tensor] of entries) {
    out.set(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength), at);
    at += tensor.data.byteLength;
  }
  return out;
}

/**
 * The bytes of a file given as an ArrayBuffer or any view of one (a Uint8Array, a Node Buffer — often a window
 * into a larger shared pool — a DataView): a plain Uint8Array over exactly the file's bytes, never copied.
 */
export function fileBytes(input: ArrayBuffer | ArrayBufferView, where = 'decodeSafetensors'): Uint8Array {
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new SafetensorsError(`${where}: expected the file's bytes as a Uint8Array (a Node Buffer is one) or an ArrayBuffer, got ${Object.prototype.toString.call(input)}`);
}

/**
 * Decodes a file from its bytes (a Uint8Array or Buffer, at any offset in its ArrayBuffer, or an ArrayBuffer).
 * Every tensor's data is a copy of its own bytes, independent of `input`.
 */
export function decodeSafetensors(input: Uint8Array | ArrayBuffer): SafetensorsFile {
  const bytes = fileBytes(input);
  if (bytes.length < 8) throw new SafetensorsError(`file is ${bytes.length} bytes; a safetensors file starts with an 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER || 8 + headerLength > bytes.length) {
    throw new SafetensorsError(`header length ${headerLength} does not fit the file of ${bytes.length} bytes (truncated, or not a safetensors file)`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  } catch (cause) {
    throw new SafetensorsError(`header is not valid UTF-8 JSON: ${(cause as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsError('header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const rawMetadata = header.__metadata__;
  if (rawMetadata !== undefined) {
    if (typeof rawMetadata !== 'object' || rawMetadata === null) throw new SafetensorsError('__metadata__ is not an object');
    for (const [key, value] of Object.entries(rawMetadata)) {
      if (typeof value !== 'string') throw new SafetensorsError(`__metadata__.${key} is not a string`);
      metadata[key] = value;
    }
  }
  const tensors = new Map<string, Tensor>();
  const ranges: [number, number, string][] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (info.dtype !== 'F32' && info.dtype !== 'U32') throw new SafetensorsError(`tensor '${name}' has dtype ${JSON.stringify(info.dtype)}; this engine reads F32 and U32`);
    if (!Array.isArray(info.shape) || !info.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new SafetensorsError(`tensor '${name}' has shape ${JSON.stringify(info.shape)}; expected an array of non-negative integers`);
    }
    const offsets = info.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      throw new SafetensorsError(`tensor '${name}' has data_offsets ${JSON.stringify(offsets)}; expected [begin, end] with 0 <= begin <= end`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLength) throw new SafetensorsError(`tensor '${name}' ends at byte ${end} of a data section of ${dataLength} bytes (file truncated?)`);
    const count = (info.shape as number[]).reduce((a, b) => a * b, 1);
    if (count * 4 !== end - begin) {
      throw new SafetensorsError(`tensor '${name}' has shape [${(info.shape as number[]).join(', ')}] (${count * 4} bytes) but ${end - begin} bytes of data`);
    }
    ranges.push([begin, end, name]);
    // A copy into a fresh, aligned ArrayBuffer of exactly the tensor's bytes (`bytes` is a plain Uint8Array, so
    // slice copies; a Buffer's slice would share the file's memory).
    const copy = bytes.slice(dataStart + begin, dataStart + end);
    const data = info.dtype === 'F32' ? new Float32Array(copy.buffer, 0, count) : new Uint32Array(copy.buffer, 0, count);
    tensors.set(name, { dtype: info.dtype, shape: [...(info.shape as number[])], data });
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]![0] < ranges[i - 1]![1]) throw new SafetensorsError(`tensors '${ranges[i - 1]![2]}' and '${ranges[i]![2]}' overlap in the data section`);
  }
  return { tensors, metadata };
}
