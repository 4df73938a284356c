// Tokenize a clinical note the way the research code does (AutoTokenizer with add_prefix_space=True,
// truncation at the research max_length) and show the note text each token's offsets point at —
// what maps NER predictions back to character spans.
//   npx tsx note-spans.ts path/to/model-dir "Pt c/o SOB, BP 142/88."
import { loadTokenizer, researchMaxLength } from '@bcmb/tokenizer';

/** One line per token: word id, token, and the slice of the note its offsets cover. */
export async function tokenTable(modelDir: string, note: string): Promise<string> {
  const tokenizer = await loadTokenizer(modelDir, { addPrefixSpace: true });
  const maxLength = researchMaxLength(tokenizer.modelMaxLength);
  const { tokens, offsets, wordIds } = tokenizer.encode(note, { truncation: true, maxLength });
  return tokens
    .map((token, i) => {
      const [start, end] = offsets[i]!;
      const word = wordIds[i] === null ? '-' : String(wordIds[i]);
      return `${word.padStart(3)}  ${token.padEnd(10)} ${JSON.stringify(note.slice(start, end))}`;
    })
    .join('\n');
}

const [modelDir, note] = process.argv.slice(2);
if (modelDir !== undefined) console.log(await tokenTable(modelDir, note ?? 'Pt c/o SOB, BP 142/88.'));
