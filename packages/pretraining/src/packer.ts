/** One outgoing batch of the packer: `rows` packed sequences of `rowLength` tokens each, padded at the end. */
export interface PackedBatch {
  /** Row-major [rows, rowLength] token ids, `padTokenId` where nothing was packed. */
  ids: Int32Array;
  rows: number;
  rowLength: number;
  /** Per row: start of each packed sequence, then its end, then `rowLength` if the row is padded. */
  cuSeqlens: number[][];
  /** Number of sequences packed. */
  sequences: number;
}

export interface GreedyBestFitOptions {
  /** Incoming batch size (ModernBERT: the device batch size, global_train_batch_size on one device). */
  srcBatchSize: number;
  /** Packed sequences per outgoing batch (batch_size / micro_batch_size): one per micro-batch. */
  outBatchSize: number;
  /** Tokens per packed sequence (micro_batch_size * max_seq_len). */
  outPseqLen: number;
  /** Sequences buffered (ModernBERT default: 5 * device batch size). */
  bufferSize: number;
  padTokenId: number;
}

/**
 * ModernBERT `GreedyBestFitSequencePacker._create_batch` (src/sequence_packer.py): pops buffered sequences in order
 * and puts each into the row with the smallest remaining space that fits it (first such row on ties); sequences that
 * fit nowhere are set aside and put back at the FRONT of the buffer in reverse order (`deque.extendleft`). The buffer
 * is refilled one incoming batch at a time while `bufferSize - len(buffer) > srcBatchSize` and the set-aside count
 * allows. A batch is emitted only if every row got at least one sequence; otherwise the epoch ends.
 */
export class GreedyBestFitPacker {
  private readonly options: GreedyBestFitOptions;
  private readonly source: AsyncIterator<Int32Array[]>;
  private buffer: Int32Array[] = [];
  private head = 0;
  private exhausted = false;

  constructor(source: AsyncIterator<Int32Array[]> | Iterator<Int32Array[]>, options: GreedyBestFitOptions) {
    if (options.bufferSize < options.outBatchSize) {
      throw new RangeError(
        `bufferSize ${options.bufferSize} must be >= outBatchSize ${options.outBatchSize}`,
      );
    }
    this.options = options;
    this.source = source as AsyncIterator<Int32Array[]>;
  }

  private get buffered(): number {
    return this.buffer.length - this.head;
  }

  /** `_fill_buffer(max_items_to_add)`: whole incoming batches; empty sequences are skipped. */
  private async fill(maxItems: number): Promise<number> {
    let added = 0;
    const { bufferSize, srcBatchSize } = this.options;
    while (bufferSize - this.buffered > srcBatchSize) {
      if (Number.isFinite(maxItems) && added + srcBatchSize > maxItems) break;
      if (this.exhausted) break;
      const next = await this.source.next();
      if (next.done === true) {
        this.exhausted = true;
        break;
      }
      if (next.value.length > srcBatchSize) {
        throw new RangeError(`incoming batch of ${next.value.length} > srcBatchSize ${srcBatchSize}`);
      }
      for (const seq of next.value) {
        if (seq.length > 0) {
          this.buffer.push(seq);
          added++;
        }
      }
    }
    return added;
  }

  /** The next packed batch, or null when no full batch can be formed (end of epoch). */
  async next(): Promise<PackedBatch | null> {
    const { outBatchSize: rows, outPseqLen: rowLength, padTokenId, bufferSize } = this.options;
    const ids = new Int32Array(rows * rowLength).fill(padTokenId);
    const counts = new Int32Array(rows);
    const cuSeqlens = Array.from({ length: rows }, () => [0]);
    const remaining = new Int32Array(rows).fill(rowLength);
    const setAside: Int32Array[] = [];
    for (;;) {
      if (this.buffered === 0) {
        this.buffer = [];
        this.head = 0;
        if ((await this.fill(bufferSize - setAside.length)) === 0) break;
      }
      const seq = this.buffer[this.head++] as Int32Array;
      const row = bestFit(remaining, seq.length);
      if (row === -1) {
        setAside.push(seq);
        continue;
      }
      const end = rowLength - (remaining[row] as number);
      ids.set(seq, row * rowLength + end);
      counts[row] = (counts[row] as number) + 1;
      remaining[row] = (remaining[row] as number) - seq.length;
      const cu = cuSeqlens[row] as number[];
      cu.push((cu[cu.length - 1] as number) + seq.length);
    }
    // deque.extendleft(temp_buffer): each set-aside sequence goes to the front, so they come back reversed.
    this.buffer = [...setAside.reverse(), ...this.buffer.slice(this.head)];
    this.head = 0;
    if (!counts.every((c) => c > 0)) return null;
    for (const cu of cuSeqlens) if (cu[cu.length - 1] !== rowLength) cu.push(rowLength);
    let sequences = 0;
    for (const c of counts) sequences += c;
    return { ids, rows, rowLength, cuSeqlens, sequences };
  }
}

/** `find_best_fit`: index of the smallest remaining space >= length (first on ties), or -1. */
function bestFit(remaining: Int32Array, length: number): number {
  let best = -1;
  for (let i = 0; i < remaining.length; i++) {
    const space = remaining[i] as number;
    if (length <= space && (best === -1 || space < (remaining[best] as number))) best = i;
  }
  return best;
}
