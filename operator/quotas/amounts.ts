// What one session holds against a quota (sessions, cpu, memory, disk, GPUs), and exact sums of
// such shares: quantities are added as integers over a common power of ten, never as floats.
import type { LedgerEntry } from '../../crds/index.ts';
import { compareQuantities, parseQuantity, type Quantity } from '../../runtime/quantity.ts';

export interface Share {
  cpu: string;
  memory: string;
  disk?: string;
  gpus: number;
}

export const QUANTITY_RESOURCES = ['cpu', 'memory', 'disk'] as const;
export type QuantityResource = (typeof QUANTITY_RESOURCES)[number];

const ZERO: Quantity = { negative: false, digits: 0n, pow2: 0, pow10: 0 };

/** The quantity, or zero for an absent or malformed one (the schema refuses those before). */
export function quantity(text: string | undefined): Quantity {
  return (text === undefined ? undefined : parseQuantity(text)) ?? ZERO;
}

/** a + b, exactly. */
export function addQuantities(a: Quantity, b: Quantity): Quantity {
  const pow10 = Math.min(a.pow10, b.pow10);
  const value = (q: Quantity) => {
    const v = q.digits * 2n ** BigInt(q.pow2) * 10n ** BigInt(q.pow10 - pow10);
    return q.negative ? -v : v;
  };
  const sum = value(a) + value(b);
  return { negative: sum < 0n, digits: sum < 0n ? -sum : sum, pow2: 0, pow10 };
}

export function sumQuantities(texts: readonly (string | undefined)[]): Quantity {
  return texts.reduce<Quantity>((sum, t) => addQuantities(sum, quantity(t)), ZERO);
}

export const exceeds = (a: Quantity, limit: Quantity): boolean => compareQuantities(a, limit) > 0;

const BINARY = [
  ['Ei', 60],
  ['Pi', 50],
  ['Ti', 40],
  ['Gi', 30],
  ['Mi', 20],
  ['Ki', 10],
] as const;

/** A quantity in Kubernetes' words: "30Gi", "2500m", "4". */
export function formatQuantity(q: Quantity, resource: QuantityResource): string {
  // As an integer count of the smallest unit the value has (pow10 may be negative: millicores).
  const scaled = q.digits * 2n ** BigInt(q.pow2);
  const sign = q.negative ? '-' : '';
  if (q.pow10 >= 0) {
    const whole = scaled * 10n ** BigInt(q.pow10);
    if (resource !== 'cpu' && whole > 0n) {
      for (const [suffix, bits] of BINARY) {
        const unit = 2n ** BigInt(bits);
        if (whole % unit === 0n) return `${sign}${whole / unit}${suffix}`;
      }
    }
    return `${sign}${whole}`;
  }
  const denominator = 10n ** BigInt(-q.pow10);
  if (scaled % denominator === 0n)
    return formatQuantity({ ...q, digits: scaled / denominator, pow2: 0, pow10: 0 }, resource);
  // Millis when exact (cpu "500m"), else the plain decimal.
  if (q.pow10 >= -3) return `${sign}${scaled * 10n ** BigInt(3 + q.pow10)}m`;
  const text = scaled.toString().padStart(-q.pow10 + 1, '0');
  return `${sign}${text.slice(0, q.pow10)}.${text.slice(q.pow10)}`;
}

/** The share a ledger entry records. */
export function entryShare(e: Pick<LedgerEntry, 'cpu' | 'memory' | 'disk' | 'gpus'>): Share {
  return { cpu: e.cpu, memory: e.memory, ...(e.disk ? { disk: e.disk } : {}), gpus: e.gpus ?? 0 };
}

export function sameShare(a: Share, b: Share): boolean {
  return (
    compareQuantities(quantity(a.cpu), quantity(b.cpu)) === 0 &&
    compareQuantities(quantity(a.memory), quantity(b.memory)) === 0 &&
    compareQuantities(quantity(a.disk), quantity(b.disk)) === 0 &&
    a.gpus === b.gpus
  );
}
