/**
 * The protobuf encoder (src/onnx/protobuf.ts) and the ONNX messages (src/onnx/model.ts) against bytes worked out
 * by hand from the wire format: varints (300 = ac 02, int64 -1 in ten bytes), keys (field << 3 | wire type),
 * length-delimited strings and nested messages, little-endian float32 raw data, and one whole small model whose
 * every byte is annotated with the onnx.proto field it encodes.
 */
import { describe, expect, test } from 'vitest';
import { encodeVarint, float32LittleEndian, int64Varint, ProtoWriter } from '../../src/onnx/protobuf.js';
import { encodeModel } from '../../src/onnx/model.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
/** Hex pairs written with spaces and line breaks, for the expected bytes. */
const bytes = (text: string) => text.replace(/\s+/g, '');
const ascii = (text: string) => Buffer.from(text, 'latin1').toString('hex');

describe('protobuf wire format', () => {
  test('varints: 7 bits a byte, low group first, continuation bit on all but the last', () => {
    const cases: [bigint, string][] = [
      [0n, '00'],
      [1n, '01'],
      [127n, '7f'],
      [128n, '8001'],
      [150n, '9601'],
      [300n, 'ac02'],
      [16384n, '808001'],
      [2n ** 32n, '8080808010'],
      [2n ** 64n - 1n, 'ffffffffffffffffff01'],
    ];
    for (const [value, expected] of cases) expect(hex(encodeVarint(value)), String(value)).toBe(expected);
    expect(() => encodeVarint(-1n)).toThrow('varint value is -1; expected an integer in [0, 2^64)');
    expect(() => encodeVarint(2n ** 64n)).toThrow(/varint value is 18446744073709551616/);
  });

  test('int64: two\'s complement, so negative values take ten bytes; unsafe numbers are refused', () => {
    expect(hex(int64Varint(-1))).toBe('ffffffffffffffffff01');
    expect(hex(int64Varint(-2))).toBe('feffffffffffffffff01');
    expect(hex(int64Varint(300))).toBe('ac02');
    expect(hex(int64Varint(2n ** 63n - 1n))).toBe('ffffffffffffffff7f');
    expect(hex(int64Varint(-(2n ** 63n)))).toBe('80808080808080808001');
    expect(() => int64Varint(2 ** 53, 'dims[0]')).toThrow('dims[0] is 9007199254740992; expected a safe integer');
    expect(() => int64Varint(0.5)).toThrow('int64 is 0.5; expected a safe integer');
    expect(() => int64Varint(2n ** 63n)).toThrow(/int64 is 9223372036854775808; expected an integer in \[-2\^63, 2\^63\)/);
  });

  test('float32 raw data is little-endian IEEE 754', () => {
    expect(hex(float32LittleEndian([1, -2, 0.5, 0]))).toBe(bytes('0000803f 000000c0 0000003f 00000000'));
    expect(hex(float32LittleEndian(Float32Array.of(Number.POSITIVE_INFINITY)))).toBe('0000807f');
  });

  test('fields: key then value, nested messages by length, in the order written', () => {
    // 08 = field 1, varint; 12 = field 2, length-delimited; 1a = field 3, length-delimited.
    expect(hex(new ProtoWriter().int64(1, 150).finish())).toBe('089601');
    expect(hex(new ProtoWriter().string(2, 'testing').finish())).toBe(`1207${ascii('testing')}`);
    const child = new ProtoWriter().int64(1, 150);
    const parent = new ProtoWriter().message(3, child).bytes(4, new Uint8Array(0)).string(5, 'é');
    // An empty bytes field is its key and a zero length; 'é' is two bytes of UTF-8 (c3 a9).
    expect(hex(parent.finish())).toBe(bytes('1a03 089601  2200  2a02 c3a9'));
    expect(parent.byteLength).toBe(11);
    // Field 16 and up need a two-byte key: 16 << 3 = 128 = 80 01; field 20 as ONNX's AttributeProto.type: a0 01.
    expect(hex(new ProtoWriter().int64(16, 1).int64(20, 2).finish())).toBe('800101a00102');
    expect(() => new ProtoWriter().int64(0, 1)).toThrow('field number is 0; expected an integer in [1, 2^29)');
    expect(() => new ProtoWriter().int64(2 ** 29, 1)).toThrow(/field number is 536870912/);
  });
});

describe('ONNX messages', () => {
  test('a small model, byte for byte: model, opset, metadata, graph, node with an attribute, initializer, typed inputs and outputs', () => {
    const model = encodeModel({
      irVersion: 8,
      opsetVersion: 15,
      producerName: 'p',
      metadata: { k: 'v' },
      graph: {
        name: 'g',
        nodes: [{ opType: 'Flatten', inputs: ['x'], outputs: ['y'], name: 'y', attributes: [{ name: 'axis', value: 1 }] }],
        initializers: [{ name: 'w', dims: [2], values: [1, -2] }],
        inputs: [{ name: 'x', elementType: 'float', shape: ['n', 3] }],
        outputs: [{ name: 'y', elementType: 'int64', shape: ['n'] }],
      },
    });
    // AttributeProto: 0a name 'axis', 18 i = 1 (field 3, varint), a0 01 type = INT (2) (field 20, varint): 11 bytes.
    const attribute = `0a04${ascii('axis')} 1801 a00102`;
    // NodeProto: 0a input, 12 output, 1a name, 22 op_type, 2a attribute: 3 + 3 + 3 + 9 + 13 = 31 bytes.
    const node = `0a01${ascii('x')} 1201${ascii('y')} 1a01${ascii('y')} 2207${ascii('Flatten')} 2a0b ${attribute}`;
    // TensorProto: 08 dims 2, 10 data_type FLOAT (1), 42 name (field 8), 4a raw_data (field 9) 1.0 and -2.0: 17 bytes.
    const tensor = `0802 1001 4201${ascii('w')} 4a08 0000803f 000000c0`;
    // ValueInfoProto x: 0a name, 12 TypeProto { 0a tensor_type { 08 elem_type FLOAT, 12 TensorShapeProto {
    //   0a dim { 12 dim_param 'n' }, 0a dim { 08 dim_value 3 } } } }: 3 + 2 + 15 = 20 bytes.
    const inputX = `0a01${ascii('x')} 120f 0a0d 0801 1209 0a03 1201${ascii('n')} 0a02 0803`;
    // ValueInfoProto y: elem_type INT64 (7), one symbolic dim: 3 + 2 + 11 = 16 bytes.
    const outputY = `0a01${ascii('y')} 120b 0a09 0807 1205 0a03 1201${ascii('n')}`;
    // GraphProto: 0a node, 12 name, 2a initializer (field 5), 5a input (field 11), 62 output (field 12):
    // 33 + 3 + 19 + 22 + 18 = 95 bytes (0x5f).
    const graph = `0a1f ${node} 1201${ascii('g')} 2a11 ${tensor} 5a14 ${inputX} 6210 ${outputY}`;
    // ModelProto: 08 ir_version 8, 12 producer_name, 3a graph (field 7), 42 opset_import (field 8) { 0a domain '',
    // 10 version 15 }, 72 metadata_props (field 14) { 0a key 'k', 12 value 'v' }.
    const expected = `0808 1201${ascii('p')} 3a5f ${graph} 4204 0a00 100f 7206 0a01${ascii('k')} 1201${ascii('v')}`;
    expect(hex(model)).toBe(bytes(expected));
  });

  test('a tensor whose values do not fill its dims is refused, naming it', () => {
    const graph = { name: 'g', nodes: [], initializers: [{ name: 'actor.0.bias', dims: [2, 3], values: [1, 2] }], inputs: [], outputs: [] };
    expect(() => encodeModel({ irVersion: 8, opsetVersion: 15, producerName: 'p', graph })).toThrow("ONNX tensor 'actor.0.bias' has dims [2, 3] (6 values) but 2 values");
  });
});
