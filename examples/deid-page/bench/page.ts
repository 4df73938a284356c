/// <reference lib="dom" />
// Runs in headless Chromium (see browser-throughput.ts): builds a full-size encoder with random weights from its
// published config, in the page, and times text → embeddings and text → token labels on onnxruntime-web (wasm).
import { parseConfigText } from '@bcmb/architectures/browser';
import {
  exportRandomEncoder,
  LAST_HIDDEN_STATE,
  LOGITS,
  runSequences,
  WebOnnxSession,
} from '@bcmb/onnx/browser';
import { createPipeline, sessionRunner } from '@bcmb/pipeline/browser';
import { tokenizerFromFiles } from '@bcmb/tokenizer/browser';

export interface BenchRequest {
  /** Served folder with config.json and the tokenizer files. */
  model: string;
  notes: string[];
  batchSize: number;
  /** Timed passes over the notes (after one untimed warm-up pass). */
  passes: number;
}

export interface BenchResult {
  model: string;
  threads: number;
  tokens: number;
  characters: number;
  buildSeconds: { tokenClassification: number; embeddings: number };
  /** Mean seconds per pass over the notes. */
  tokenClassificationSeconds: number[];
  embeddingSeconds: number[];
}

const DEID_LABELS = ['O', 'B-age', 'B-date', 'B-location', 'B-name', 'B-other', 'B-phone_nb'];

async function run(request: BenchRequest): Promise<BenchResult> {
  const base = new URL(`./${request.model}/`, location.href).href;
  const read = async (name: string) => {
    const response = await fetch(`${base}${name}`);
    return response.ok ? response.text() : undefined;
  };
  const configText = (await read('config.json')) as string;
  const tokenizer = await tokenizerFromFiles(read, { warn: () => {} });
  const threads = navigator.hardwareConcurrency;
  const session = async (task: 'base' | 'token-classification') => {
    const raw = JSON.parse(configText);
    const config = parseConfigText(
      JSON.stringify({ ...raw, id2label: Object.fromEntries(DEID_LABELS.map((label, i) => [i, label])) }),
    );
    const started = performance.now();
    const exported = exportRandomEncoder(config, { task, withHiddenState: task === 'base' });
    const created = await WebOnnxSession.create(exported, { device: 'wasm', threads, wasmPaths: '/ort/' });
    return { config, session: created, seconds: (performance.now() - started) / 1000 };
  };
  const maxLength = tokenizer.modelMaxLength > 10_000 ? 512 : tokenizer.modelMaxLength;
  const encode = () => request.notes.map((note) => tokenizer.encode(note, { truncation: true, maxLength }));
  const tokens = encode().reduce((sum, encoding) => sum + encoding.ids.length, 0);
  const characters = request.notes.reduce((sum, note) => sum + note.length, 0);

  const timePasses = async (pass: () => Promise<void>) => {
    await pass();
    const seconds: number[] = [];
    for (let i = 0; i < request.passes; i++) {
      const started = performance.now();
      await pass();
      seconds.push((performance.now() - started) / 1000);
    }
    return seconds;
  };

  const tagger = await session('token-classification');
  // The page's own path: pipeline() token classification (windows, aggregation) on the session.
  const ner = createPipeline({
    task: 'token-classification',
    config: tagger.config,
    tokenizer,
    runner: sessionRunner(tagger.session, LOGITS, { batchSize: request.batchSize }),
    maxLength,
    warn: () => {},
  });
  const tokenClassificationSeconds = await timePasses(async () => {
    await ner(request.notes, { aggregationStrategy: 'first' });
  });
  await ner.dispose();

  const embedder = await session('base');
  const hidden = embedder.config.hiddenSize;
  const embeddingSeconds = await timePasses(async () => {
    const encodings = encode();
    const outputs = await runSequences(
      embedder.session,
      encodings.map((e) => ({ inputIds: e.ids, tokenTypeIds: e.typeIds })),
      { batchSize: request.batchSize },
    );
    for (const output of outputs) {
      // Mean pooling over the note's tokens: one embedding per note.
      const states = output[LAST_HIDDEN_STATE] as Float32Array;
      const length = states.length / hidden;
      const embedding = new Float32Array(hidden);
      for (let t = 0; t < length; t++)
        for (let h = 0; h < hidden; h++) embedding[h]! += states[t * hidden + h]! / length;
    }
  });
  await embedder.session.release();

  return {
    model: request.model,
    threads,
    tokens,
    characters,
    buildSeconds: { tokenClassification: tagger.seconds, embeddings: embedder.seconds },
    tokenClassificationSeconds,
    embeddingSeconds,
  };
}

(globalThis as { runBench?: typeof run }).runBench = run;
document.body.dataset.ready = 'yes';
