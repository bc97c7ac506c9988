import { describe, expect, it } from 'vitest';
import { computeLots, LotEngine } from './lot-engine.js';
import { csvCell, renderDisposalsCsv } from './lot-report.js';
import { lotSettings } from './lot-settings.js';
import { InMemoryPriceTable } from './pricing.js';
import { deposit, fundedDeposit, income, spotTrade, transfer, withdrawal } from '../../test/support/event-builders.js';

const day = (date: string) => `${date}T12:00:00.000Z`;

describe('acquisitions and disposals', () => {
  it('adds a USD fee to the cost of a buy and deducts it from the proceeds of a sell', () => {
    const report = computeLots([
      spotTrade({
        id: 'b1',
        time: day('2024-01-10'),
        side: 'buy',
        quantity: '1',
        price: '40000',
        fees: [{ asset: 'USD', amount: '10' }],
      }),
      spotTrade({
        id: 's1',
        time: day('2024-02-10'),
        side: 'sell',
        quantity: '1',
        price: '50000',
        fees: [{ asset: 'USD', amount: '12.5' }],
      }),
    ]);
    expect(report.acquisitions).toEqual([
      {
        lot_id: 'b1#base',
        event_id: 'b1',
        kind: 'trade',
        venue: 'binance',
        account: 'main',
        asset: 'BTC',
        quantity: '1',
        cost_basis: '40010',
        acquired_at: day('2024-01-10'),
      },
    ]);
    expect(report.disposals).toEqual([
      {
        event_id: 's1',
        kind: 'trade',
        venue: 'binance',
        account: 'main',
        asset: 'BTC',
        quantity: '1',
        acquired_at: day('2024-01-10'),
        disposed_at: day('2024-02-10'),
        proceeds: '49987.5',
        cost_basis: '40010',
        gain: '9977.5',
        term: 'short',
        lot_id: 'b1#base',
        acquisition_event_id: 'b1',
      },
    ]);
    expect(report.open_lots).toEqual([]);
    expect(report.missing_basis).toEqual([]);
  });

  it('splits a lot exactly where it can, rounds half to even at 1e-12 where it cannot, and conserves the total cost', () => {
    const report = computeLots([
      spotTrade({
        id: 'b1',
        time: day('2024-01-01'),
        side: 'buy',
        quantity: '3',
        price: '33.3333333333333333',
        cost: '100',
      }),
      spotTrade({ id: 's1', time: day('2024-01-02'), side: 'sell', quantity: '1', price: '40' }),
      spotTrade({ id: 's2', time: day('2024-01-03'), side: 'sell', quantity: '2', price: '40' }),
    ]);
    expect(report.disposals.map((row) => row.cost_basis)).toEqual(['33.333333333333', '66.666666666667']);
    expect(report.disposals.map((row) => row.gain)).toEqual(['6.666666666667', '13.333333333333']);
  });

  it('values a trade in USDT at the peg and disposes of USDT lots: a stablecoin is a crypto asset', () => {
    const report = computeLots([
      fundedDeposit('d-usdt', day('2024-01-01'), '1000', '999', day('2023-12-01'), 'USDT'),
      spotTrade({
        id: 'b1',
        time: day('2024-01-02'),
        side: 'buy',
        quantity: '0.01',
        price: '42000',
        quote: 'USDT',
        fees: [{ asset: 'USDT', amount: '0.42' }],
      }),
    ]);
    expect(report.acquisitions.find((row) => row.lot_id === 'b1#base')).toMatchObject({
      asset: 'BTC',
      quantity: '0.01',
      cost_basis: '420.42',
    });
    // 420 + 0.42 USDT leave the USDT lot: proceeds 420.42 at the peg, cost 999 × 420.42 / 1000.
    expect(report.disposals).toEqual([
      expect.objectContaining({
        event_id: 'b1',
        asset: 'USDT',
        quantity: '420.42',
        proceeds: '420.42',
        cost_basis: '419.99958',
        gain: '0.42042',
      }),
    ]);
    expect(report.open_lots).toEqual([
      expect.objectContaining({ asset: 'BTC', cost_basis: '420.42' }),
      expect.objectContaining({ asset: 'USDT', quantity: '579.58', cost_basis: '579.00042' }),
    ]);
    expect(report.settings.pegs_used).toEqual(['USDT']);
  });

  it('nets a quote-asset fee on a sell: fewer USDT acquired, lower proceeds', () => {
    const report = computeLots([
      fundedDeposit('d1', day('2024-01-01'), '1', '30000', day('2023-06-01')),
      spotTrade({
        id: 's1',
        time: day('2024-01-02'),
        side: 'sell',
        quantity: '1',
        price: '42000',
        quote: 'USDT',
        fees: [{ asset: 'USDT', amount: '42' }],
      }),
    ]);
    expect(report.disposals).toEqual([
      expect.objectContaining({ asset: 'BTC', proceeds: '41958', cost_basis: '30000', gain: '11958' }),
    ]);
    expect(report.acquisitions.find((row) => row.asset === 'USDT')).toMatchObject({
      lot_id: 's1#quote',
      quantity: '41958',
      cost_basis: '41958',
    });
  });

  it('treats a fee in another crypto asset as a disposal at market value whose value is a cost of the trade', () => {
    const prices = new InMemoryPriceTable([
      { asset: 'BNB', time_ms: Date.parse(day('2024-01-02')) - 60_000, price: '300' },
    ]);
    const report = computeLots(
      [
        fundedDeposit('d-bnb', day('2024-01-01'), '1', '250', day('2023-01-01'), 'BNB'),
        spotTrade({
          id: 'b1',
          time: day('2024-01-02'),
          side: 'buy',
          quantity: '0.5',
          price: '40000',
          fees: [{ asset: 'BNB', amount: '0.01' }],
        }),
      ],
      {},
      prices,
    );
    expect(report.disposals).toEqual([
      expect.objectContaining({
        event_id: 'b1',
        kind: 'fee',
        asset: 'BNB',
        quantity: '0.01',
        proceeds: '3',
        cost_basis: '2.5',
        gain: '0.5',
        term: 'long',
        lot_id: 'd-bnb#amount',
      }),
    ]);
    expect(report.acquisitions.find((row) => row.lot_id === 'b1#base')).toMatchObject({ cost_basis: '20003' });
  });

  it('treats a fee in the base asset as a disposal of base lots (oldest first under FIFO)', () => {
    const report = computeLots([
      fundedDeposit('d1', day('2024-01-01'), '1', '30000', day('2023-01-01')),
      spotTrade({
        id: 'b1',
        time: day('2024-01-02'),
        side: 'buy',
        quantity: '1',
        price: '40000',
        fees: [{ asset: 'BTC', amount: '0.001' }],
      }),
    ]);
    expect(report.disposals).toEqual([
      expect.objectContaining({
        kind: 'fee',
        asset: 'BTC',
        quantity: '0.001',
        proceeds: '40',
        cost_basis: '30',
        lot_id: 'd1#amount',
        term: 'long',
      }),
    ]);
    expect(report.acquisitions.find((row) => row.lot_id === 'b1#base')).toMatchObject({
      quantity: '1',
      cost_basis: '40040',
    });
  });

  it('turns a rebate in another asset into an acquisition at market value that lowers the cost', () => {
    const prices = new InMemoryPriceTable([{ asset: 'BNB', time_ms: Date.parse(day('2024-01-02')), price: '300' }]);
    const report = computeLots(
      [
        spotTrade({
          id: 'b1',
          time: day('2024-01-02'),
          side: 'buy',
          quantity: '1',
          price: '100',
          fees: [{ asset: 'BNB', amount: '-0.01' }],
        }),
      ],
      {},
      prices,
    );
    expect(report.acquisitions).toEqual([
      expect.objectContaining({ lot_id: 'b1#base', cost_basis: '97' }),
      expect.objectContaining({ lot_id: 'b1#fee:0', kind: 'rebate', asset: 'BNB', quantity: '0.01', cost_basis: '3' }),
    ]);
  });

  it('makes a crypto-for-crypto trade a disposal of one asset and an acquisition of the other', () => {
    const prices = new InMemoryPriceTable([
      { asset: 'BTC', time_ms: Date.parse(day('2024-01-02')) - 1000, price: '40000' },
    ]);
    const report = computeLots(
      [
        fundedDeposit('d1', day('2024-01-01'), '1', '30000', day('2023-06-01')),
        spotTrade({
          id: 'x1',
          time: day('2024-01-02'),
          side: 'buy',
          base: 'ETH',
          quote: 'BTC',
          quantity: '10',
          price: '0.05',
        }),
      ],
      {},
      prices,
    );
    expect(report.disposals).toEqual([
      expect.objectContaining({
        event_id: 'x1',
        asset: 'BTC',
        quantity: '0.5',
        proceeds: '20000',
        cost_basis: '15000',
        gain: '5000',
      }),
    ]);
    expect(report.acquisitions.find((row) => row.asset === 'ETH')).toMatchObject({
      lot_id: 'x1#base',
      quantity: '10',
      cost_basis: '20000',
    });
  });

  it('values income at market and acquires it; negative income is a disposal', () => {
    const report = computeLots([
      income({ id: 'i1', time: day('2024-01-01'), asset: 'USDT', amount: '5' }),
      income({ id: 'i2', time: day('2024-01-02'), asset: 'USDT', amount: '-2', kind: 'other' }),
      income({ id: 'i3', time: day('2024-01-03'), asset: 'USD', amount: '7' }),
    ]);
    expect(report.acquisitions).toEqual([
      expect.objectContaining({ lot_id: 'i1#amount', kind: 'income', quantity: '5', cost_basis: '5' }),
    ]);
    expect(report.disposals).toEqual([
      expect.objectContaining({
        event_id: 'i2',
        kind: 'income',
        quantity: '2',
        proceeds: '2',
        cost_basis: '2',
        gain: '0',
      }),
    ]);
    expect(report.open_lots).toEqual([
      expect.objectContaining({ lot_id: 'i1#amount', quantity: '3', cost_basis: '3' }),
    ]);
  });
});

describe('deposits, withdrawals and transfers', () => {
  it('keeps a deposit cost basis with its own acquisition date, converted to USD at that date', () => {
    const prices = new InMemoryPriceTable([
      { asset: 'EUR', time_ms: Date.parse('2022-05-01T00:00:00.000Z'), price: '1.05' },
    ]);
    const report = computeLots(
      [
        deposit({
          id: 'd1',
          time: day('2024-01-01'),
          asset: 'BTC',
          amount: '1',
          cost_basis: { amount: '20000', currency: 'EUR', acquired_at: '2022-05-01T10:00:00.000Z' },
        }),
        deposit({
          id: 'd2',
          time: day('2024-01-01'),
          asset: 'ETH',
          amount: '1',
          cost_basis: { amount: '900', currency: 'EUR', acquired_at: '2020-05-01T10:00:00.000Z' },
        }),
      ],
      {},
      prices,
    );
    expect(report.acquisitions).toEqual([
      expect.objectContaining({
        lot_id: 'd1#amount',
        kind: 'deposit',
        cost_basis: '21000',
        acquired_at: '2022-05-01T10:00:00.000Z',
      }),
      expect.objectContaining({ lot_id: 'd2#amount', cost_basis: null, unpriced: true }),
    ]);
    expect(report.unpriced).toEqual([
      { event_id: 'd2', time: day('2024-01-01'), asset: 'EUR', quantity: '900', role: 'cost_basis' },
    ]);
  });

  it('creates no lot for a deposit without cost basis: its later sale is missing basis, never zero cost', () => {
    const report = computeLots([
      deposit({ id: 'd1', time: day('2024-01-01'), asset: 'BTC', amount: '1' }),
      spotTrade({ id: 's1', time: day('2024-01-02'), side: 'sell', quantity: '0.4', price: '50000' }),
    ]);
    expect(report.deposits_without_basis).toEqual([
      { event_id: 'd1', venue: 'binance', account: 'main', asset: 'BTC', quantity: '1' },
    ]);
    expect(report.disposals).toEqual([]);
    expect(report.missing_basis).toEqual([
      {
        event_id: 's1',
        kind: 'trade',
        venue: 'binance',
        account: 'main',
        asset: 'BTC',
        quantity: '0.4',
        proceeds: '20000',
      },
    ]);
  });

  it('matches the covered part of a disposal and reports the rest as missing basis with its share of the proceeds', () => {
    const report = computeLots([
      fundedDeposit('d1', day('2024-01-01'), '1', '30000', day('2023-01-01')),
      spotTrade({ id: 's1', time: day('2024-01-02'), side: 'sell', quantity: '1.5', price: '40000' }),
    ]);
    expect(report.disposals).toEqual([
      expect.objectContaining({ quantity: '1', proceeds: '40000', cost_basis: '30000' }),
    ]);
    expect(report.missing_basis).toEqual([
      expect.objectContaining({ event_id: 's1', quantity: '0.5', proceeds: '20000' }),
    ]);
  });

  it('lists withdrawn lots (not disposals) and disposes of the withdrawal fee at market value', () => {
    const prices = new InMemoryPriceTable([{ asset: 'BTC', time_ms: Date.parse(day('2024-02-01')), price: '45000' }]);
    const report = computeLots(
      [
        fundedDeposit('d1', day('2024-01-01'), '1', '30000', day('2023-01-01')),
        deposit({
          id: 'd2',
          time: day('2024-01-05'),
          asset: 'BTC',
          amount: '0.5',
          fee: '0.0001',
          cost_basis: { amount: '20000', currency: 'USD', acquired_at: day('2024-01-04') },
        }),
        withdrawal({ id: 'w1', time: day('2024-02-01'), asset: 'BTC', amount: '1.2', fee: '0.0002' }),
        withdrawal({ id: 'w2', time: day('2024-02-02'), asset: 'BTC', amount: '1' }),
      ],
      {},
      prices,
    );
    expect(report.withdrawn).toEqual([
      expect.objectContaining({
        event_id: 'w1',
        quantity: '0.9999',
        cost_basis: '29997',
        lot_id: 'd1#amount',
        withdrawn_at: day('2024-02-01'),
      }),
      expect.objectContaining({ event_id: 'w1', quantity: '0.2001', cost_basis: '8004', lot_id: 'd2#amount' }),
      expect.objectContaining({ event_id: 'w2', quantity: '0.2997', cost_basis: '11988', lot_id: 'd2#amount' }),
    ]);
    // The deposit fee had no price at its time (the table starts later): unpriced, never zero.
    expect(report.disposals).toEqual([
      expect.objectContaining({
        event_id: 'd2',
        kind: 'deposit_fee',
        quantity: '0.0001',
        proceeds: null,
        cost_basis: '3',
        gain: null,
        unpriced: true,
      }),
      expect.objectContaining({
        event_id: 'w1',
        kind: 'withdrawal_fee',
        quantity: '0.0002',
        proceeds: '9',
        cost_basis: '8',
      }),
    ]);
    expect(report.missing_basis).toEqual([
      expect.objectContaining({ event_id: 'w2', kind: 'withdrawal', quantity: '0.7003', proceeds: null }),
    ]);
  });

  it('moves lots between own accounts with their date and cost; a moved lot gets a derived id', () => {
    const events = [
      fundedDeposit('d1', day('2024-01-01'), '1', '30000', day('2023-01-01')),
      fundedDeposit('d2', day('2024-01-02'), '1', '40000', day('2024-01-02')),
      transfer({
        id: 't1',
        time: day('2024-01-03'),
        asset: 'BTC',
        amount: '1.5',
        to_venue: 'bybit',
        to_account: 'unified',
      }),
      spotTrade({
        id: 's1',
        time: day('2024-02-01'),
        side: 'sell',
        quantity: '1.2',
        price: '50000',
        venue: 'bybit',
        account: 'unified',
      }),
    ];
    const report = computeLots(events);
    expect(report.transferred).toEqual([
      expect.objectContaining({
        event_id: 't1',
        lot_id: 'd1#amount',
        new_lot_id: 'd1#amount/moved-by/t1',
        quantity: '1',
        cost_basis: '30000',
        to_venue: 'bybit',
      }),
      expect.objectContaining({
        event_id: 't1',
        lot_id: 'd2#amount',
        new_lot_id: 'd2#amount/moved-by/t1',
        quantity: '0.5',
        cost_basis: '20000',
      }),
    ]);
    expect(report.disposals).toEqual([
      expect.objectContaining({
        venue: 'bybit',
        lot_id: 'd1#amount/moved-by/t1',
        quantity: '1',
        cost_basis: '30000',
        acquired_at: day('2023-01-01'),
        term: 'long',
        acquisition_event_id: 'd1',
      }),
      expect.objectContaining({
        venue: 'bybit',
        lot_id: 'd2#amount/moved-by/t1',
        quantity: '0.2',
        cost_basis: '8000',
        term: 'short',
      }),
    ]);
    expect(report.open_lots.map((lot) => [lot.venue, lot.lot_id, lot.quantity])).toEqual([
      ['binance', 'd2#amount', '0.5'],
      ['bybit', 'd2#amount/moved-by/t1', '0.3'],
    ]);

    const global = computeLots(events, { pool: 'global' });
    expect(global.transferred).toEqual([]);
    expect(global.disposals.map((row) => [row.lot_id, row.quantity])).toEqual([
      ['d1#amount', '1'],
      ['d2#amount', '0.2'],
    ]);
  });
});

describe('methods', () => {
  const buys = [
    spotTrade({ id: 'b1', time: day('2024-01-01'), side: 'buy', quantity: '1', price: '30000' }),
    spotTrade({ id: 'b2', time: day('2024-01-02'), side: 'buy', quantity: '1', price: '50000' }),
    spotTrade({ id: 'b3', time: day('2024-01-03'), side: 'buy', quantity: '1', price: '40000' }),
    spotTrade({ id: 's1', time: day('2024-01-04'), side: 'sell', quantity: '1.5', price: '45000' }),
  ];
  it.each([
    ['fifo', ['b1#base', 'b2#base']],
    ['lifo', ['b3#base', 'b2#base']],
    ['hifo', ['b2#base', 'b3#base']],
  ] as const)('%s takes the lots in its order', (method, lot_ids) => {
    const report = computeLots(buys, { method });
    expect(report.disposals.map((row) => row.lot_id)).toEqual(lot_ids);
    expect(report.disposals.map((row) => row.quantity)).toEqual(['1', '0.5']);
    expect(report.settings.method).toBe(method);
  });
});

describe('pricing and order', () => {
  it('marks what cannot be priced as unpriced (null), never zero, down to the later disposal', () => {
    const report = computeLots([
      spotTrade({
        id: 'x1',
        time: day('2024-01-02'),
        side: 'buy',
        base: 'ETH',
        quote: 'DOGE',
        quantity: '1',
        price: '30000',
      }),
      spotTrade({
        id: 's1',
        time: day('2024-01-03'),
        side: 'sell',
        quantity: '1',
        price: '2500',
        base: 'ETH',
        quote: 'USD',
      }),
    ]);
    expect(report.unpriced).toEqual([
      { event_id: 'x1', time: day('2024-01-02'), asset: 'ETH', quantity: '1', role: 'trade' },
    ]);
    expect(report.acquisitions).toEqual([expect.objectContaining({ asset: 'ETH', cost_basis: null, unpriced: true })]);
    expect(report.missing_basis).toEqual([
      expect.objectContaining({ asset: 'DOGE', quantity: '30000', proceeds: null }),
    ]);
    expect(report.disposals).toEqual([
      expect.objectContaining({ event_id: 's1', proceeds: '2500', cost_basis: null, gain: null, unpriced: true }),
    ]);
  });

  it('recomputes from the set of events: a late acquisition re-matches the disposals after it', () => {
    const sell = spotTrade({ id: 's1', time: day('2024-03-01'), side: 'sell', quantity: '1', price: '60000' });
    const first = computeLots([fundedDeposit('d1', day('2024-01-01'), '1', '30000', day('2024-01-01')), sell]);
    expect(first.disposals.map((row) => row.lot_id)).toEqual(['d1#amount']);
    const late = spotTrade({ id: 'b0', time: day('2023-12-01'), side: 'buy', quantity: '1', price: '20000' });
    const again = computeLots([fundedDeposit('d1', day('2024-01-01'), '1', '30000', day('2024-01-01')), sell, late]);
    expect(again.disposals.map((row) => [row.lot_id, row.gain])).toEqual([['b0#base', '40000']]);
  });

  it('applies an id once, and lists the same id with other content as a conflict', () => {
    const buy = spotTrade({ id: 'b1', time: day('2024-01-01'), side: 'buy', quantity: '1', price: '100' });
    const changed = spotTrade({ id: 'b1', time: day('2024-01-01'), side: 'buy', quantity: '2', price: '100' });
    const report = computeLots([buy, buy, changed]);
    expect(report.acquisitions).toHaveLength(1);
    expect(report.conflicts).toEqual([{ event_id: 'b1', reason: expect.stringContaining('different content') }]);
    expect(computeLots([changed, buy, buy])).toEqual(report);
  });

  it('refuses events applied out of order, with a coded error', () => {
    const engine = new LotEngine(lotSettings());
    engine.apply(spotTrade({ id: 'b', time: day('2024-01-02'), side: 'buy', quantity: '1', price: '1' }));
    expect(() =>
      engine.apply(spotTrade({ id: 'a', time: day('2024-01-02'), side: 'buy', quantity: '1', price: '1' })),
    ).toThrow(expect.objectContaining({ code: 'KEEL_ERR_AUDIT_EVENT_OUT_OF_ORDER' }));
  });

  it('records every setting on the report', () => {
    const report = computeLots([], { method: 'hifo', pool: 'global' });
    expect(report.settings).toMatchObject({
      method: 'hifo',
      pool: 'global',
      reporting_currency: 'USD',
      pegs: { USDT: '1', USDC: '1' },
      pegs_used: [],
      rounding_scale: 12,
      price_age_max_ms: 86_400_000,
    });
    for (const key of [
      'fee_policy',
      'holding_period',
      'same_time_order',
      'price_sources',
      'rounding',
      'deposits_without_basis',
      'transfers',
      'withdrawals',
      'derivatives',
    ] as const) {
      expect(report.settings[key].length).toBeGreaterThan(20);
    }
    expect(() => lotSettings({ method: 'avg' as never, rounding_scale: 1, pegs: { USD: '1' } })).toThrow(
      expect.objectContaining({
        code: 'KEEL_ERR_AUDIT_SETTINGS_INVALID',
        message: expect.stringMatching(/method.*pegs\.USD.*rounding_scale/s),
      }),
    );
  });
});

describe('disposals CSV', () => {
  it('quotes per RFC 4180 and neutralises formulas in text cells only', () => {
    expect(csvCell('a,b', true)).toBe('"a,b"');
    expect(csvCell('say "hi"', true)).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("x")', true)).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('@SUM(A1)', true)).toBe(`'@SUM(A1)`);
    expect(csvCell('-12.5', false)).toBe('-12.5');
    const report = computeLots([
      spotTrade({ id: '=cmd|x', time: day('2024-01-01'), side: 'buy', quantity: '1', price: '100' }),
      spotTrade({ id: '+s,1', time: day('2024-01-02'), side: 'sell', quantity: '1', price: '90' }),
    ]);
    const lines = renderDisposalsCsv(report).split('\r\n');
    expect(lines[0]).toBe(
      'event_id,kind,venue,account,asset,quantity,acquired_at,disposed_at,proceeds,cost_basis,gain,term,lot_id,acquisition_event_id,unpriced,method,pool,reporting_currency',
    );
    expect(lines[1]).toBe(
      `"'+s,1",trade,binance,main,BTC,1,2024-01-01T12:00:00.000Z,2024-01-02T12:00:00.000Z,90,100,-10,short,'=cmd|x#base,'=cmd|x,,fifo,account,USD`,
    );
    expect(lines[2]).toBe('');
  });
});
