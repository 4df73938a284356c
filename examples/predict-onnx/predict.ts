// Tag clinical notes with a fine-tuned token-classification model on ONNX Runtime, and keep the exported graph.
//   npx tsx predict.ts <model dir> notes.jsonl [model.onnx]
import { readFile } from 'node:fs/promises';
import { exportModelDir, saveOnnx } from '@bcmb/onnx';
import { Predictor, type TokenPrediction } from '@bcmb/pipeline';

/** One line per note: its id and the entities found, as `label "text" [start, end)`. */
export async function tagNotes(modelDir: string, notesPath: string, onnxPath?: string): Promise<string[]> {
  if (onnxPath) await saveOnnx(await exportModelDir(modelDir), onnxPath);
  const notes = (await readFile(notesPath, 'utf8'))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { id: string; text: string });
  const predictor = await Predictor.load(modelDir, { engine: 'onnx' });
  try {
    const predictions = (await predictor.predict(notes.map((note) => note.text))) as TokenPrediction[];
    return predictions.map((prediction, i) => {
      const entities = prediction.entities.map((e) => `${e.label} "${e.text}" [${e.start}, ${e.end})`);
      return `${notes[i]?.id}: ${entities.join('; ') || '(no entities)'}`;
    });
  } finally {
    await predictor.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [modelDir, notesPath = 'notes.jsonl', onnxPath] = process.argv.slice(2);
  if (!modelDir) {
    console.error('usage: npx tsx predict.ts <model dir> [notes.jsonl] [model.onnx]');
    process.exit(1);
  }
  for (const line of await tagNotes(modelDir, notesPath, onnxPath)) console.log(line);
}
