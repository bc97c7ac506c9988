// The pure normalisation rules that no recorded response shows on its own: a fee in a third asset,
// several fees on one fill, exact decimals, and what makes an event id.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonical_decimal_pattern } from '../engine/event-schema.js';
import { addDecimalTexts, divideDecimalTexts, exactDecimal, negateDecimalText } from './exact-decimal.js';
import { nextPosition } from './connector.js';
import { normaliseTrade, type NormaliseContext } from './normalise.js';
import type { MarketInfo } from './venue-records.js';

const markets: Record<string, MarketInfo> = {
  'BTC/USDT': {
    id: 'BTCUSDT',
    symbol: 'BTC/USDT',
    base: 'BTC',
    quote: 'USDT',
    settle: undefined,
    type: 'spot',
    contract_size: undefined,
    inverse: false,
  },
  'ETH/USD:OX': {
    id: 'ETH-USD-SWAP-LIN',
    symbol: 'ETH/USD:OX',
    base: 'ETH',
    quote: 'USD',
    settle: 'OX',
    type: 'swap',
    contract_size: '1',
    inverse: false,
  },
};
const context: NormaliseContext = {
  venue: 'v',
  account: 'a',
  mapping: {},
  market: (symbol) => markets[symbol],
  wallet: 'spot',
  wallet_accounts: {},
};
const fill = {
  info: { id: '1' },
  id: '1',
  order: '9',
  timestamp: 1_700_000_000_000,
  symbol: 'BTC/USDT',
  side: 'buy',
  takerOrMaker: 'maker',
  price: '60000.10',
  amount: '0.50',
  cost: '30000.05',
};

describe('normaliseTrade', () => {
  it('keeps a fee in a third asset (BNB) as it is', () => {
    const outcome = normaliseTrade({ ...fill, fee: { cost: '0.0123', currency: 'BNB' } }, context);
    expect(outcome.kind === 'event' && outcome.event.type === 'trade' && outcome.event.fees).toEqual([
      { asset: 'BNB', amount: '0.0123' },
    ]);
  });

  it('lists several fees, adds rows of one asset, keeps rebates negative and leaves zero fees out', () => {
    const outcome = normaliseTrade(
      {
        ...fill,
        fees: [
          { cost: '0.5', currency: 'USDT' },
          { cost: '0.0001', currency: 'GT' },
          { cost: '-0.2', currency: 'USDT' },
          { cost: '0', currency: 'POINT' },
        ],
      },
      context,
    );
    expect(outcome.kind === 'event' && outcome.event.type === 'trade' && outcome.event.fees).toEqual([
      { asset: 'USDT', amount: '0.3' },
      { asset: 'GT', amount: '0.0001' },
    ]);
  });

  it('a fee in the settlement token of a linear perp (OX) stays in that token; no cost on a derivative', () => {
    const outcome = normaliseTrade(
      { ...fill, symbol: 'ETH/USD:OX', price: '3794.7', amount: '0.01', fee: { cost: '2.65629', currency: 'OX' } },
      context,
    );
    expect(outcome).toMatchObject({
      kind: 'event',
      event: { id: 'v:a:trade:ETH-USD-SWAP-LIN:1', quantity: '0.01', fees: [{ asset: 'OX', amount: '2.65629' }] },
    });
    expect(outcome.kind === 'event' && 'cost' in outcome.event).toBe(false);
  });

  it('dead-letters a fill it cannot express, naming the field', () => {
    expect(normaliseTrade({ ...fill, amount: '1e' }, context)).toMatchObject({
      kind: 'dead_letter',
      code: 'KEEL_ERR_CONNECTOR_RECORD_MALFORMED',
    });
    expect(normaliseTrade({ ...fill, side: 'long' }, context)).toMatchObject({
      kind: 'dead_letter',
      reason: "v/a trade: side 'long' is neither buy nor sell",
    });
    expect(normaliseTrade({ ...fill, fee: { cost: '0.1' } }, context)).toMatchObject({
      kind: 'dead_letter',
      reason: 'v/a trade: fees.0: a fee of 0.1 without a currency',
    });
  });
});

describe('exact decimals', () => {
  it('normalises venue text and refuses numbers a double cannot hold exactly', () => {
    expect(exactDecimal('0.01392600', 'x')).toBe('0.013926');
    expect(exactDecimal('3.36e-7', 'x')).toBe('0.000000336');
    expect(exactDecimal(0.1462684, 'x')).toBe('0.1462684');
    expect(() => exactDecimal(0.1 + 0.2, 'x')).toThrow(/significant digits/);
    expect(divideDecimalTexts('8940', '10', 'q')).toBe('894');
    expect(() => divideDecimalTexts('1', '3', 'q')).toThrow(/not an exact decimal/);
  });

  it("writes only the event schema's canonical spelling, whatever the venue's spelling", () => {
    for (const [text, canonical] of [
      ['+5', '5'],
      ['1e3', '1000'],
      ['00.50', '0.5'],
      ['-0', '0'],
      ['-0.000', '0'],
      ['.5', undefined],
    ] as const) {
      if (canonical === undefined) expect(() => exactDecimal(text, 'x')).toThrow(/not a decimal number/);
      else expect(exactDecimal(text, 'x')).toBe(canonical);
    }
    const venue_text = fc
      .tuple(
        fc.constantFrom('', '+', '-'),
        fc.stringMatching(/^\d{1,30}$/),
        fc.option(fc.stringMatching(/^\d{1,30}$/)),
        fc.option(fc.integer({ min: -40, max: 40 })),
      )
      .map(
        ([sign, integer, fraction, exponent]) =>
          `${sign}${integer}${fraction === null ? '' : `.${fraction}`}${exponent === null ? '' : `e${exponent}`}`,
      );
    fc.assert(
      fc.property(venue_text, venue_text, (left, right) => {
        for (const text of [exactDecimal(left, 'x'), negateDecimalText(left), addDecimalTexts(left, right)]) {
          expect(text).toMatch(canonical_decimal_pattern);
          expect(text).not.toMatch(/^-0(?:\.0+)?$/);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('cursor positions', () => {
  const event = (key: string, time_ms: number) => ({ kind: 'skipped' as const, key, time_ms, reason: '' });
  it('moves to the newest record and remembers the records at that instant', () => {
    expect(nextPosition({ since_ms: 0, seen: {} }, [event('a', 5), event('b', 9), event('c', 9)], undefined)).toEqual({
      since_ms: 9,
      seen: { b: 9, c: 9 },
    });
  });
  it('holds at a pending record so that it is read again', () => {
    const pending = { kind: 'pending' as const, key: 'p', time_ms: 4, reason: '' };
    expect(nextPosition({ since_ms: 0, seen: {} }, [event('a', 2), pending, event('b', 7)], 100)).toEqual({
      since_ms: 4,
      seen: { b: 7 },
    });
  });
  it('moves to the end of a window read completely', () => {
    expect(nextPosition({ since_ms: 0, seen: { old: 0 } }, [event('a', 5)], 50)).toEqual({ since_ms: 50, seen: {} });
  });
});
