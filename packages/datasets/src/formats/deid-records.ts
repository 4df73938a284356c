/** One `START_OF_RECORD=…||||END_OF_RECORD` block of a PhysioNet deid file. */
export interface DeidRecord {
  /** The whole block, markers included, as the research regex captures it. */
  text: string;
  /** 1-based line where the block starts. */
  line: number;
}

const RECORD = /START_OF_RECORD=[\s\S]*?\|\|\|\|END_OF_RECORD/g;

/** research `DEID.load_records`: every record block in file order (non-greedy, across newlines). */
export function parseDeidRecords(content: string): DeidRecord[] {
  const records: DeidRecord[] = [];
  let line = 1;
  let scanned = 0;
  for (const match of content.matchAll(RECORD)) {
    line += countNewlines(content, scanned, match.index);
    scanned = match.index;
    records.push({ text: match[0], line });
  }
  return records;
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) count += 1;
  return count;
}
