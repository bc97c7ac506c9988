import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { holdingTerm } from './holding-period.js';

const at = (text: string) => Date.parse(text);

describe('holding period', () => {
  it.each([
    ['2023-01-15T10:00:00.000Z', '2024-01-15T23:59:59.999Z', 'short'], // exactly one year (the anniversary) is not more than a year
    ['2023-01-15T10:00:00.000Z', '2024-01-16T00:00:00.000Z', 'long'], // the day after the anniversary
    ['2023-01-15T23:59:59.999Z', '2024-01-16T00:00:00.000Z', 'long'], // UTC dates, not 24-hour spans
    ['2023-03-01T00:00:00.000Z', '2024-03-01T12:00:00.000Z', 'short'], // 366 days across a leap day: still the anniversary
    ['2023-03-01T00:00:00.000Z', '2024-03-02T00:00:00.000Z', 'long'],
    ['2024-02-29T12:00:00.000Z', '2025-02-28T12:00:00.000Z', 'short'], // a leap-day lot's anniversary is 28 February
    ['2024-02-29T12:00:00.000Z', '2025-03-01T00:00:00.000Z', 'long'],
    ['2023-02-28T12:00:00.000Z', '2024-02-28T12:00:00.000Z', 'short'],
    ['2023-02-28T12:00:00.000Z', '2024-02-29T00:00:00.000Z', 'long'], // leap day after a 28 February anniversary
    ['2024-02-29T12:00:00.000Z', '2028-02-29T12:00:00.000Z', 'long'],
    ['2024-06-01T00:00:00.000Z', '2024-06-01T00:00:00.000Z', 'short'],
    ['2022-12-31T23:59:59.999Z', '2024-01-01T00:00:00.000Z', 'long'],
    ['2022-12-31T23:59:59.999Z', '2023-12-31T23:59:59.999Z', 'short'],
  ] as const)('acquired %s, disposed %s: %s-term', (acquired, disposed, term) => {
    expect(holdingTerm(at(acquired), at(disposed))).toBe(term);
  });

  it('is long-term from two calendar years on, and short-term within 365 days', () => {
    const start = Date.UTC(2000, 0, 1);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 * 365 }),
        fc.integer({ min: 0, max: 86_399_999 }),
        fc.integer({ min: 0, max: 364 }),
        (day, offset_ms, held_days) => {
          const acquired = start + day * 86_400_000 + offset_ms;
          expect(holdingTerm(acquired, acquired + held_days * 86_400_000)).toBe('short');
          expect(holdingTerm(acquired, acquired + 731 * 86_400_000)).toBe('long');
        },
      ),
    );
  });
});
