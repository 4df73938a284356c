export { type Compression, parseCompression } from './compression.js';
export { type ColumnCoder, columnCoder, type MdsValue, SUPPORTED_ENCODINGS } from './encodings.js';
export { MdsEncodeError, MdsFormatError } from './errors.js';
export { hashHex, isHashAlgorithm } from './hashing.js';
export {
  INDEX_BASENAME,
  type MdsFileInfo,
  type MdsIndex,
  type MdsShardConfig,
  type MdsShardInfo,
  serializeIndex,
} from './index-file.js';
export type { NdArray, NdData, NdDtype } from './ndarray.js';
export { pythonJsonDumps } from './python-json.js';
export { MdsDataset, type MdsReaderOptions, type MdsSample } from './reader.js';
export { DEFAULT_SIZE_LIMIT, parseSizeLimit } from './size-limit.js';
export { MdsWriter, type MdsWriterOptions } from './writer.js';
