import type { PhiSpan } from './predict-spans.js';

/** `wasm`, `webgpu`, or `auto` (WebGPU when the browser has it, else wasm). */
export type WebDevice = 'wasm' | 'webgpu' | 'auto';

/** Page → worker. */
export type Request =
  | { type: 'load'; modelUrl: string; device: WebDevice }
  | { type: 'load'; files: File[]; device: WebDevice }
  | { type: 'predict'; id: number; text: string };

/** Worker → page. */
export type Reply =
  | { type: 'loaded'; source: string; labels: string[]; device: string }
  | { type: 'spans'; id: number; spans: PhiSpan[]; milliseconds: number }
  | { type: 'error'; id?: number; message: string };
