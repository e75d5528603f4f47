// Exact Kubernetes resource.Quantity parsing and comparison (k8s.io/apimachinery semantics): "500m",
// "2", "1.5", "4Gi", "1G", "1e3". Values are kept as integers times powers of 2 and 10, never as
// floats, so "0.1" + rounding can never make a request slip past a maximum.

/** value = sign * digits * 2^pow2 * 10^pow10 */
export interface Quantity {
  negative: boolean;
  digits: bigint;
  pow2: number;
  pow10: number;
}

const PATTERN =
  /^([+-])?(?:([0-9]+)(?:\.([0-9]*))?|\.([0-9]+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE])|[eE]([+-]?[0-9]+))?$/;

const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
/** Larger exponents are refused rather than expanded: no real resource is near 10^100. */
const MAX_EXPONENT = 100;

/** Parses a quantity (string or the integer form of int-or-string); undefined when malformed. */
export function parseQuantity(input: string | number): Quantity | undefined {
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input)) return undefined;
    return { negative: input < 0, digits: BigInt(Math.abs(input)), pow2: 0, pow10: 0 };
  }
  const m = PATTERN.exec(input);
  if (!m) return undefined;
  const [, sign, whole, fraction, bareFraction, binary, decimal, exponent] = m;
  const intPart = whole ?? '';
  const fracPart = fraction ?? bareFraction ?? '';
  let pow10 = -fracPart.length;
  let pow2 = 0;
  if (binary) pow2 = BINARY[binary] ?? 0;
  else if (decimal) pow10 += DECIMAL[decimal] ?? 0;
  else if (exponent !== undefined) {
    const e = Number(exponent);
    if (Math.abs(e) > MAX_EXPONENT) return undefined;
    pow10 += e;
  }
  const digits = BigInt(`${intPart}${fracPart}` || '0');
  return { negative: sign === '-' && digits !== 0n, digits, pow2, pow10 };
}

/** Integer numerators of a and b over a common power of ten, so they compare exactly. */
function scaled(q: Quantity, pow10: number): bigint {
  const value = q.digits * 2n ** BigInt(q.pow2) * 10n ** BigInt(q.pow10 - pow10);
  return q.negative ? -value : value;
}

/** -1, 0 or 1 as a is less than, equal to or greater than b. */
export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  const common = Math.min(a.pow10, b.pow10);
  const x = scaled(a, common);
  const y = scaled(b, common);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function isPositive(q: Quantity): boolean {
  return !q.negative && q.digits > 0n;
}

/** The quantity as core/v1 writes it: int-or-string values become strings. */
export function quantityString(value: string | number): string {
  return typeof value === 'number' ? String(value) : value;
}

/** An approximate number, for messages only (never for comparisons: use compareQuantities). */
export function quantityToNumber(q: Quantity): number {
  return (q.negative ? -1 : 1) * Number(q.digits) * 2 ** q.pow2 * 10 ** q.pow10;
}

/** A quantity as a plain number ("4Gi" → 4294967296), for the words of a message; undefined when it is not one. */
export function quantityValue(text: string): number | undefined {
  const parsed = parseQuantity(text.trim());
  return parsed ? quantityToNumber(parsed) : undefined;
}
