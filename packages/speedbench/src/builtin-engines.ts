import type { EngineRegistration } from './engine.js';

/** The engines bcmb ships; ONNX Runtime and others join through `registerEngine`. */
export function builtinEngines(): EngineRegistration[] {
  return [];
}
