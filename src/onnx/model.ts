/**
 * The ONNX messages an exported policy is made of, as plain objects, and their encoding with the wire format of
 * src/onnx/protobuf.ts. Field numbers are onnx.proto's (its syntax is proto2; every message here is one of its
 * messages, with only the fields written listed):
 *
 *   ModelProto          1 ir_version  2 producer_name  6 doc_string  7 graph  8 opset_import  14 metadata_props
 *   OperatorSetIdProto  1 domain  2 version
 *   StringStringEntryProto  1 key  2 value
 *   GraphProto          1 node  2 name  5 initializer  10 doc_string  11 input  12 output
 *   NodeProto           1 input  2 output  3 name  4 op_type  5 attribute
 *   AttributeProto      1 name  3 i  8 ints  20 type (AttributeType: INT = 2, INTS = 7)
 *   TensorProto         1 dims  2 data_type  8 name  9 raw_data
 *   ValueInfoProto      1 name  2 type
 *   TypeProto           1 tensor_type
 *   TypeProto.Tensor    1 elem_type  2 shape
 *   TensorShapeProto    1 dim
 *   TensorShapeProto.Dimension  1 dim_value  2 dim_param
 *
 * Element types (TensorProto.DataType): FLOAT = 1, INT64 = 7.
 */
import { float32LittleEndian, ProtoWriter } from './protobuf.js';

export const ELEMENT_TYPES = { float: 1, int64: 7 } as const;
export type ElementType = keyof typeof ELEMENT_TYPES;

const ATTRIBUTE_INT = 2;
const ATTRIBUTE_INTS = 7;

/** A constant of the graph (an initializer): float32 values, row-major, of shape `dims` ([] for a scalar). */
export interface FloatTensor {
  name: string;
  dims: number[];
  values: ArrayLike<number>;
}

/** An integer attribute of a node (axis, keepdims, ...), or a list of them (Transpose's perm). */
export interface IntAttribute {
  name: string;
  value: number | number[];
}

export interface Node {
  opType: string;
  inputs: string[];
  outputs: string[];
  /** Unique within the graph; shown by model viewers. */
  name: string;
  attributes?: IntAttribute[];
}

/** A graph input or output: its element type and shape, each dimension a size or a symbolic name ('batch'). */
export interface ValueInfo {
  name: string;
  elementType: ElementType;
  shape: (number | string)[];
}

export interface Graph {
  name: string;
  /** Topologically sorted, as ONNX requires. */
  nodes: Node[];
  initializers: FloatTensor[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  docString?: string;
}

export interface Model {
  irVersion: number;
  /** The version of the default ('ai.onnx') operator set the nodes are bound to. */
  opsetVersion: number;
  producerName: string;
  graph: Graph;
  docString?: string;
  metadata?: Record<string, string>;
}

function tensorMessage(tensor: FloatTensor): ProtoWriter {
  const count = tensor.dims.reduce((a, b) => a * b, 1);
  if (count !== tensor.values.length) {
    throw new RangeError(`ONNX tensor '${tensor.name}' has dims [${tensor.dims.join(', ')}] (${count} values) but ${tensor.values.length} values`);
  }
  const message = new ProtoWriter();
  for (const dim of tensor.dims) message.int64(1, dim);
  message.int64(2, ELEMENT_TYPES.float);
  message.string(8, tensor.name);
  message.bytes(9, float32LittleEndian(tensor.values));
  return message;
}

function nodeMessage(node: Node): ProtoWriter {
  const message = new ProtoWriter();
  for (const input of node.inputs) message.string(1, input);
  for (const output of node.outputs) message.string(2, output);
  message.string(3, node.name);
  message.string(4, node.opType);
  for (const attribute of node.attributes ?? []) {
    const field = new ProtoWriter().string(1, attribute.name);
    // A list is the repeated ints field (proto2, not packed): one key and value per element.
    if (Array.isArray(attribute.value)) for (const v of attribute.value) field.int64(8, v);
    else field.int64(3, attribute.value);
    message.message(5, field.int64(20, Array.isArray(attribute.value) ? ATTRIBUTE_INTS : ATTRIBUTE_INT));
  }
  return message;
}

function valueInfoMessage(info: ValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const dim of info.shape) {
    shape.message(1, typeof dim === 'string' ? new ProtoWriter().string(2, dim) : new ProtoWriter().int64(1, dim));
  }
  const tensorType = new ProtoWriter().int64(1, ELEMENT_TYPES[info.elementType]).message(2, shape);
  return new ProtoWriter().string(1, info.name).message(2, new ProtoWriter().message(1, tensorType));
}

function graphMessage(graph: Graph): ProtoWriter {
  const message = new ProtoWriter();
  for (const node of graph.nodes) message.message(1, nodeMessage(node));
  message.string(2, graph.name);
  for (const tensor of graph.initializers) message.message(5, tensorMessage(tensor));
  if (graph.docString !== undefined) message.string(10, graph.docString);
  for (const input of graph.inputs) message.message(11, valueInfoMessage(input));
  for (const output of graph.outputs) message.message(12, valueInfoMessage(output));
  return message;
}

/** The bytes of an .onnx file holding `model`. */
export function encodeModel(model: Model): Uint8Array<ArrayBuffer> {
  const message = new ProtoWriter();
  message.int64(1, model.irVersion);
  message.string(2, model.producerName);
  if (model.docString !== undefined) message.string(6, model.docString);
  message.message(7, graphMessage(model.graph));
  // The default operator set's domain is the empty string (written, though leaving it out means the same).
  message.message(8, new ProtoWriter().string(1, '').int64(2, model.opsetVersion));
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    message.message(14, new ProtoWriter().string(1, key).string(2, value));
  }
  return message.finish();
}
