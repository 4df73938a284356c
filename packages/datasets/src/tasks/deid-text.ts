import { splitExamples } from '../apply-split.js';
import { DatasetFormatError, type RawFileSource } from '../errors.js';
import { type DeidRecord, parseDeidRecords } from '../formats/deid-records.js';
import { encodeLabels, labelIndex } from '../labels.js';
import { decodePythonText, pySplit, pyStrip, universalNewlines } from '../python-text.js';
import type { SplitRecipe } from '../split/index.js';
import type { DatasetSplits, DatasetWarning, TokenExample } from '../types.js';

/** research `DEID.id2label`, in id order. */
export const DEID_LABELS = [
  'O',
  'B-age',
  'B-date',
  'B-location',
  'B-name',
  'B-other',
  'B-phone_nb',
  'I-age',
  'I-date',
  'I-location',
  'I-name',
  'I-other',
  'I-phone_nb',
] as const;

export type DeidCategory = 'age' | 'date' | 'location' | 'name' | 'other' | 'phone_nb';

/** research `DEID.preprocess_data`: scikit-learn train_test_split(0.30, random_state 42), then the 30% halved. */
export const DEID_SPLIT: SplitRecipe = {
  method: 'sklearn',
  seed: 42,
  firstTestSize: 0.3,
  secondTestSize: 0.5,
  layout: 'holdout-halves',
};

export const DEID_SOURCE: RawFileSource = {
  publisher: 'PhysioNet, "Deidentified Medical Text" (free account)',
  url: 'https://www.physionet.org/content/deidentifiedmedicaltext/1.0/',
  note: 'It ships id.text (the notes) and id.res (the same notes with PHI masked as [**…**]).',
};

const LOCATION_KEYWORDS = ['hospital', 'street address', 'unit number'];
// Python's `\d` in a str pattern is any Unicode decimal digit.
const DATE_SHAPES = [
  /^\p{Nd}+$/u,
  /^\p{Nd}{1,2}-\p{Nd}{1,2}$/u,
  /^\p{Nd}{4}$/u,
  /^\p{Nd}{4}-\p{Nd}{2}-\p{Nd}{2}$/u,
];

/** research `DEID.map_mask`: the PHI category of a `[**…**]` mask by the research rules, or null when none fits. */
export function mapDeidMask(mask: string): DeidCategory | null {
  const content = pyStrip(mask.slice(3, -3));
  const lower = content.toLowerCase();
  const has = (...needles: string[]) => needles.some((needle) => lower.includes(needle));
  if (has('name')) return 'name';
  if (has('e-mail address', 'email address')) return 'other';
  if (has('telephone/fax', 'pager number')) return 'phone_nb';
  if (has('age over')) return 'age';
  if (has('location', ...LOCATION_KEYWORDS)) return 'location';
  if (DATE_SHAPES.some((shape) => shape.test(content)) || has('date range', 'month/year')) return 'date';
  if (content === '' || has('company')) return 'other';
  return null;
}

const MARKERS = ['START_OF_RECORD=', '||||END_OF_RECORD'];
const HEADER = /^\p{Nd}+\|\|\|\|\p{Nd}+\|\|\|\|/u;
// Python's `.` matches anything but `\n`.
const MASK_SEGMENT = /(\[\*\*[^\n]*?\*\*\])/;

function cleanRecord(text: string): string {
  let cleaned = text;
  for (const marker of MARKERS) cleaned = cleaned.replaceAll(marker, '');
  return pyStrip(cleaned.replace(HEADER, '')).replaceAll('\n', ' ');
}

/** Where a record sits, for messages. */
export interface DeidRecordRef {
  /** e.g. `record 17`. */
  name: string;
  file?: string;
  line?: number;
}

/** What `processDeidRecord` noticed besides the tokens. */
export interface DeidRecordResult {
  pairs: [token: string, tag: string][];
  /** Masks whose following plain text was not found in id.text (the PHI span then runs to the record's end). */
  unmatchedPlainText: number;
}

/**
 * research `DEID.process_record`: walks id.text along the masked id.res; plain words are `O`, the words of
 * id.text covered by a mask are `B-<cat>` / `I-<cat>` (bare `B` / `I` when the mask has no category). The span
 * of a mask ends where the next plain segment is found in id.text.
 *
 * Divergences (the research code silently corrupts or crashes): two masks with nothing between them and a
 * record without any word throw a `DatasetFormatError` naming the record.
 */
export function processDeidRecord(
  textRecord: string,
  resRecord: string,
  ref: DeidRecordRef,
): DeidRecordResult {
  const text = cleanRecord(textRecord);
  const segments = cleanRecord(resRecord).split(MASK_SEGMENT);
  const pairs: [string, string][] = [];
  let unmatchedPlainText = 0;
  let pointer = 0;
  segments.forEach((segment, i) => {
    if (i % 2 === 0) {
      for (const token of pySplit(segment)) pairs.push([token, 'O']);
      pointer += segment.length;
      return;
    }
    const next = segments[i + 1] ?? '';
    if (next === '' && i + 1 < segments.length - 1) {
      throw new DatasetFormatError(
        `DEID ${ref.name} has two adjacent masks (${segment}${segments[i + 2]}) with no text between them`,
        {
          file: ref.file,
          line: ref.line,
          hint: 'The research loader would tag the rest of the record as this PHI; the split between the masks cannot be recovered',
        },
      );
    }
    let end = text.length;
    if (next !== '') {
      const found = text.indexOf(next, pointer);
      if (found === -1) unmatchedPlainText += 1;
      else end = found;
    }
    const category = mapDeidMask(segment);
    pySplit(text.slice(pointer, end)).forEach((token, k) => {
      const prefix = k === 0 ? 'B' : 'I';
      pairs.push([token, category === null ? prefix : `${prefix}-${category}`]);
    });
    pointer = end;
  });
  if (pairs.length === 0) {
    throw new DatasetFormatError(`DEID ${ref.name} has no words`, {
      file: ref.file,
      line: ref.line,
      hint: 'The research loader crashes on an empty record (zip(*[])); remove it from both id.text and id.res',
    });
  }
  return { pairs, unmatchedPlainText };
}

function recordRef(index: number, res: DeidRecord, resPath: string): DeidRecordRef {
  return { name: `record ${index}`, file: resPath, line: res.line };
}

/**
 * research `DEID.preprocess_data` on the contents of id.text and id.res (from files, a fetch, or `Blob.text()`):
 * token examples with BIO tags, split 70/15/15 exactly as the research code does. `resPath` names id.res in
 * messages.
 */
export function deidSplitsFromText(
  idText: string,
  idRes: string,
  resPath = 'id.res',
): DatasetSplits<TokenExample> {
  // Python text mode: \r\n and \r read as \n (a no-op on text read by readPythonText).
  const texts = parseDeidRecords(universalNewlines(idText));
  const masked = parseDeidRecords(universalNewlines(idRes));
  if (texts.length !== masked.length) {
    throw new DatasetFormatError(`id.text has ${texts.length} records but id.res has ${masked.length}`, {
      file: resPath,
      hint: 'Both files must come from the same deid release, record for record',
    });
  }
  const index = labelIndex(DEID_LABELS);
  const warnings: DatasetWarning[] = [];
  const examples = texts.map((text, i): TokenExample => {
    const res = masked[i]!;
    const ref = recordRef(i, res, resPath);
    const { pairs, unmatchedPlainText } = processDeidRecord(text.text, res.text, ref);
    if (unmatchedPlainText > 0) {
      warnings.push({
        code: 'deid_plain_text_not_found',
        message: `${ref.name}: ${unmatchedPlainText} mask(s) whose following text is not in id.text; tagged to the record's end as the research loader does`,
        file: resPath,
        line: res.line,
      });
    }
    const tags = pairs.map(([, tag]) => tag);
    return { tokens: pairs.map(([token]) => token), nerTags: encodeLabels(tags, index, ref.name, ref) };
  });
  return { ...splitExamples(examples, DEID_SPLIT), labelNames: [...DEID_LABELS], warnings };
}

/** `deidSplitsFromText` on id.text and id.res given as `Blob`s or `File`s (a browser's picked files), decoded as strict UTF-8. */
export async function deidSplitsFromBlobs(idText: Blob, idRes: Blob): Promise<DatasetSplits<TokenExample>> {
  const decode = async (blob: Blob, name: string) =>
    decodePythonText(new Uint8Array(await blob.arrayBuffer()), (blob as { name?: string }).name ?? name);
  return deidSplitsFromText(
    await decode(idText, 'id.text'),
    await decode(idRes, 'id.res'),
    (idRes as { name?: string }).name ?? 'id.res',
  );
}
