/// <reference lib="webworker" />
// Runs the model off the page's thread: loading (fetch or picked files, graph building) and inference.
import { modelFilesFromBlobs, modelFilesFromUrl, webPipeline } from '@bcmb/pipeline/browser';
import { predictSpans } from './predict-spans.js';
import type { Reply, Request } from './protocol.js';

declare const self: DedicatedWorkerGlobalScope;

/** onnxruntime-web's runtime files, copied beside the bundle by build.ts. */
const WASM_PATHS = new URL('./ort/', self.location.href).href;

let predictor: ReturnType<typeof webPipeline<'token-classification'>> | undefined;

const reply = (message: Reply) => self.postMessage(message);
/** The message and its causes, so a failure inside onnxruntime-web reads in full. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause === undefined ? error.message : `${error.message} (because: ${describe(error.cause)})`;
}

self.onmessage = async ({ data }: MessageEvent<Request>) => {
  if (data.type === 'load') {
    const previous = predictor;
    const files =
      'files' in data
        ? modelFilesFromBlobs(data.files, 'picked folder/')
        : modelFilesFromUrl(new URL(data.modelUrl, self.location.href).href);
    predictor = webPipeline('token-classification', files, { wasmPaths: WASM_PATHS, device: data.device });
    try {
      const loaded = await predictor;
      await (await previous?.catch(() => undefined))?.dispose();
      reply({
        type: 'loaded',
        source: files.source,
        labels: Object.values(loaded.config.id2label),
        device: loaded.device,
      });
    } catch (error) {
      reply({ type: 'error', message: describe(error) });
    }
    return;
  }
  try {
    if (predictor === undefined) throw new Error('no model loaded yet');
    const started = performance.now();
    const spans = await predictSpans(await predictor, data.text);
    reply({ type: 'spans', id: data.id, spans, milliseconds: performance.now() - started });
  } catch (error) {
    reply({ type: 'error', id: data.id, message: describe(error) });
  }
};
