import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDecimals, compareDecimals, formatDecimal, parseDecimal, subtractDecimals } from '../../ledger/money.js';
import { compareRatios, divideHalfEven, divideRounded, parseExact, proportionalShare } from './decimal-math.js';

const decimal = fc.record({
  units: fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
  scale: fc.integer({ min: 0, max: 20 }),
});
const positive = fc.record({ units: fc.bigInt({ min: 1n, max: 10n ** 24n }), scale: fc.integer({ min: 0, max: 18 }) });

describe('exact decimal arithmetic', () => {
  it('rounds half to even, in both signs', () => {
    expect([5n, 15n, 25n, -5n, -15n, 14n, 16n, -16n].map((value) => divideHalfEven(value, 10n))).toEqual([
      0n,
      2n,
      2n,
      -0n,
      -2n,
      1n,
      2n,
      -2n,
    ]);
    expect(divideHalfEven(7n, -2n)).toBe(-4n);
    expect(formatDecimal(divideRounded(parseDecimal('100', 'x'), parseDecimal('3', 'x'), 12))).toBe('33.333333333333');
    expect(formatDecimal(divideRounded(parseDecimal('2', 'x'), parseDecimal('3', 'x'), 12))).toBe('0.666666666667');
    expect(formatDecimal(divideRounded(parseDecimal('1', 'x'), parseDecimal('8', 'x'), 2))).toBe('0.12');
  });

  it('parses exactly what formatDecimal prints, and exponents like ledger/money', () => {
    fc.assert(
      fc.property(decimal, (value) => {
        expect(compareDecimals(parseExact(formatDecimal(value), 'x'), value)).toBe(0);
      }),
    );
    expect(parseExact('1e3', 'x')).toEqual({ units: 1000n, scale: 0 });
  });

  it('splits an amount into a share and a rest that add up exactly, the share exact when it can be', () => {
    fc.assert(
      fc.property(decimal, positive, positive, (amount, part_seed, whole_extra) => {
        const part = part_seed;
        const whole = addDecimals(part_seed, whole_extra);
        const share = proportionalShare(amount, part, whole, 12);
        const rest = subtractDecimals(amount, share);
        expect(compareDecimals(addDecimals(share, rest), amount)).toBe(0);
        // |share − amount × part / whole| ≤ half a unit at 1e-12: |share × whole − amount × part| ≤ whole / 2 × 1e-12.
        const error = subtractDecimals(
          { units: share.units * whole.units, scale: share.scale + whole.scale },
          { units: amount.units * part.units, scale: amount.scale + part.scale },
        );
        const bound = { units: whole.units, scale: whole.scale + 12 };
        expect(
          compareDecimals({ units: 2n * (error.units < 0n ? -error.units : error.units), scale: error.scale }, bound),
        ).toBeLessThanOrEqual(0);
      }),
    );
  });

  it('compares ratios by cross-multiplication', () => {
    const d = (text: string) => parseDecimal(text, 'x');
    expect(compareRatios(d('100'), d('3'), d('33.333333333333'), d('1'))).toBe(1);
    expect(compareRatios(d('2'), d('4'), d('0.5'), d('1'))).toBe(0);
    expect(compareRatios(d('1'), d('3'), d('0.34'), d('1'))).toBe(-1);
  });
});
