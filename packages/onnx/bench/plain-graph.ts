/**
 * A same-sitting stand-in for the transformers.js route: the family's forward on standard ONNX ops only, the way
 * `torch.onnx.export` traces `transformers`' eager code (full L × L masks on every layer, RoPE by rotate_half,
 * erf GELU, padded batches), int8 as `quantize_dynamic` writes it. ORT then applies its own fusions at level
 * `all`, as it does to the real export. The anchor machine was idle and ours is shared, so the bench runs this
 * graph alternately with bcmb's to compare the two under the same load.
 */
import type { EncoderConfig } from '@bcmb/architectures';
import { exportRandomEncoder } from '../src/export.js';
import type { ModelProto } from '../src/graph.js';

export function exportPlainEncoder(
  config: EncoderConfig,
  { quantize = false }: { quantize?: boolean } = {},
): ModelProto {
  return exportRandomEncoder(config, { task: 'base', quantize, kernels: 'standard', unpad: false, seed: 42 })
    .proto;
}
