import { describe, expect, it } from 'vitest';
import { formatDecimal, parseDecimal } from '../../ledger/money.js';
import { lotSettings } from './lot-settings.js';
import { InMemoryPriceTable, Pricer, priceRowsFromTrades } from './pricing.js';

const d = (text: string) => parseDecimal(text, 'x');
const hour_ms = 3_600_000;

describe('pricing', () => {
  const table = new InMemoryPriceTable([
    { asset: 'BTC', time_ms: 10 * hour_ms, price: '40000', source: 'feed-a' },
    { asset: 'BTC', time_ms: 20 * hour_ms, price: '41000', source: 'feed-a' },
    { asset: 'USDT', time_ms: 20 * hour_ms, price: '0.99', source: 'feed-a' },
    { asset: 'ETH', time_ms: 20 * hour_ms, price: '2000', source: 'feed-b' },
    { asset: 'ETH', time_ms: 20 * hour_ms, price: '2001', source: 'feed-a' },
  ]);
  const pricer = new Pricer(lotSettings(), table);

  it('takes the reporting currency, then pegs, then the table', () => {
    expect(pricer.directPrice('USD', 0)).toMatchObject({ kind: 'reporting_currency', price: { units: 1n, scale: 0 } });
    // The peg wins over the table's 0.99: a configured peg is a setting, printed on the report.
    expect(pricer.directPrice('USDT', 20 * hour_ms)).toMatchObject({ kind: 'peg', source: 'peg:USDT' });
    expect(pricer.pegs_used).toEqual(new Set(['USDT']));
    expect(pricer.directPrice('BTC', 15 * hour_ms)).toMatchObject({
      kind: 'table',
      price: d('40000'),
      source: 'feed-a',
    });
  });

  it('uses the latest table price at or before the time, within the age limit, ties by source', () => {
    expect(pricer.directPrice('BTC', 20 * hour_ms)?.price).toEqual(d('41000'));
    expect(pricer.directPrice('BTC', 10 * hour_ms - 1)).toBeUndefined();
    expect(pricer.directPrice('BTC', 44 * hour_ms)?.price).toEqual(d('41000'));
    expect(pricer.directPrice('BTC', 44 * hour_ms + 1)).toBeUndefined();
    expect(pricer.directPrice('ETH', 21 * hour_ms)).toMatchObject({ price: d('2000'), source: 'feed-b' });
    expect(
      new Pricer(lotSettings({ price_age_max_ms: 0 }), table).directPrice('BTC', 20 * hour_ms + 1),
    ).toBeUndefined();
  });

  it('implies the base from the quote (exact) and the quote from a priced base (rounded at the scale)', () => {
    const usdt = pricer.tradePrices('SOL', 'USDT', d('150.5'), 0, 'e1');
    expect(formatDecimal(pricer.value(d('2'), usdt.base!))).toBe('301');
    expect(usdt.base).toMatchObject({ kind: 'trade' });
    const eth_btc = pricer.tradePrices('ETH', 'BTC', d('0.05'), 20 * hour_ms, 'e2');
    expect(formatDecimal(pricer.value(d('10'), eth_btc.base!))).toBe('20500');
    const btc_doge = pricer.tradePrices('BTC', 'DOGE', d('300000'), 20 * hour_ms, 'e3');
    expect(btc_doge.base).toMatchObject({ kind: 'table' });
    expect(formatDecimal(pricer.value(d('1'), btc_doge.quote!))).toBe('0.136666666667');
    expect(pricer.tradePrices('ABC', 'XYZ', d('3'), 0, 'e4')).toEqual({ base: undefined, quote: undefined });
  });

  it('rejects a bad price row with a coded error', () => {
    expect(() => new InMemoryPriceTable([{ asset: 'BTC', time_ms: 0, price: '0' }])).toThrow(
      expect.objectContaining({ code: 'KEEL_ERR_AUDIT_PRICE_INVALID' }),
    );
  });

  it('reads prices from spot trades quoted in USD or a peg', () => {
    const rows = priceRowsFromTrades(
      [
        {
          type: 'trade',
          id: 't1',
          time: '2024-01-01T00:00:00.000Z',
          instrument: { kind: 'spot', base: 'BNB', quote: 'USDT' },
          price: '300.5',
        },
        {
          type: 'trade',
          id: 't2',
          time: '2024-01-01T00:00:00.000Z',
          instrument: { kind: 'spot', base: 'ETH', quote: 'BTC' },
          price: '0.05',
        },
        {
          type: 'trade',
          id: 't3',
          time: '2024-01-01T00:00:00.000Z',
          instrument: { kind: 'perpetual', base: 'BTC', quote: 'USDT' },
          price: '40000',
        },
      ],
      lotSettings(),
    );
    expect(rows).toEqual([
      { asset: 'BNB', time_ms: Date.parse('2024-01-01T00:00:00.000Z'), price: d('300.5'), source: 'trade:t1' },
    ]);
  });
});
