import { MdsEncodeError } from './errors.js';

// streaming/base/format/base/writer.py: `size_limit` default 1 << 26.
export const DEFAULT_SIZE_LIMIT = 1 << 26;

const UNITS = ['b', 'kb', 'mb', 'gb', 'tb', 'pb', 'eb', 'zb', 'yb'];

/**
 * `streaming.base.util.bytes_to_int`: an int, or a string like `"3kb"` (powers of 1024), `"1.5mb"`, `"2048"`.
 * `null`/`0` means no limit (one shard).
 */
export function parseSizeLimit(value: number | string | null | undefined): number | null {
  if (value === undefined) return DEFAULT_SIZE_LIMIT;
  if (value === null || value === 0 || value === '') return null;
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value > 0) return value;
  } else {
    const match = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-z]*)\s*$/i.exec(value);
    const unit = (match?.[2] ?? '').toLowerCase();
    const power = unit === '' ? 0 : UNITS.indexOf(unit);
    if (match !== null && power >= 0) {
      const bytes = Math.trunc(Number(match[1]) * 1024 ** power);
      if (bytes > 0) return bytes;
    }
  }
  throw new MdsEncodeError(`Invalid MDS size limit ${JSON.stringify(value)}`, {
    hint: 'Give a positive byte count or a string such as "3kb", "64mb" (powers of 1024)',
  });
}
