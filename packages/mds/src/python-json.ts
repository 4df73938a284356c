/**
 * `json.dumps` exactly as Python writes it with default arguments: separators `", "` / `": "`,
 * `ensure_ascii=True` (non-ASCII as `\uXXXX`), optional `sort_keys`. index.json and shard headers
 * are written this way (`json.dumps(obj, sort_keys=True)`), and so is the `json` column encoding.
 */
export function pythonJsonDumps(value: unknown, options: { sortKeys?: boolean } = {}): string {
  return dump(value, options.sortKeys === true);
}

function dump(value: unknown, sortKeys: boolean): string {
  if (value === null || value === undefined) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') return pythonNumber(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return pythonString(value);
  if (Array.isArray(value)) return `[${value.map((item) => dump(item, sortKeys)).join(', ')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value as Record<string, unknown>);
    if (sortKeys) keys.sort(compareCodePoints);
    const body = keys.map(
      (key) => `${pythonString(key)}: ${dump((value as Record<string, unknown>)[key], sortKeys)}`,
    );
    return `{${body.join(', ')}}`;
  }
  throw new TypeError(`Object of type ${typeof value} is not JSON serializable`);
}

// Python sorts str keys by code point; JS's default sort compares UTF-16 units, which differs above U+FFFF.
function compareCodePoints(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i]?.codePointAt(0) ?? 0;
    const y = right[i]?.codePointAt(0) ?? 0;
    if (x !== y) return x - y;
  }
  return left.length - right.length;
}

function pythonNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  // A JS number that is an integer is written as a Python int (JS cannot tell 1 from 1.0).
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return value.toFixed(0);
  return pythonFloatRepr(value);
}

/** Python `repr(float)`: shortest round-trip digits, scientific below 1e-4 and from 1e16. */
function pythonFloatRepr(x: number): string {
  const sign = x < 0 ? '-' : '';
  const [mantissa = '0', exponentText = '0'] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.padEnd(exponent + 1, '0');
  return `${sign}${whole.slice(0, exponent + 1)}.${whole.slice(exponent + 1) || '0'}`;
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

function pythonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    const code = text.charCodeAt(i);
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
