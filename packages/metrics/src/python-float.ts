// Python's repr(float) switches to scientific notation below 1e-4 and from 1e16 (float_repr_style 'short').
const MIN_FIXED_EXPONENT = -4;
const MAX_FIXED_EXPONENT = 16;

/**
 * `repr(x)` of a Python float (`0.3`, `1.0`, `5e-05`; what `f"{x}"` prints), so messages, run names and
 * logs quote a number exactly as the research code does. JavaScript and Python both print the shortest
 * digits that round-trip; only the layout differs.
 */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const [mantissa = '0', exponentText = '0'] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  if (exponent < MIN_FIXED_EXPONENT || exponent >= MAX_FIXED_EXPONENT) {
    const magnitude = String(Math.abs(exponent)).padStart(2, '0');
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${magnitude}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.padEnd(exponent + 1, '0');
  const fraction = whole.slice(exponent + 1) || '0';
  return `${sign}${whole.slice(0, exponent + 1)}.${fraction}`;
}
