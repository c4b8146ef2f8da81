/**
 * A minimal protobuf encoder for the ONNX ModelProto subset the `ort` backend needs, plus a tiny
 * graph builder. No npm package: the well-kept ONNX protobuf bindings (onnx-proto, protobufjs
 * generated code) pull in protobufjs for ~40 lines of varints; this writes the wire format
 * directly.
 *
 * Field numbers, from onnx/onnx.proto (IR version 8):
 *   ModelProto        ir_version=1 (int64), producer_name=2, graph=7, opset_import=8
 *   OperatorSetIdProto domain=1 (string), version=2 (int64)
 *   GraphProto        node=1, name=2, initializer=5, input=11, output=12
 *   NodeProto         input=1, output=2, name=3, op_type=4, attribute=5, domain=7
 *   AttributeProto    name=1, f=2 (float), i=3 (int64), s=4 (bytes), floats=7, ints=8, type=20
 *                     (AttributeType FLOAT=1, INT=2, STRING=3, FLOATS=6, INTS=7)
 *   TensorProto       dims=1 (int64), data_type=2 (int32), name=8, raw_data=9 (little-endian)
 *                     (DataType FLOAT=1, INT8=3, INT32=6, INT64=7, FLOAT16=10, DOUBLE=11)
 *   ValueInfoProto    name=1, type=2
 *   TypeProto         tensor_type=1;  TypeProto.Tensor elem_type=1, shape=2
 *   TensorShapeProto  dim=1;  Dimension dim_value=1
 * Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
 */

class Writer {
  private chunks: Uint8Array[] = [];
  private len = 0;

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.len += b.length;
  }

  private varintRaw(v: bigint): void {
    // int64 two's complement for negatives (10 bytes), as protobuf encodes int64.
    let x = BigInt.asUintN(64, v);
    const out: number[] = [];
    do {
      let byte = Number(x & 0x7fn);
      x >>= 7n;
      if (x !== 0n) byte |= 0x80;
      out.push(byte);
    } while (x !== 0n);
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: number): void {
    this.varintRaw(BigInt((field << 3) | wire));
  }

  varint(field: number, v: number | bigint): this {
    this.tag(field, 0);
    this.varintRaw(BigInt(v));
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2);
    this.varintRaw(BigInt(b.length));
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, w: Writer): this {
    return this.bytes(field, w.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.len);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

/** ONNX TensorProto.DataType values used here. */
export const ElemType = { float: 1, int8: 3, int32: 6, int64: 7, float16: 10, double: 11 } as const;
export type Elem = keyof typeof ElemType;

export type AttrValue = number | string | readonly number[] | { readonly float: number } | { readonly floats: readonly number[] };

interface NodeDef {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

interface Init {
  readonly name: string;
  readonly elem: Elem;
  readonly dims: readonly number[];
  readonly raw: Uint8Array;
}

interface ValueInfo {
  readonly name: string;
  readonly elem: Elem;
  readonly shape: readonly number[];
}

function encodeAttr(name: string, v: AttrValue): Writer {
  const w = new Writer().string(1, name);
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`onnx attribute ${name}: ${v} is not an int; use { float }`);
    return w.varint(3, v).varint(20, 2);
  }
  if (typeof v === 'string') return w.string(4, v).varint(20, 3);
  if (Array.isArray(v)) {
    for (const x of v as readonly number[]) w.varint(8, x);
    return w.varint(20, 7);
  }
  if ('float' in (v as object)) return w.float(2, (v as { float: number }).float).varint(20, 1);
  for (const x of (v as { floats: readonly number[] }).floats) w.float(7, x);
  return w.varint(20, 6);
}

function encodeValueInfo(v: ValueInfo): Writer {
  const shape = new Writer();
  for (const d of v.shape) shape.message(1, new Writer().varint(1, d));
  const tensorType = new Writer().varint(1, ElemType[v.elem]).message(2, shape);
  return new Writer().string(1, v.name).message(2, new Writer().message(1, tensorType));
}

function rawOf(elem: Elem, values: readonly number[]): Uint8Array {
  switch (elem) {
    case 'float':
      return new Uint8Array(Float32Array.from(values).buffer);
    case 'double':
      return new Uint8Array(Float64Array.from(values).buffer);
    case 'int64':
      return new Uint8Array(BigInt64Array.from(values.map((x) => BigInt(x))).buffer);
    case 'int32':
      return new Uint8Array(Int32Array.from(values).buffer);
    case 'int8':
      return new Uint8Array(Int8Array.from(values).buffer);
    case 'float16':
      throw new Error('float16 constants are not supported by this encoder');
  }
}

/** Builds one ONNX graph: inputs, constants (initializers), nodes, outputs; then a model. */
export class GraphBuilder {
  private readonly nodes: NodeDef[] = [];
  private readonly inits: Init[] = [];
  private readonly ins: ValueInfo[] = [];
  private readonly outs: ValueInfo[] = [];
  private counter = 0;

  constructor(readonly opset = 17) {}

  input(name: string, elem: Elem, shape: readonly number[]): string {
    this.ins.push({ name, elem, shape });
    return name;
  }

  /** Marks `value` as the graph output `name` (an Identity node when the names differ). */
  output(name: string, value: string, elem: Elem, shape: readonly number[]): void {
    if (value !== name) this.nodes.push({ op: 'Identity', inputs: [value], outputs: [name], attrs: {} });
    this.outs.push({ name, elem, shape });
  }

  const(elem: Elem, values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = `c${this.counter++}`;
    this.inits.push({ name, elem, dims, raw: rawOf(elem, values) });
    return name;
  }

  /** A scalar (rank 0) constant. */
  scalar(elem: Elem, value: number): string {
    return this.const(elem, [value], []);
  }

  ints(values: readonly number[]): string {
    return this.const('int64', values);
  }

  /** Adds a node; returns its outputs ('' inputs are omitted optional inputs). */
  nodeN(op: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrValue>> = {}, nOut = 1): string[] {
    const outputs = Array.from({ length: nOut }, () => `v${this.counter++}`);
    this.nodes.push({ op, inputs, outputs, attrs });
    return outputs;
  }

  node(op: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrValue>> = {}): string {
    return this.nodeN(op, inputs, attrs, 1)[0];
  }

  /** The serialized ModelProto. */
  model(): Uint8Array {
    const g = new Writer();
    this.nodes.forEach((n, i) => {
      const w = new Writer();
      for (const x of n.inputs) w.string(1, x);
      for (const x of n.outputs) w.string(2, x);
      w.string(3, `n${i}`).string(4, n.op);
      for (const [k, v] of Object.entries(n.attrs)) w.message(5, encodeAttr(k, v));
      g.message(1, w);
    });
    g.string(2, 'abw');
    for (const t of this.inits) {
      const w = new Writer();
      for (const d of t.dims) w.varint(1, d);
      w.varint(2, ElemType[t.elem]).string(8, t.name).bytes(9, t.raw);
      g.message(5, w);
    }
    for (const v of this.ins) g.message(11, encodeValueInfo(v));
    for (const v of this.outs) g.message(12, encodeValueInfo(v));
    return new Writer()
      .varint(1, 8)
      .string(2, 'abw')
      .message(7, g)
      .message(8, new Writer().string(1, '').varint(2, this.opset))
      .finish();
  }
}
