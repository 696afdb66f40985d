// The subset of onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto) that our
// classifiers use and that the model-contract check reads, with the exact field numbers.
//
// Hand-written codecs over protobufjs' minimal Reader/Writer rather than its reflection API:
// reflection generates encoders with `new Function`, which workerd refuses at request time
// ("code generation from strings disallowed"), and the contract check runs inside the Worker.
// Unknown fields are skipped on decode, so full models from other exporters parse.
import { Reader, Writer } from "protobufjs/minimal.js";

/** TensorProto.DataType values we name (others are kept as numbers). */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, STRING: 8, BOOL: 9, DOUBLE: 11 } as const;
export const AttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
} as const;

export interface StringStringEntryProto {
  key: string;
  value: string;
}
export interface OperatorSetIdProto {
  domain: string;
  version: number;
}
export interface DimensionProto {
  dimValue?: number;
  dimParam?: string;
}
export interface TensorShapeProto {
  dim: DimensionProto[];
}
export interface TypeProto {
  tensorType?: { elemType: number; shape?: TensorShapeProto };
  sequenceType?: { elemType?: TypeProto };
  mapType?: { keyType: number; valueType?: TypeProto };
  optionalType?: { elemType?: TypeProto };
  sparseTensorType?: { elemType: number; shape?: TensorShapeProto };
  denotation?: string;
}
export interface ValueInfoProto {
  name: string;
  type?: TypeProto;
  docString?: string;
}
export interface TensorProto {
  name: string;
  dims: number[];
  dataType: number;
  floatData: number[];
  int32Data: number[];
  int64Data: number[];
  doubleData: number[];
  rawData?: Uint8Array;
}
export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  floats: number[];
  ints: number[];
  strings: Uint8Array[];
}
export interface NodeProto {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain: string;
  attribute: AttributeProto[];
  docString?: string;
}
export interface GraphProto {
  node: NodeProto[];
  name: string;
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
  docString?: string;
}
export interface ModelProto {
  irVersion: number;
  opsetImport: OperatorSetIdProto[];
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  graph?: GraphProto;
  metadataProps: StringStringEntryProto[];
}

// ---------- encoding ----------

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;
const tag = (field: number, wire: number) => (field << 3) | wire;
const utf8 = new TextEncoder();

function str(w: Writer, field: number, v: string | undefined): void {
  if (v) w.uint32(tag(field, LEN)).string(v);
}
function msg<T>(w: Writer, field: number, v: T, enc: (w: Writer, v: T) => void): void {
  w.uint32(tag(field, LEN)).fork();
  enc(w, v);
  w.ldelim();
}
/** Packed repeated scalars ([packed = true] in onnx.proto's TensorProto). */
function packed(w: Writer, field: number, vs: readonly number[], put: (w: Writer, v: number) => void): void {
  if (!vs.length) return;
  w.uint32(tag(field, LEN)).fork();
  for (const v of vs) put(w, v);
  w.ldelim();
}

function encEntry(w: Writer, e: StringStringEntryProto): void {
  str(w, 1, e.key);
  str(w, 2, e.value);
}
function encOpset(w: Writer, o: OperatorSetIdProto): void {
  str(w, 1, o.domain);
  w.uint32(tag(2, VARINT)).int64(o.version);
}
function encShape(w: Writer, s: TensorShapeProto): void {
  for (const d of s.dim) {
    msg(w, 1, d, (w2, dim) => {
      if (dim.dimValue !== undefined) w2.uint32(tag(1, VARINT)).int64(dim.dimValue);
      else if (dim.dimParam !== undefined) w2.uint32(tag(2, LEN)).string(dim.dimParam);
    });
  }
}
function encType(w: Writer, t: TypeProto): void {
  if (t.tensorType) {
    msg(w, 1, t.tensorType, (w2, tt) => {
      w2.uint32(tag(1, VARINT)).int32(tt.elemType);
      if (tt.shape) msg(w2, 2, tt.shape, encShape);
    });
  }
  if (t.sequenceType) msg(w, 4, t.sequenceType, (w2, s) => s.elemType && msg(w2, 1, s.elemType, encType));
  if (t.mapType) {
    msg(w, 5, t.mapType, (w2, m) => {
      w2.uint32(tag(1, VARINT)).int32(m.keyType);
      if (m.valueType) msg(w2, 2, m.valueType, encType);
    });
  }
  str(w, 6, t.denotation);
}
function encValueInfo(w: Writer, v: ValueInfoProto): void {
  str(w, 1, v.name);
  if (v.type) msg(w, 2, v.type, encType);
  str(w, 3, v.docString);
}
function encTensor(w: Writer, t: TensorProto): void {
  for (const d of t.dims) w.uint32(tag(1, VARINT)).int64(d);
  w.uint32(tag(2, VARINT)).int32(t.dataType);
  packed(w, 4, t.floatData, (w2, v) => w2.float(v));
  packed(w, 5, t.int32Data, (w2, v) => w2.int32(v));
  packed(w, 7, t.int64Data, (w2, v) => w2.int64(v));
  str(w, 8, t.name);
  if (t.rawData) w.uint32(tag(9, LEN)).bytes(t.rawData);
  packed(w, 10, t.doubleData, (w2, v) => w2.double(v));
}
function encAttribute(w: Writer, a: AttributeProto): void {
  str(w, 1, a.name);
  if (a.f !== undefined) w.uint32(tag(2, I32)).float(a.f);
  if (a.i !== undefined) w.uint32(tag(3, VARINT)).int64(a.i);
  if (a.s !== undefined) w.uint32(tag(4, LEN)).bytes(a.s);
  if (a.t) msg(w, 5, a.t, encTensor);
  // AttributeProto's repeated fields are not packed in onnx.proto (proto2 default): write them expanded.
  for (const v of a.floats) w.uint32(tag(7, I32)).float(v);
  for (const v of a.ints) w.uint32(tag(8, VARINT)).int64(v);
  for (const v of a.strings) w.uint32(tag(9, LEN)).bytes(v);
  w.uint32(tag(20, VARINT)).int32(a.type);
}
function encNode(w: Writer, n: NodeProto): void {
  for (const i of n.input) w.uint32(tag(1, LEN)).string(i);
  for (const o of n.output) w.uint32(tag(2, LEN)).string(o);
  str(w, 3, n.name);
  str(w, 4, n.opType);
  for (const a of n.attribute) msg(w, 5, a, encAttribute);
  str(w, 6, n.docString);
  str(w, 7, n.domain);
}
function encGraph(w: Writer, g: GraphProto): void {
  for (const n of g.node) msg(w, 1, n, encNode);
  str(w, 2, g.name);
  for (const t of g.initializer) msg(w, 5, t, encTensor);
  str(w, 10, g.docString);
  for (const v of g.input) msg(w, 11, v, encValueInfo);
  for (const v of g.output) msg(w, 12, v, encValueInfo);
  for (const v of g.valueInfo) msg(w, 13, v, encValueInfo);
}

export function encodeModel(m: ModelProto): Uint8Array {
  // The plain Writer, not Writer.create(): with nodejs_compat, create() picks protobufjs' Node
  // BufferWriter, whose utf8Write call workerd's Buffer rejects for longer strings.
  const w = new Writer();
  w.uint32(tag(1, VARINT)).int64(m.irVersion);
  str(w, 2, m.producerName);
  str(w, 3, m.producerVersion);
  str(w, 4, m.domain);
  if (m.modelVersion) w.uint32(tag(5, VARINT)).int64(m.modelVersion);
  str(w, 6, m.docString);
  if (m.graph) msg(w, 7, m.graph, encGraph);
  for (const o of m.opsetImport) msg(w, 8, o, encOpset);
  for (const e of m.metadataProps) msg(w, 14, e, encEntry);
  // finish() may return a slice of protobufjs' shared slab: hand out an owned copy.
  return w.finish().slice();
}

// ---------- decoding ----------

/** Thrown for bytes that are not a well-formed protobuf message of the expected shape. */
export class OnnxDecodeError extends Error {}

function int64(r: Reader): number {
  const v: unknown = r.int64();
  if (typeof v === "number") return v;
  const long = v as { toNumber(): number };
  return long.toNumber();
}

/** Reads one length-delimited sub-message with `dec`, bounded to its own bytes. */
function sub<T>(r: Reader, dec: (r: Reader, end: number) => T): T {
  const len = r.uint32();
  const end = r.pos + len;
  if (end > r.len) throw new OnnxDecodeError("truncated message");
  const v = dec(r, end);
  r.pos = end;
  return v;
}
/** Reads a repeated scalar that may arrive packed (LEN) or expanded (one value per tag). */
function repeated(r: Reader, wire: number, read: () => number, into: number[]): void {
  if (wire === LEN) {
    const end = r.uint32() + r.pos;
    if (end > r.len) throw new OnnxDecodeError("truncated packed field");
    while (r.pos < end) into.push(read());
  } else into.push(read());
}

function loop(r: Reader, end: number, on: (field: number, wire: number) => boolean): void {
  while (r.pos < end) {
    const t = r.uint32();
    const field = t >>> 3;
    const wire = t & 7;
    if (field === 0) throw new OnnxDecodeError("field number 0");
    if (!on(field, wire)) r.skipType(wire);
  }
  if (r.pos !== end) throw new OnnxDecodeError("message overruns its length");
}

function decEntry(r: Reader, end: number): StringStringEntryProto {
  const e: StringStringEntryProto = { key: "", value: "" };
  loop(r, end, (f) => {
    if (f === 1) e.key = r.string();
    else if (f === 2) e.value = r.string();
    else return false;
    return true;
  });
  return e;
}
function decOpset(r: Reader, end: number): OperatorSetIdProto {
  const o: OperatorSetIdProto = { domain: "", version: 0 };
  loop(r, end, (f) => {
    if (f === 1) o.domain = r.string();
    else if (f === 2) o.version = int64(r);
    else return false;
    return true;
  });
  return o;
}
function decShape(r: Reader, end: number): TensorShapeProto {
  const s: TensorShapeProto = { dim: [] };
  loop(r, end, (f) => {
    if (f !== 1) return false;
    s.dim.push(
      sub(r, (r2, e2) => {
        const d: DimensionProto = {};
        loop(r2, e2, (f2) => {
          if (f2 === 1) d.dimValue = int64(r2);
          else if (f2 === 2) d.dimParam = r2.string();
          else return false;
          return true;
        });
        return d;
      }),
    );
    return true;
  });
  return s;
}
function decTensorType(r: Reader, end: number): { elemType: number; shape?: TensorShapeProto } {
  const t: { elemType: number; shape?: TensorShapeProto } = { elemType: 0 };
  loop(r, end, (f) => {
    if (f === 1) t.elemType = r.int32();
    else if (f === 2) t.shape = sub(r, decShape);
    else return false;
    return true;
  });
  return t;
}
function decElem(r: Reader, end: number): { elemType?: TypeProto } {
  const s: { elemType?: TypeProto } = {};
  loop(r, end, (f) => {
    if (f !== 1) return false;
    s.elemType = sub(r, decType);
    return true;
  });
  return s;
}
function decType(r: Reader, end: number): TypeProto {
  const t: TypeProto = {};
  loop(r, end, (f) => {
    if (f === 1) t.tensorType = sub(r, decTensorType);
    else if (f === 4) t.sequenceType = sub(r, decElem);
    else if (f === 5) {
      t.mapType = sub(r, (r2, e2) => {
        const m: { keyType: number; valueType?: TypeProto } = { keyType: 0 };
        loop(r2, e2, (f2) => {
          if (f2 === 1) m.keyType = r2.int32();
          else if (f2 === 2) m.valueType = sub(r2, decType);
          else return false;
          return true;
        });
        return m;
      });
    } else if (f === 6) t.denotation = r.string();
    else if (f === 8) t.sparseTensorType = sub(r, decTensorType);
    else if (f === 9) t.optionalType = sub(r, decElem);
    else return false;
    return true;
  });
  return t;
}
function decValueInfo(r: Reader, end: number): ValueInfoProto {
  const v: ValueInfoProto = { name: "" };
  loop(r, end, (f) => {
    if (f === 1) v.name = r.string();
    else if (f === 2) v.type = sub(r, decType);
    else if (f === 3) v.docString = r.string();
    else return false;
    return true;
  });
  return v;
}
function decTensor(r: Reader, end: number): TensorProto {
  const t: TensorProto = {
    name: "",
    dims: [],
    dataType: 0,
    floatData: [],
    int32Data: [],
    int64Data: [],
    doubleData: [],
  };
  loop(r, end, (f, wire) => {
    if (f === 1) repeated(r, wire, () => int64(r), t.dims);
    else if (f === 2) t.dataType = r.int32();
    else if (f === 4) repeated(r, wire, () => r.float(), t.floatData);
    else if (f === 5) repeated(r, wire, () => r.int32(), t.int32Data);
    else if (f === 7) repeated(r, wire, () => int64(r), t.int64Data);
    else if (f === 8) t.name = r.string();
    else if (f === 9) t.rawData = r.bytes();
    else if (f === 10) repeated(r, wire, () => r.double(), t.doubleData);
    else return false;
    return true;
  });
  return t;
}
function decAttribute(r: Reader, end: number): AttributeProto {
  const a: AttributeProto = { name: "", type: 0, floats: [], ints: [], strings: [] };
  loop(r, end, (f, wire) => {
    if (f === 1) a.name = r.string();
    else if (f === 2) a.f = r.float();
    else if (f === 3) a.i = int64(r);
    else if (f === 4) a.s = r.bytes();
    else if (f === 5) a.t = sub(r, decTensor);
    else if (f === 7) repeated(r, wire, () => r.float(), a.floats);
    else if (f === 8) repeated(r, wire, () => int64(r), a.ints);
    else if (f === 9) a.strings.push(r.bytes());
    else if (f === 20) a.type = r.int32();
    else return false;
    return true;
  });
  return a;
}
function decNode(r: Reader, end: number): NodeProto {
  const n: NodeProto = { input: [], output: [], name: "", opType: "", domain: "", attribute: [] };
  loop(r, end, (f) => {
    if (f === 1) n.input.push(r.string());
    else if (f === 2) n.output.push(r.string());
    else if (f === 3) n.name = r.string();
    else if (f === 4) n.opType = r.string();
    else if (f === 5) n.attribute.push(sub(r, decAttribute));
    else if (f === 6) n.docString = r.string();
    else if (f === 7) n.domain = r.string();
    else return false;
    return true;
  });
  return n;
}
function decGraph(r: Reader, end: number): GraphProto {
  const g: GraphProto = { node: [], name: "", initializer: [], input: [], output: [], valueInfo: [] };
  loop(r, end, (f) => {
    if (f === 1) g.node.push(sub(r, decNode));
    else if (f === 2) g.name = r.string();
    else if (f === 5) g.initializer.push(sub(r, decTensor));
    else if (f === 10) g.docString = r.string();
    else if (f === 11) g.input.push(sub(r, decValueInfo));
    else if (f === 12) g.output.push(sub(r, decValueInfo));
    else if (f === 13) g.valueInfo.push(sub(r, decValueInfo));
    else return false;
    return true;
  });
  return g;
}

/** Decodes an ONNX ModelProto; throws OnnxDecodeError (or a protobufjs RangeError) on malformed bytes. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const m: ModelProto = {
    irVersion: 0,
    opsetImport: [],
    producerName: "",
    producerVersion: "",
    domain: "",
    modelVersion: 0,
    docString: "",
    metadataProps: [],
  };
  const r = new Reader(bytes); // plain Reader for the same reason as encodeModel's Writer
  loop(r, r.len, (f) => {
    if (f === 1) m.irVersion = int64(r);
    else if (f === 2) m.producerName = r.string();
    else if (f === 3) m.producerVersion = r.string();
    else if (f === 4) m.domain = r.string();
    else if (f === 5) m.modelVersion = int64(r);
    else if (f === 6) m.docString = r.string();
    else if (f === 7) m.graph = sub(r, decGraph);
    else if (f === 8) m.opsetImport.push(sub(r, decOpset));
    else if (f === 14) m.metadataProps.push(sub(r, decEntry));
    else return false;
    return true;
  });
  return m;
}

export const bytesOf = (s: string): Uint8Array => utf8.encode(s);
