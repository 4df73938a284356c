/**
 * Offsets come out in UTF-16 code units, the indices of JavaScript strings, so
 * `text.slice(start, end)` is the token's source text. Python (transformers' `offset_mapping`)
 * and the Rust library count Unicode code points instead; these convert between the two.
 */

/** UTF-16 [start, end) spans of `text` → code-point spans (what transformers reports). */
export function toCodePointOffsets(
  text: string,
  offsets: ReadonlyArray<readonly [number, number]>,
): Array<[number, number]> {
  const index = codePointIndex(text);
  return offsets.map(([start, end]) => [index[start]!, index[end]!]);
}

/** Code-point [start, end) spans of `text` → UTF-16 spans (for `String.prototype.slice`). */
export function toUtf16Offsets(
  text: string,
  offsets: ReadonlyArray<readonly [number, number]>,
): Array<[number, number]> {
  const units: number[] = [0];
  for (let unit = 0; unit < text.length; ) {
    unit += text.codePointAt(unit)! > 0xffff ? 2 : 1;
    units.push(unit);
  }
  return offsets.map(([start, end]) => [units[start]!, units[end]!]);
}

/** For each UTF-16 index 0..length, the code-point index it falls at. */
function codePointIndex(text: string): Int32Array {
  const index = new Int32Array(text.length + 1);
  let codePoints = 0;
  for (let unit = 0; unit < text.length; ) {
    const width = text.codePointAt(unit)! > 0xffff ? 2 : 1;
    index[unit] = codePoints;
    if (width === 2) index[unit + 1] = codePoints;
    unit += width;
    codePoints++;
  }
  index[text.length] = codePoints;
  return index;
}
