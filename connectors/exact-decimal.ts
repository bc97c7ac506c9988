// Exact decimal text for what venues report. ccxt runs with `exchange.number = String` (see
// ccxt-exchange.ts), so its unified amounts are the venue's own digits, combined by ccxt's string
// arithmetic (Precise); raw `info` fields are strings on most venues. A JS number only reaches here
// from configuration-like data (a market's contract size in a markets snapshot): it is accepted when
// its shortest round-trip text has at most 15 significant digits, the precision every double
// carries exactly, and refused otherwise: never rounded.
import { addDecimals, formatDecimal, negateDecimal, parseDecimal, type Decimal } from '../ledger/money.js';
import { connector_error_codes, connectorError } from './connector-errors.js';

const significant_digits_exact_max = 15;

/** The value as a normalised decimal string (`"0.01392600"` → `"0.013926"`, `"1e-8"` → `"0.00000001"`). */
export function exactDecimal(value: unknown, field: string): string {
  if (typeof value === 'string') return formatDecimal(parseText(value.trim(), field));
  if (typeof value === 'number') return formatDecimal(parseNumber(value, field));
  if (typeof value === 'bigint') return value.toString();
  throw connectorError(
    connector_error_codes.amount_inexact,
    `${field}: expected a decimal, got ${value === null ? 'null' : typeof value}`,
    { field },
  );
}

/** Like `exactDecimal`, but `undefined`/`null`/`""` give `undefined` (a field the venue left out). */
export function optionalDecimal(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return exactDecimal(value, field);
}

export function negateDecimalText(text: string): string {
  return formatDecimal(negateDecimal(parseDecimal(text, 'value')));
}

export function signOfDecimal(text: string): -1 | 0 | 1 {
  const units = parseDecimal(text, 'value').units;
  return units === 0n ? 0 : units < 0n ? -1 : 1;
}

export function addDecimalTexts(left: string, right: string): string {
  return formatDecimal(addDecimals(parseDecimal(left, 'left'), parseDecimal(right, 'right')));
}

/**
 * `dividend / divisor` when the quotient is a finite decimal of at most 30 decimals (contracts from a
 * notional and a contract size, e.g. 1230 USD / 10 USD per contract); otherwise an error, since a
 * rounded contract count would misstate the position.
 */
export function divideDecimalTexts(dividend: string, divisor: string, field: string): string {
  const a = parseDecimal(dividend, field);
  const b = parseDecimal(divisor, field);
  if (b.units === 0n)
    throw connectorError(connector_error_codes.amount_inexact, `${field}: division by zero`, { field });
  const extra_scale = 30;
  const numerator = a.units * 10n ** BigInt(extra_scale + b.scale);
  if (numerator % b.units !== 0n) {
    throw connectorError(
      connector_error_codes.amount_inexact,
      `${field}: ${dividend} / ${divisor} is not an exact decimal`,
      { field },
    );
  }
  return formatDecimal({ units: numerator / b.units, scale: extra_scale + a.scale });
}

function parseText(text: string, field: string): Decimal {
  try {
    return parseDecimal(text, field);
  } catch (error) {
    throw connectorError(
      connector_error_codes.amount_inexact,
      `${field}: '${text.slice(0, 64)}' is not a decimal number`,
      { field, cause: error },
    );
  }
}

function parseNumber(value: number, field: string): Decimal {
  if (!Number.isFinite(value))
    throw connectorError(connector_error_codes.amount_inexact, `${field}: ${value} is not a finite number`, { field });
  const decimal = parseDecimal(String(value), field);
  const digits = (decimal.units < 0n ? -decimal.units : decimal.units).toString().replace(/^0+/, '').replace(/0+$/, '');
  if (digits.length > significant_digits_exact_max) {
    throw connectorError(
      connector_error_codes.amount_inexact,
      `${field}: ${value} has ${digits.length} significant digits; a JS number holds only ${significant_digits_exact_max} exactly`,
      { field },
    );
  }
  return decimal;
}
