import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { columnCoder } from './encodings.js';
import { FIXTURES } from './test-fixtures.js';

describe('columnCoder', () => {
  it('re-encodes every decoded value of the encodings fixture to the exact bytes streaming wrote', async () => {
    const index = JSON.parse(readFileSync(join(FIXTURES, 'encodings', 'index.json'), 'utf8'));
    for (const shard of index.shards) {
      const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'encodings', shard.raw_data.basename)));
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      const coders = shard.column_encodings.map((e: string) => columnCoder(e));
      for (let j = 0; j < shard.samples; j++) {
        const sample = bytes.subarray(view.getUint32(4 + 4 * j, true), view.getUint32(8 + 4 * j, true));
        const sizes: number[] = [];
        let at = 0;
        for (const coder of coders) {
          if (coder.size === null) {
            sizes.push(new DataView(sample.buffer, sample.byteOffset + at).getUint32(0, true));
            at += 4;
          } else sizes.push(coder.size);
        }
        coders.forEach((coder: ReturnType<typeof columnCoder>, c: number) => {
          const part = sample.subarray(at, at + (sizes[c] as number));
          at += sizes[c] as number;
          expect(
            Buffer.from(coder.encode(coder.decode(part))).equals(Buffer.from(part)),
            coder.encoding,
          ).toBe(true);
        });
      }
    }
  });

  it('writes the ndarray:uint16 layout of format_spec.json (4-byte size, 0x04, length byte, values)', () => {
    const coder = columnCoder('ndarray');
    const bytes = coder.encode(Uint16Array.from({ length: 64 }, (_, i) => i));
    expect(bytes.byteLength).toBe(1 + 1 + 1 + 128);
    expect([...bytes.subarray(0, 3)]).toEqual([16, 0x04, 64]);
    expect(columnCoder('ndarray:uint16').encode(Uint16Array.of(1, 2)).byteLength).toBe(1 + 1 + 4);
  });

  it('wraps ids >= 65536 modulo 2^16 like numpy astype(uint16)', () => {
    const coder = columnCoder('ndarray:uint16');
    const decoded = coder.decode(coder.encode([65537, 5])) as { data: Uint16Array };
    expect([...decoded.data]).toEqual([1, 5]);
  });
});
