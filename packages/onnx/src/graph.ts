import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
export type ModelProto = InstanceType<typeof onnx.ModelProto>;

/** Standard-domain opset: 17 is the first with LayerNormalization, and ORT 1.30 runs it fully. */
export const ONNX_OPSET = 17;
/** ONNX Runtime's contrib domain (MultiHeadAttention, Gelu, RotaryEmbedding, DynamicQuantizeMatMul, …). */
export const MS_DOMAIN = 'com.microsoft';
/** IR version 8 is what ONNX 1.10 (onnx-proto's schema) writes and what opset 17 needs at least. */
const IR_VERSION = 8;

const { DataType } = onnx.TensorProto;
export type ElementType = 'float32' | 'int8' | 'int32' | 'int64' | 'float64' | 'bool';

const ELEMENT_TYPE: Record<ElementType, number> = {
  float32: DataType.FLOAT,
  int8: DataType.INT8,
  int32: DataType.INT32,
  int64: DataType.INT64,
  float64: DataType.DOUBLE,
  bool: DataType.BOOL,
};

type TypedData = Float32Array | Int8Array | Int32Array | BigInt64Array | Float64Array;

/** A node as the builder recorded it (read access for graph transforms such as autodiff). */
export interface GraphNode {
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  /** Mutable so a transform can ask for a node's optional outputs (LayerNormalization's Mean, InvStdDev). */
  outputs: string[];
  readonly attrs: Readonly<Record<string, AttributeValue>>;
}

/** A graph input or initializer as declared: element type, dims, and for initializers the data. */
export interface TensorInfo {
  readonly type: ElementType;
  readonly dims: readonly Dim[];
  readonly data?: TypedData;
}
export type AttributeValue = number | string | number[] | { float: number };

/** A symbolic (`'batch'`) or fixed dimension of a graph input or output. */
export type Dim = string | number;

function valueInfo(name: string, type: ElementType, dims: readonly Dim[]) {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEMENT_TYPE[type],
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue) {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'string')
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if (typeof value === 'object') return { name, type: AttributeType.FLOAT, f: value.float };
  return Number.isInteger(value)
    ? { name, type: AttributeType.INT, i: value }
    : { name, type: AttributeType.FLOAT, f: value };
}

/**
 * Builds one ONNX graph: nodes in topological order (callers emit them in evaluation order), initializers
 * stored as raw little-endian bytes, unique value names generated from a readable prefix.
 */
export class GraphBuilder {
  private readonly nodes: object[] = [];
  private readonly initializers: object[] = [];
  private readonly inputs: object[] = [];
  private readonly outputs: object[] = [];
  private readonly used = new Set<string>();
  private readonly constants = new Map<string, string>();
  private readonly records: GraphNode[] = [];
  private readonly tensors = new Map<string, TensorInfo>();

  /** The nodes appended so far, in evaluation order. */
  nodeList(): readonly GraphNode[] {
    return this.records;
  }

  /** Type, dims (and data for initializers) of a graph input or initializer; undefined for node outputs. */
  tensorInfo(name: string): TensorInfo | undefined {
    return this.tensors.get(name);
  }

  /** A fresh value name starting with `hint`. */
  name(hint: string): string {
    let candidate = hint;
    for (let i = 1; this.used.has(candidate); i++) candidate = `${hint}_${i}`;
    this.used.add(candidate);
    return candidate;
  }

  input(name: string, type: ElementType, dims: readonly Dim[]): string {
    this.used.add(name);
    this.inputs.push(valueInfo(name, type, dims));
    this.tensors.set(name, { type, dims: [...dims] });
    return name;
  }

  output(value: string, name: string, type: ElementType, dims: readonly Dim[]): void {
    const outputName = value === name ? value : (this.op('Identity', [value], { name })[0] as string);
    this.outputs.push(valueInfo(outputName, type, dims));
  }

  /** Adds a weight. The array is copied into the model only when it is serialised. */
  initializer(hint: string, dims: readonly number[], data: TypedData, type?: ElementType): string {
    const name = this.name(hint);
    const elementType =
      type ??
      (data instanceof Float32Array
        ? 'float32'
        : data instanceof Int8Array
          ? 'int8'
          : data instanceof Int32Array
            ? 'int32'
            : data instanceof Float64Array
              ? 'float64'
              : 'int64');
    this.tensors.set(name, { type: elementType, dims: [...dims], data });
    this.initializers.push({
      name,
      dims: [...dims],
      dataType: ELEMENT_TYPE[elementType],
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  /** A small constant, shared by every node that asks for the same value. */
  constInt64(values: readonly number[], scalar = false): string {
    const key = `i64:${scalar}:${values.join(',')}`;
    let name = this.constants.get(key);
    if (name === undefined) {
      name = this.initializer('const', scalar ? [] : [values.length], BigInt64Array.from(values, BigInt));
      this.constants.set(key, name);
    }
    return name;
  }

  constFloat(values: readonly number[], scalar = false): string {
    const key = `f32:${scalar}:${values.join(',')}`;
    let name = this.constants.get(key);
    if (name === undefined) {
      name = this.initializer('constf', scalar ? [] : [values.length], Float32Array.from(values));
      this.constants.set(key, name);
    }
    return name;
  }

  /**
   * Appends a node and returns its output names. `outputs` is a count (fresh names from the op type) or the
   * names to use; an empty string in `inputs` marks an omitted optional input.
   */
  op(
    opType: string,
    inputs: readonly string[],
    options: {
      attrs?: Record<string, AttributeValue>;
      outputs?: number | readonly string[];
      domain?: string;
      name?: string;
    } = {},
  ): string[] {
    const { attrs = {}, outputs = 1, domain = '' } = options;
    const outputNames =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, (_, i) =>
            options.name !== undefined && i === 0 ? this.name(options.name) : this.name(opType),
          )
        : [...outputs];
    const node = {
      opType,
      domain,
      name: this.name(`n_${opType}`),
      input: [...inputs],
      output: outputNames,
      attribute: Object.entries(attrs).map(([name, value]) => attribute(name, value)),
    };
    this.nodes.push(node);
    this.records.push({
      opType,
      domain,
      inputs: node.input,
      get outputs() {
        return node.output;
      },
      set outputs(names: string[]) {
        node.output = names;
      },
      attrs,
    });
    return outputNames;
  }

  /** `op` for single-output nodes. */
  one(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, AttributeValue> = {},
    domain = '',
  ): string {
    return this.op(opType, inputs, { attrs, domain })[0] as string;
  }

  build(graphName: string, docString: string): ModelProto {
    return onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: 'bcmb',
      producerVersion: '0',
      docString,
      opsetImport: [
        { domain: '', version: ONNX_OPSET },
        { domain: MS_DOMAIN, version: 1 },
      ],
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
  }
}

/** The protobuf bytes of a model (what a `.onnx` file holds). */
export function serializeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** Parses `.onnx` bytes back into a ModelProto (inspection, tests). */
export function parseModel(bytes: Uint8Array): ModelProto {
  return onnx.ModelProto.decode(bytes);
}
