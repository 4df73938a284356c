/**
 * A normalized piece of text that remembers, for each of its UTF-16 code units, the [start, end)
 * span of the source string it came from. This is the offset bookkeeping of the Rust library's
 * `NormalizedString`, kept in UTF-16 units (JavaScript string indices) instead of bytes.
 */
export class AlignedText {
  private constructor(
    readonly text: string,
    /** Source start per unit, or null for the identity mapping `unit i -> origin + i`. */
    private readonly starts: Int32Array | null,
    private readonly ends: Int32Array | null,
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
    return this.starts === null ? this.origin + unit : this.starts[unit]!;
  }

  sourceEnd(unit: number): number {
    return this.ends === null ? this.origin + unit + 1 : this.ends[unit]!;
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
    const text = this.text.slice(from, to);
    if (this.starts === null) return new AlignedText(text, null, null, this.origin + from);
    return new AlignedText(text, this.starts.subarray(from, to), this.ends!.subarray(from, to), 0);
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
  private parts: string[] = [];
  private starts: Int32Array;
  private ends: Int32Array;
  private size = 0;

  constructor(capacityHint: number) {
    const capacity = Math.max(16, capacityHint);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  /** Appends `piece`, every unit of which comes from the source span [start, end). */
  push(piece: string, start: number, end: number): void {
    this.reserve(piece.length);
    for (let i = 0; i < piece.length; i++) {
      this.starts[this.size] = start;
      this.ends[this.size] = end;
      this.size++;
    }
    this.parts.push(piece);
  }

  /** Appends units [from, to) of `source` unchanged, with their alignment. */
  copyFrom(source: AlignedText, from: number, to: number): void {
    this.reserve(to - from);
    for (let i = from; i < to; i++) {
      this.starts[this.size] = source.sourceStart(i);
      this.ends[this.size] = source.sourceEnd(i);
      this.size++;
    }
    this.parts.push(source.text.slice(from, to));
  }

  build(): AlignedText {
    const text = this.parts.join('');
    return AlignedText.fromAlignment(text, this.starts.slice(0, this.size), this.ends.slice(0, this.size));
  }

  private reserve(extra: number): void {
    if (this.size + extra <= this.starts.length) return;
    const capacity = Math.max(this.starts.length * 2, this.size + extra);
    const starts = new Int32Array(capacity);
    const ends = new Int32Array(capacity);
    starts.set(this.starts.subarray(0, this.size));
    ends.set(this.ends.subarray(0, this.size));
    this.starts = starts;
    this.ends = ends;
  }
}

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
