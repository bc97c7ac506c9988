// Exact decimal arithmetic for the lot engine, over `ledger/money.ts`'s Decimal (units × 10^-scale).
// Sums, differences and products are exact. The only operation that can round is division, and it
// says so in its name and takes the scale to round at: the lot engine divides only to split a
// lot's cost (or a disposal's proceeds) in proportion to quantity, and for inverse-contract PnL.
// Results are not normalised here (normalising costs a loop per value on the hot path);
// `formatDecimal` normalises when a value is printed.
import { parseDecimal, type Decimal } from '../../ledger/money.js';

export const zero: Decimal = { units: 0n, scale: 0 };
export const one: Decimal = { units: 1n, scale: 0 };

const powers_of_ten: bigint[] = [];
function powerOfTen(exponent: number): bigint {
  let power = powers_of_ten[exponent];
  if (power === undefined) {
    power = 10n ** BigInt(exponent);
    powers_of_ten[exponent] = power;
  }
  return power;
}

/** The units of `decimal` at a scale at least its own. */
function unitsAt(decimal: Decimal, scale: number): bigint {
  return scale === decimal.scale ? decimal.units : decimal.units * powerOfTen(scale - decimal.scale);
}

export function add(left: Decimal, right: Decimal): Decimal {
  const scale = Math.max(left.scale, right.scale);
  return { units: unitsAt(left, scale) + unitsAt(right, scale), scale };
}

export function subtract(left: Decimal, right: Decimal): Decimal {
  const scale = Math.max(left.scale, right.scale);
  return { units: unitsAt(left, scale) - unitsAt(right, scale), scale };
}

export function negate(decimal: Decimal): Decimal {
  return { units: -decimal.units, scale: decimal.scale };
}

export function multiply(left: Decimal, right: Decimal): Decimal {
  return { units: left.units * right.units, scale: left.scale + right.scale };
}

/** -1, 0 or 1 as `left` is less than, equal to or greater than `right`. */
export function compare(left: Decimal, right: Decimal): number {
  const scale = Math.max(left.scale, right.scale);
  const difference = unitsAt(left, scale) - unitsAt(right, scale);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

export function isZero(decimal: Decimal): boolean {
  return decimal.units === 0n;
}

export function isPositive(decimal: Decimal): boolean {
  return decimal.units > 0n;
}

export function isNegative(decimal: Decimal): boolean {
  return decimal.units < 0n;
}

export function absolute(decimal: Decimal): Decimal {
  return decimal.units < 0n ? negate(decimal) : decimal;
}

export function minimum(left: Decimal, right: Decimal): Decimal {
  return compare(left, right) <= 0 ? left : right;
}

/**
 * `numerator / denominator` rounded half to even at `scale` decimals. Exact whenever the quotient
 * has at most `scale` decimals.
 */
export function divideRounded(numerator: Decimal, denominator: Decimal, scale: number): Decimal {
  if (denominator.units === 0n) throw new RangeError('division by zero');
  // value = n.units·10^-n.scale / (d.units·10^-d.scale); its units at `scale` are
  // n.units·10^(d.scale + scale) / (d.units·10^n.scale).
  const dividend = numerator.units * powerOfTen(denominator.scale + scale);
  const divisor = denominator.units * powerOfTen(numerator.scale);
  return { units: divideHalfEven(dividend, divisor), scale };
}

/** Integer division rounded half to even: ties go to the even quotient, so rounding has no bias. */
export function divideHalfEven(dividend: bigint, divisor: bigint): bigint {
  const quotient = dividend / divisor;
  const remainder = dividend % divisor;
  if (remainder === 0n) return quotient;
  const twice_remainder = 2n * (remainder < 0n ? -remainder : remainder);
  const divisor_magnitude = divisor < 0n ? -divisor : divisor;
  const away_from_zero = twice_remainder > divisor_magnitude || (twice_remainder === divisor_magnitude && quotient % 2n !== 0n);
  if (!away_from_zero) return quotient;
  return (dividend < 0n) !== (divisor < 0n) ? quotient - 1n : quotient + 1n;
}

/**
 * The share of `amount` that `part` is of `whole` (`amount × part / whole`), rounded half to even
 * at `scale`. Callers keep `amount − share` as the rest, so shares and rest always add up exactly.
 */
export function proportionalShare(amount: Decimal, part: Decimal, whole: Decimal, scale: number): Decimal {
  if (compare(part, whole) === 0) return amount;
  return divideRounded(multiply(amount, part), whole, scale);
}

/**
 * Compares the ratios `left_amount / left_quantity` and `right_amount / right_quantity` exactly by
 * cross-multiplication (quantities must be positive): no division, so no rounding can reorder lots.
 */
export function compareRatios(left_amount: Decimal, left_quantity: Decimal, right_amount: Decimal, right_quantity: Decimal): number {
  return compare(multiply(left_amount, right_quantity), multiply(right_amount, left_quantity));
}

/**
 * The shortest exact decimal string, the same text as `formatDecimal` (no trailing zeros, no
 * exponent), made with string operations: the lot engine formats millions of values whose scale
 * carries trailing zeros, and stripping them one bigint division at a time is what it would cost.
 */
export function formatExact(decimal: Decimal): string {
  const { units, scale } = decimal;
  if (units === 0n) return '0';
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString();
  if (scale > 0) {
    if (digits.length <= scale) digits = digits.padStart(scale + 1, '0');
    const point = digits.length - scale;
    let end = digits.length;
    while (end > point && digits.charCodeAt(end - 1) === 48) end -= 1;
    digits = end === point ? digits.slice(0, point) : `${digits.slice(0, point)}.${digits.slice(point, end)}`;
  }
  return negative ? `-${digits}` : digits;
}

const plain_decimal = /^-?\d+(?:\.\d+)?$/;

/**
 * Parses a decimal string exactly (not normalised). Plain forms (`-12.50`) are read with string
 * operations; anything else (an exponent, a sign +) goes through `parseDecimal`, which names
 * `field` in its error. Event amounts are validated by the schema before they get here.
 */
export function parseExact(text: string, field: string): Decimal {
  if (text.length > 40 || !plain_decimal.test(text)) return parseDecimal(text, field);
  const point = text.indexOf('.');
  if (point < 0) return { units: BigInt(text), scale: 0 };
  return { units: BigInt(text.slice(0, point) + text.slice(point + 1)), scale: text.length - point - 1 };
}
