// The lot engine's decimal operations beyond `ledger/money.ts`'s exact sums, differences, products
// and comparisons (which it uses directly). The only operation here that can round is division, and it
// says so in its name and takes the scale to round at: the lot engine divides only to split a
// lot's cost (or a disposal's proceeds) in proportion to quantity, and for inverse-contract PnL.
// Like money.ts, results are not normalised; `formatDecimal` prints the shortest form.
import { compareDecimals, multiplyDecimals, parseDecimal, powerOfTen, type Decimal } from '../../ledger/money.js';

export function isZero(decimal: Decimal): boolean {
  return decimal.units === 0n;
}

export function isPositive(decimal: Decimal): boolean {
  return decimal.units > 0n;
}

export function isNegative(decimal: Decimal): boolean {
  return decimal.units < 0n;
}

export function minimum(left: Decimal, right: Decimal): Decimal {
  return compareDecimals(left, right) <= 0 ? left : right;
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
  const away_from_zero =
    twice_remainder > divisor_magnitude || (twice_remainder === divisor_magnitude && quotient % 2n !== 0n);
  if (!away_from_zero) return quotient;
  return dividend < 0n !== divisor < 0n ? quotient - 1n : quotient + 1n;
}

/**
 * The share of `amount` that `part` is of `whole` (`amount × part / whole`), rounded half to even
 * at `scale`. Callers keep `amount − share` as the rest, so shares and rest always add up exactly.
 */
export function proportionalShare(amount: Decimal, part: Decimal, whole: Decimal, scale: number): Decimal {
  if (compareDecimals(part, whole) === 0) return amount;
  return divideRounded(multiplyDecimals(amount, part), whole, scale);
}

/**
 * Compares the ratios `left_amount / left_quantity` and `right_amount / right_quantity` exactly by
 * cross-multiplication (quantities must be positive): no division, so no rounding can reorder lots.
 */
export function compareRatios(
  left_amount: Decimal,
  left_quantity: Decimal,
  right_amount: Decimal,
  right_quantity: Decimal,
): number {
  return compareDecimals(multiplyDecimals(left_amount, right_quantity), multiplyDecimals(right_amount, left_quantity));
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
