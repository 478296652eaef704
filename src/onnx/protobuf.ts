/**
 * The protocol-buffer wire format, encoding only: just what the ONNX messages of src/onnx/model.ts need. The
 * library ships to browsers and writes a dozen message types; a protobuf runtime would outweigh this file.
 *
 * A message is a sequence of fields, each a key then a value. The key is the varint (field_number << 3 | wire_type);
 * the wire types used here:
 *
 *   0  VARINT   integers, 7 bits a byte, least significant group first, the high bit set on every byte but the
 *               last (300 = 0b10_0101100 -> ac 02). An int64 is its 64-bit two's complement read as unsigned, so a
 *               negative one always takes 10 bytes (-1 -> ff ff ff ff ff ff ff ff ff 01).
 *   2  LEN      a varint byte length, then that many bytes: strings (UTF-8), bytes (a tensor's raw_data: its
 *               values as little-endian fixed-width numbers) and nested messages.
 *
 * Fields are written in the order the writer is called; repeated fields are that field written once per element
 * (a repeated int64 of proto2 without [packed = true], such as TensorProto.dims, is not packed). A writer keeps
 * its bytes as a list of chunks: nesting a message appends the child's chunks after its length, without copying
 * them, so a tensor's data is copied once, into the final buffer.
 */

const WIRE_VARINT = 0;
const WIRE_LEN = 2;

const UINT64_LIMIT = 2n ** 64n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The varint bytes of an unsigned integer below 2^64. */
export function encodeVarint(value: bigint): Uint8Array {
  if (value < 0n || value >= UINT64_LIMIT) throw new RangeError(`varint value is ${value}; expected an integer in [0, 2^64)`);
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80n) {
    bytes.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return Uint8Array.from(bytes);
}

/** The varint of an int64 field's value: a safe integer or a bigint in [-2^63, 2^63), two's complement. */
export function int64Varint(value: number | bigint, field = 'int64'): Uint8Array {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new RangeError(`${field} is ${value}; expected a safe integer`);
  const big = BigInt(value);
  if (big < INT64_MIN || big > INT64_MAX) throw new RangeError(`${field} is ${big}; expected an integer in [-2^63, 2^63)`);
  return encodeVarint(BigInt.asUintN(64, big));
}

/** Float32 values as little-endian IEEE 754 bytes, whatever the platform's byte order (a raw_data field). */
export function float32LittleEndian(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i]!, true);
  return out;
}

/** Builds one message's bytes field by field (see the header for the encoding). */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  /** Bytes written so far. */
  get byteLength(): number {
    return this.length;
  }

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  private key(field: number, wireType: number): void {
    if (!Number.isInteger(field) || field < 1 || field >= 2 ** 29) throw new RangeError(`field number is ${field}; expected an integer in [1, 2^29)`);
    this.push(encodeVarint(BigInt(field * 8 + wireType)));
  }

  /** An int32, int64 or enum field (wire type 0). */
  int64(field: number, value: number | bigint): this {
    this.key(field, WIRE_VARINT);
    this.push(int64Varint(value, `field ${field}`));
    return this;
  }

  /** A bytes field (wire type 2): the length, then the bytes as given (not copied until finish). */
  bytes(field: number, data: Uint8Array): this {
    this.key(field, WIRE_LEN);
    this.push(encodeVarint(BigInt(data.length)));
    if (data.length > 0) this.push(data);
    return this;
  }

  /** A string field: its UTF-8 bytes as a bytes field. */
  string(field: number, text: string): this {
    return this.bytes(field, new TextEncoder().encode(text));
  }

  /** A nested message (wire type 2): the child's length, then its chunks. */
  message(field: number, child: ProtoWriter): this {
    this.key(field, WIRE_LEN);
    this.push(encodeVarint(BigInt(child.length)));
    for (const chunk of child.chunks) this.push(chunk);
    return this;
  }

  /** The message's bytes, in one buffer. */
  finish(): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}
