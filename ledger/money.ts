// Exact decimal money. Amounts travel as decimal strings and live as `bigint` units at an asset's
// scale (10^-scale of the asset per unit). Nothing here ever goes through a JS number, and nothing
// is rounded: a value that does not fit the scale is an error naming the field.
import { ledgerError, ledger_error_codes } from './ledger-errors.js';
import { u128_max } from './ledger-port.js';
import { flatConcat } from '../platform/flat-string.js';

/**
 * An exact decimal: `units × 10^-scale`. `parseDecimal` gives it normalised (no trailing zero digit
 * in `units`); the arithmetic below does not normalise (that costs a loop per value on the lot
 * engine's hot path), so compare values with `compareDecimals`, never by their fields.
 */
export type Decimal = { readonly units: bigint; readonly scale: number };

/** Longest decimal string accepted; far beyond any u128 amount, short enough to bound the work. */
export const decimal_text_length_max = 100;
/** Largest scale an asset may have: 10^38 < u128 max, so one whole unit of any asset is representable. */
export const asset_scale_max = 38;
/** Exponents beyond this cannot produce an amount that fits a u128 at any allowed scale. */
const exponent_magnitude_max = 200;

const decimal_pattern = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

export function parseDecimal(text: string, field: string): Decimal {
  if (typeof text !== 'string') {
    throw ledgerError(ledger_error_codes.amount_malformed, `${field}: expected a decimal string, got ${typeof text}`, {
      field,
    });
  }
  if (text.length === 0 || text.length > decimal_text_length_max) {
    throw ledgerError(
      ledger_error_codes.amount_malformed,
      `${field}: expected a decimal string of 1 to ${decimal_text_length_max} characters, got ${text.length}`,
      { field },
    );
  }
  const match = decimal_pattern.exec(text);
  if (match === null) {
    throw ledgerError(ledger_error_codes.amount_malformed, `${field}: '${text}' is not a decimal number`, { field });
  }
  const [, sign = '', integer_digits = '', fraction_digits = '', exponent_text] = match;
  const exponent = exponent_text === undefined ? 0 : Number(exponent_text);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > exponent_magnitude_max) {
    throw ledgerError(ledger_error_codes.amount_out_of_range, `${field}: exponent of '${text}' is out of range`, {
      field,
    });
  }
  const magnitude = BigInt(integer_digits + fraction_digits);
  let units = sign === '-' ? -magnitude : magnitude;
  let scale = fraction_digits.length - exponent;
  if (scale < 0) {
    units *= powerOfTen(-scale);
    scale = 0;
  }
  return normalise({ units, scale });
}

/** Drops trailing zero digits so that equal values have equal representations. */
export function normalise(decimal: Decimal): Decimal {
  let { units, scale } = decimal;
  if (units === 0n) return { units: 0n, scale: 0 };
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  return { units, scale };
}

/**
 * The value as integer units at `scale`. Rejects (naming `field`) a value with more decimals than
 * the scale and a magnitude beyond u128: the two ways a silent rounding or wrap could happen.
 */
export function decimalToUnits(decimal: Decimal, scale: number, field: string): bigint {
  assertScale(scale);
  const exact = normalise(decimal);
  if (exact.scale > scale) {
    throw ledgerError(
      ledger_error_codes.amount_too_precise,
      `${field}: ${formatDecimal(exact)} has ${exact.scale} decimals, more than the scale of ${scale}`,
      { field },
    );
  }
  const units = exact.units * powerOfTen(scale - exact.scale);
  if (units > u128_max || units < -u128_max) {
    throw ledgerError(
      ledger_error_codes.amount_out_of_range,
      `${field}: ${formatDecimal(exact)} is outside the u128 range at scale ${scale}`,
      {
        field,
      },
    );
  }
  return units;
}

/** Parses a signed amount to units at `scale` (may be negative, magnitude ≤ u128 max). */
export function parseSignedAmount(text: string, scale: number, field: string): bigint {
  return decimalToUnits(parseDecimal(text, field), scale, field);
}

/** Parses an amount that must not be negative. */
export function parseAmount(text: string, scale: number, field: string): bigint {
  const units = parseSignedAmount(text, scale, field);
  if (units < 0n) {
    throw ledgerError(ledger_error_codes.amount_negative, `${field}: '${text}' must not be negative`, { field });
  }
  return units;
}

/** Units at `scale` as the shortest exact decimal string: no trailing zeros, no exponent. */
export function formatUnits(units: bigint, scale: number): string {
  assertScale(scale);
  return formatDecimal({ units, scale });
}

/**
 * The shortest exact decimal string: no trailing zeros, no exponent. Made with string operations:
 * the lot engine formats millions of values whose scale carries trailing zeros, and stripping them
 * one bigint division at a time is what `normalise` would cost.
 */
export function formatDecimal(decimal: Decimal): string {
  const { units, scale } = decimal;
  if (units === 0n) return '0';
  const sign = units < 0n ? '-' : '';
  const digits = (units < 0n ? -units : units).toString();
  if (scale === 0) return sign === '' ? digits : flatConcat(sign, digits);
  const padded = digits.length <= scale ? digits.padStart(scale + 1, '0') : digits;
  const point = padded.length - scale;
  let end = padded.length;
  while (end > point && padded.charCodeAt(end - 1) === 48) end -= 1;
  const integer_part = padded.slice(0, point);
  if (end === point) return sign === '' ? integer_part : flatConcat(sign, integer_part);
  // One flat string, not a rope: the lot engine keeps millions of formatted amounts.
  return flatConcat(sign, integer_part, '.', padded.slice(point, end));
}

export const zero_decimal: Decimal = { units: 0n, scale: 0 };

const powers_of_ten: bigint[] = [];
/** 10^exponent, cached: sums of values at different scales need the same few powers again and again. */
export function powerOfTen(exponent: number): bigint {
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

/** Exact sum of two decimals. */
export function addDecimals(left: Decimal, right: Decimal): Decimal {
  const scale = Math.max(left.scale, right.scale);
  return { units: unitsAt(left, scale) + unitsAt(right, scale), scale };
}

/** Exact difference `left - right`. */
export function subtractDecimals(left: Decimal, right: Decimal): Decimal {
  const scale = Math.max(left.scale, right.scale);
  return { units: unitsAt(left, scale) - unitsAt(right, scale), scale };
}

export function negateDecimal(decimal: Decimal): Decimal {
  return { units: -decimal.units, scale: decimal.scale };
}

/** Exact product of two decimals (no rounding: the scales add). */
export function multiplyDecimals(left: Decimal, right: Decimal): Decimal {
  return { units: left.units * right.units, scale: left.scale + right.scale };
}

/** -1, 0 or 1 as `left` is less than, equal to or greater than `right`. */
export function compareDecimals(left: Decimal, right: Decimal): -1 | 0 | 1 {
  const scale = Math.max(left.scale, right.scale);
  const difference = unitsAt(left, scale) - unitsAt(right, scale);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

export function assertScale(scale: number): void {
  if (!Number.isInteger(scale) || scale < 0 || scale > asset_scale_max) {
    throw new RangeError(`scale must be an integer from 0 to ${asset_scale_max}, got ${scale}`);
  }
}
