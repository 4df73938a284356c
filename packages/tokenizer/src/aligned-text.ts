/**
 * A normalized piece of text that remembers, for each of its UTF-16 code units, the [start, end)
 * span of the source string it came from. This is the offset bookkeeping of the Rust library's
 * `NormalizedString`, kept in UTF-16 units (JavaScript string indices) instead of bytes.
 */
export class AlignedText {
  private constructor(
    readonly text: string,
    /** Source start per unit (at `origin + unit`), or null for the identity mapping `unit i -> origin + i`. */
    private readonly starts: Int32Array | null,
    private readonly ends: Int32Array | null,
    /** Identity: the source index of unit 0. Otherwise: the index of unit 0 in `starts`/`ends` (slices share them). */
    private readonly origin: number,
  ) {}

  /** Text that has not been transformed: unit i comes from `origin + i`. */
  static identity(text: string, origin = 0): AlignedText {
    return new AlignedText(text, null, null, origin);
  }

  /** Text whose unit i comes from the source span [starts[i], ends[i]). */
  static fromAlignment(text: string, starts: Int32Array, ends: Int32Array): AlignedText {
    return new AlignedText(text, starts, ends, 0);
  }

  get length(): number {
    return this.text.length;
  }

  sourceStart(unit: number): number {
    return this.starts === null ? this.origin + unit : this.starts[this.origin + unit]!;
  }

  sourceEnd(unit: number): number {
    return this.ends === null ? this.origin + unit + 1 : this.ends[this.origin + unit]!;
  }

  /** Source span covered by the normalized units [from, to); `to > from`. */
  sourceSpan(from: number, to: number): [number, number] {
    return [this.sourceStart(from), this.sourceEnd(to - 1)];
  }

  /** Same alignment for a text of the same length (a one-unit-for-one-unit change). */
  withText(text: string): AlignedText {
    return new AlignedText(text, this.starts, this.ends, this.origin);
  }

  slice(from: number, to: number): AlignedText {
    if (from === 0 && to === this.text.length) return this;
    return new AlignedText(this.text.slice(from, to), this.starts, this.ends, this.origin + from);
  }

  /** Same text with `prefix` in front, aligned to the first code point (Rust `NormalizedString::prepend`). */
  prepend(prefix: string): AlignedText {
    if (this.text.length === 0) return this;
    const firstUnits = isHighSurrogate(this.text.charCodeAt(0)) && this.text.length > 1 ? 2 : 1;
    const builder = new AlignedTextBuilder(this.text.length + prefix.length);
    builder.push(prefix, this.sourceStart(0), this.sourceEnd(firstUnits - 1));
    builder.copyFrom(this, 0, this.text.length);
    return builder.build();
  }
}

/** Accumulates transformed text with the source span of every pushed piece. */
export class AlignedTextBuilder {
  private units: Uint16Array;
  private starts: Int32Array;
  private ends: Int32Array;
  private size = 0;

  constructor(capacityHint: number) {
    const capacity = Math.max(16, capacityHint);
    this.units = new Uint16Array(capacity);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  /** Appends one UTF-16 unit that comes from the source span [start, end). */
  pushUnit(unit: number, start: number, end: number): void {
    if (this.size === this.units.length) this.reserve(1);
    this.units[this.size] = unit;
    this.starts[this.size] = start;
    this.ends[this.size] = end;
    this.size++;
  }

  /** Appends `piece`, every unit of which comes from the source span [start, end). */
  push(piece: string, start: number, end: number): void {
    for (let i = 0; i < piece.length; i++) this.pushUnit(piece.charCodeAt(i), start, end);
  }

  /** Appends units [from, to) of `source` unchanged, with their alignment. */
  copyFrom(source: AlignedText, from: number, to: number): void {
    for (let i = from; i < to; i++)
      this.pushUnit(source.text.charCodeAt(i), source.sourceStart(i), source.sourceEnd(i));
  }

  build(): AlignedText {
    let text = '';
    // fromCharCode in chunks: an argument list has a size limit.
    for (let i = 0; i < this.size; i += STRING_CHUNK) {
      text += String.fromCharCode.apply(
        null,
        this.units.subarray(i, Math.min(i + STRING_CHUNK, this.size)) as unknown as number[],
      );
    }
    // The arrays are handed over, not copied: the builder is not used after build().
    return AlignedText.fromAlignment(text, this.starts, this.ends);
  }

  private reserve(extra: number): void {
    const capacity = Math.max(this.units.length * 2, this.size + extra);
    const grow = <T extends Uint16Array | Int32Array>(old: T, created: T): T => {
      created.set(old.subarray(0, this.size) as never);
      return created;
    };
    this.units = grow(this.units, new Uint16Array(capacity));
    this.starts = grow(this.starts, new Int32Array(capacity));
    this.ends = grow(this.ends, new Int32Array(capacity));
  }
}

const STRING_CHUNK = 8192;

export function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Calls `visit(codePoint, unitStart, unitLength)` for each code point of `text`, the way the
 * Rust normalizers walk `chars()`.
 */
export function forEachCodePoint(
  text: string,
  visit: (codePoint: number, unit: number, units: number) => void,
): void {
  for (let i = 0; i < text.length; ) {
    const codePoint = text.codePointAt(i)!;
    const units = codePoint > 0xffff ? 2 : 1;
    visit(codePoint, i, units);
    i += units;
  }
}
