import { describe, expect, it } from 'vitest';
import { computeLots } from './lot-engine.js';
import { fundedDeposit, perpetualTrade, settlement } from '../../test/support/event-builders.js';

const at = (minute: number) => new Date(Date.UTC(2024, 2, 1, 10, minute)).toISOString();

describe('derivatives', () => {
  it('computes linear PnL from entry and exit and reconciles it with the venue settlements', () => {
    const report = computeLots([
      fundedDeposit('d-usdt', at(0), '100', '100', at(0), 'USDT'),
      perpetualTrade({
        id: 'p1',
        time: at(1),
        side: 'buy',
        quantity: '50',
        price: '61000',
        fees: [{ asset: 'USDT', amount: '1.6775' }],
      }),
      perpetualTrade({
        id: 'p2',
        time: at(2),
        side: 'sell',
        quantity: '50',
        price: '62500',
        fees: [{ asset: 'USDT', amount: '-0.3125' }],
      }),
      settlement({ id: 's1', time: at(2), amount: '74.5' }),
    ]);
    expect(report.derivatives).toEqual([
      {
        venue: 'binance',
        account: 'main',
        instrument: 'BTC/USDT:USDT',
        kind: 'perpetual',
        settle_asset: 'USDT',
        contract_size: '0.001',
        inverse: false,
        trades: 2,
        contracts_closed: '50',
        open_position: '0',
        realised_pnl_computed: '75',
        venue_settlements_total: '74.5',
        settlements: 1,
        difference: '0.5',
        funding_total: '0',
        fees: [{ asset: 'USDT', amount: '1.365' }],
        notes: [],
      },
    ]);
    // Fees in a crypto asset are disposals; a rebate and a positive settlement are acquisitions.
    expect(report.disposals).toEqual([
      expect.objectContaining({ event_id: 'p1', kind: 'fee', asset: 'USDT', quantity: '1.6775', proceeds: '1.6775' }),
    ]);
    expect(report.acquisitions.map((row) => [row.lot_id, row.kind, row.quantity])).toEqual([
      ['d-usdt#amount', 'deposit', '100'],
      ['p2#fee:0', 'rebate', '0.3125'],
      ['s1#amount', 'settlement', '74.5'],
    ]);
  });

  it('closes first in first out, flips through zero, and keeps shorts negative', () => {
    const report = computeLots([
      perpetualTrade({ id: 'a', time: at(1), side: 'buy', quantity: '5', price: '100' }),
      perpetualTrade({ id: 'b', time: at(2), side: 'buy', quantity: '5', price: '120' }),
      perpetualTrade({ id: 'c', time: at(3), side: 'sell', quantity: '13', price: '110' }),
      perpetualTrade({ id: 'd', time: at(4), side: 'buy', quantity: '1', price: '90' }),
    ]);
    // (110−100)·5 + (110−120)·5 = 0, then short 3 at 110, buy 1 back at 90: +20; × 0.001.
    expect(report.derivatives[0]).toMatchObject({
      realised_pnl_computed: '0.02',
      contracts_closed: '11',
      open_position: '-2',
      venue_settlements_total: null,
      difference: null,
    });
  });

  it('computes inverse PnL in the base asset, rounded half to even at 1e-12', () => {
    const inverse = {
      symbol: 'ETH/USD:ETH',
      base: 'ETH',
      quote: 'USD',
      settle: 'ETH',
      contract_size: '10',
      inverse: true,
    };
    const report = computeLots([
      perpetualTrade({ id: 'a', time: at(1), side: 'buy', quantity: '100', price: '2000', ...inverse }),
      perpetualTrade({ id: 'b', time: at(2), side: 'sell', quantity: '100', price: '2500', ...inverse }),
      perpetualTrade({ id: 'c', time: at(3), side: 'buy', quantity: '1', price: '3000', ...inverse }),
      perpetualTrade({ id: 'd', time: at(4), side: 'sell', quantity: '1', price: '7000', ...inverse }),
      perpetualTrade({ id: 'e', time: at(5), side: 'sell', quantity: '1', price: '2500', ...inverse }),
      perpetualTrade({ id: 'f', time: at(6), side: 'buy', quantity: '1', price: '2000', ...inverse }),
      settlement({ id: 's', time: at(7), amount: '0.1', asset: 'ETH', symbol: 'ETH/USD:ETH' }),
    ]);
    // 1000·(1/2000 − 1/2500) = 0.1; 10·(1/3000 − 1/7000) = 0.0019047619047…; short: −10·(1/2500 − 1/2000) = 0.001.
    expect(report.derivatives[0]).toMatchObject({
      settle_asset: 'ETH',
      realised_pnl_computed: '0.102904761905',
      venue_settlements_total: '0.1',
      difference: '0.002904761905',
    });
  });
});
