// Tag clinical notes with a fine-tuned token-classification model on ONNX Runtime, and keep the exported graph.
//   npx tsx predict.ts <model dir> notes.jsonl [model.onnx]
import { readFile } from 'node:fs/promises';
import { exportModelDir, saveOnnx } from '@bcmb/onnx';
import { type EntityGroup, pipeline } from '@bcmb/pipeline';

/** One line per note: its id and the entities found, as `label "text" [start, end)`. */
export async function tagNotes(modelDir: string, notesPath: string, onnxPath?: string): Promise<string[]> {
  if (onnxPath) await saveOnnx(await exportModelDir(modelDir), onnxPath);
  const notes = (await readFile(notesPath, 'utf8'))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { id: string; text: string });
  // A local folder or a hub id; long notes are read in overlapping windows.
  const ner = await pipeline('token-classification', modelDir, {
    engine: 'onnx',
    aggregationStrategy: 'first',
  });
  try {
    const predictions = (await ner(notes.map((note) => note.text))) as EntityGroup[][];
    return predictions.map((entities, i) => {
      const text = notes[i]?.text ?? '';
      const spans = entities.map(
        (e) => `${e.entity_group} "${text.slice(e.start, e.end)}" [${e.start}, ${e.end})`,
      );
      return `${notes[i]?.id}: ${spans.join('; ') || '(no entities)'}`;
    });
  } finally {
    await ner.dispose();
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
