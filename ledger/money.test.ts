import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ledger_error_codes } from './ledger-errors.js';
import { u128_max } from './ledger-port.js';
import {
  addDecimals,
  compareDecimals,
  formatDecimal,
  formatUnits,
  multiplyDecimals,
  negateDecimal,
  parseAmount,
  parseDecimal,
  parseSignedAmount,
  subtractDecimals,
} from './money.js';

const scale = fc.integer({ min: 0, max: 38 });
const u128 = fc.bigInt({ min: 0n, max: u128_max });

function errorOf(run: () => unknown): { code: string; field: string | undefined; message: string } {
  try {
    run();
  } catch (error) {
    return error as { code: string; field: string | undefined; message: string };
  }
  throw new Error('expected an error');
}

describe('money: decimal ⇄ bigint at a scale', () => {
  it('round-trips every u128 amount at every scale through its decimal string', () => {
    fc.assert(
      fc.property(u128, scale, fc.boolean(), (units, asset_scale, negative) => {
        const signed = negative ? -units : units;
        const text = formatUnits(signed, asset_scale);
        expect(parseSignedAmount(text, asset_scale, 'amount')).toBe(signed);
      }),
      { numRuns: 2000 },
    );
  });

  it('prints the shortest exact form: no trailing zeros, no exponent', () => {
    expect(formatUnits(150000000n, 8)).toBe('1.5');
    expect(formatUnits(100000000n, 8)).toBe('1');
    expect(formatUnits(1n, 8)).toBe('0.00000001');
    expect(formatUnits(-2500n, 3)).toBe('-2.5');
    expect(formatUnits(0n, 18)).toBe('0');
    fc.assert(
      fc.property(u128, scale, (units, asset_scale) => {
        expect(formatUnits(units, asset_scale)).toMatch(/^(0|[1-9]\d*)(\.\d*[1-9])?$/);
      }),
    );
  });

  it('accepts trailing zeros and exponents beyond the scale when the value itself fits', () => {
    expect(parseAmount('0.10000000000', 2, 'price')).toBe(10n);
    expect(parseAmount('1.5e-7', 8, 'fee')).toBe(15n);
    expect(parseAmount('2E3', 0, 'quantity')).toBe(2000n);
    expect(parseAmount('+7', 1, 'quantity')).toBe(70n);
  });

  it('rejects an amount with more decimals than the scale, naming the field, whatever the digits', () => {
    fc.assert(
      fc.property(
        u128,
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 9 }),
        (units, asset_scale, extra_digit) => {
          // One more decimal than the scale, and that last digit is not zero, so nothing can strip it.
          const text = formatUnits(units * 10n + BigInt(extra_digit), asset_scale + 1);
          const error = errorOf(() => parseAmount(text, asset_scale, 'fees.0.amount'));
          expect(error.code).toBe(ledger_error_codes.amount_too_precise);
          expect(error.field).toBe('fees.0.amount');
          expect(error.message).toContain('fees.0.amount');
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('rejects malformed numbers with the field named', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constantFrom('', ' 1', '1 ', '1.', '.5', '1,5', '0x10', 'NaN', 'Infinity', '1e', '--1', '1.2.3', '١٢'),
          fc.string().filter((text) => !/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)),
        ),
        (text) => {
          const error = errorOf(() => parseSignedAmount(text, 8, 'price'));
          expect(error.code === ledger_error_codes.amount_malformed).toBe(true);
          expect(error.field).toBe('price');
        },
      ),
    );
  });

  it('rejects values outside u128 at the scale, and negatives where an amount must not be negative', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: u128_max + 1n, max: u128_max * 1000n }), scale, (units, asset_scale) => {
        const error = errorOf(() => parseAmount(formatUnits(units, asset_scale), asset_scale, 'amount'));
        expect(error.code).toBe(ledger_error_codes.amount_out_of_range);
      }),
    );
    expect(errorOf(() => parseAmount('1e201', 0, 'amount')).code).toBe(ledger_error_codes.amount_out_of_range);
    expect(errorOf(() => parseAmount('-0.5', 8, 'quantity')).code).toBe(ledger_error_codes.amount_negative);
    expect(parseAmount(formatUnits(u128_max, 0), 0, 'amount')).toBe(u128_max);
  });

  it('multiplies exactly, with the scales adding and no rounding', () => {
    fc.assert(
      fc.property(
        u128,
        u128,
        fc.integer({ min: 0, max: 18 }),
        fc.integer({ min: 0, max: 18 }),
        (left, right, left_scale, right_scale) => {
          const product = multiplyDecimals({ units: left, scale: left_scale }, { units: right, scale: right_scale });
          expect(product.units * 10n ** BigInt(left_scale + right_scale - product.scale)).toBe(left * right);
        },
      ),
    );
    expect(multiplyDecimals(parseDecimal('0.00123', 'q'), parseDecimal('43210.57', 'p'))).toEqual({
      units: 531490011n,
      scale: 7,
    });
  });

  it('adds, subtracts and compares exactly across scales, without needing normalised values', () => {
    const signed = fc.record({
      units: fc.bigInt({ min: -u128_max, max: u128_max }),
      scale: fc.integer({ min: 0, max: 30 }),
    });
    fc.assert(
      fc.property(signed, signed, fc.integer({ min: 0, max: 8 }), (left, right, padding) => {
        const padded = { units: left.units * 10n ** BigInt(padding), scale: left.scale + padding };
        expect(compareDecimals(padded, left)).toBe(0);
        expect(formatDecimal(padded)).toBe(formatDecimal(left));
        const sum = addDecimals(left, right);
        expect(compareDecimals(subtractDecimals(sum, right), left)).toBe(0);
        expect(compareDecimals(addDecimals(left, negateDecimal(left)), { units: 0n, scale: 0 })).toBe(0);
        const common = Math.max(left.scale, right.scale);
        const difference =
          left.units * 10n ** BigInt(common - left.scale) - right.units * 10n ** BigInt(common - right.scale);
        expect(compareDecimals(left, right)).toBe(difference < 0n ? -1 : difference > 0n ? 1 : 0);
      }),
    );
    expect(formatDecimal(addDecimals(parseDecimal('0.1', 'a'), parseDecimal('0.20', 'b')))).toBe('0.3');
    expect(formatDecimal(subtractDecimals(parseDecimal('1', 'a'), parseDecimal('1.000000000000000000001', 'b')))).toBe(
      '-0.000000000000000000001',
    );
  });
});
