/**
 * Python's `repr(float)` (what `f"{x}"` prints): the shortest round-trip digits, fixed notation for exponents in
 * [-4, 16), scientific with a two-digit exponent otherwise (`2e-05`), and `.0` on integral values (`3.0`).
 */
export function pythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const fixed = exponent < 0 ? fixedSmall(mantissa, exponent) : String(value);
  return fixed.includes('.') ? fixed : `${fixed}.0`;
}

/** 1e-4 ≤ |x| < 1 written out from the shortest mantissa (JS already prints these in fixed notation). */
function fixedSmall(mantissa: string, exponent: number): string {
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  return `${negative ? '-' : ''}0.${'0'.repeat(-exponent - 1)}${digits}`;
}
