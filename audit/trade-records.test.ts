import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KeelEvent } from '../engine/event-schema.js';
import { AssetRegistry } from '../ledger/asset-registry.js';
import { canonicalJson } from '../platform/canonical-json.js';
import { explainTrade } from './explanation.js';
import { buildTradeRecords, type LotFacts } from './trade-records.js';
import { readValidEventFile } from '../engine/event-file.js';

const registry = new AssetRegistry();
const examples: KeelEvent[] = await readValidEventFile(join(import.meta.dirname, '..', 'examples', 'events.jsonl'));

const no_lots: LotFacts = { opened: new Map(), closed: new Map(), missing_basis: new Map(), reporting_currency: 'USD' };

describe('trade records', () => {
  it('joins decision, risk check, order lifecycle, fills, transfers and balances for an order', () => {
    const records = buildTradeRecords(examples, no_lots, registry);
    const record = records.find((candidate) => candidate.trade_id === 'binance:spot-main:order:8812001')!;
    expect(record.decision).toMatchObject({
      strategy: 'momentum',
      strategy_version: '2.1.0',
      signals: { momentum_4h: 1.8 },
    });
    expect(record.risk_check).toMatchObject({
      approved: true,
      checks: [expect.objectContaining({ name: 'max_notional_usd' }), expect.anything()],
    });
    expect(record.order_lifecycle.map((order) => order.status)).toEqual(['new', 'filled']);
    expect(record.fills.map((fill) => fill.trade_id)).toEqual(['28457', '28458']);
    expect(record.ledger_transfers).toHaveLength(6);
    expect(record.ledger_transfers[0]).toMatchObject({
      leg: 'quote',
      debit: 'counterparty',
      credit: 'cash',
      asset: 'USDT',
      amount: '18000',
    });
    expect(record.balances).toEqual([
      { type: 'cash', asset: 'BNB', before: '2', after: '1.9795' },
      { type: 'cash', asset: 'BTC', before: '0', after: '0.5' },
      { type: 'cash', asset: 'USDT', before: '50000', after: '19998' },
    ]);
    expect(record.missing).toEqual([]);
  });

  it('states what is missing instead of guessing: a fill with no decision, risk check or order events', () => {
    const records = buildTradeRecords(examples, no_lots, registry);
    const lone = records.find((candidate) => candidate.trade_id === 'binance:spot-main:order:8815000')!;
    expect(lone.decision).toBeNull();
    expect(lone.missing).toEqual([
      'client order id: the fills carry none, so no decision or risk check can be joined',
      'order lifecycle: the venue reported no order events for order 8815000',
    ]);
    expect(explainTrade(lone)).toContain('Why: no strategy decision was recorded for this trade.');
  });

  it('counts a transfer between venue accounts out of one and into the other', () => {
    // examples: binance spot-main sends 10000 USDT to bybit unified at 11:00, which then locks 2000 as margin.
    const records = buildTradeRecords(examples, no_lots, registry);
    const cash_usdt = (trade_id: string) =>
      records
        .find((candidate) => candidate.trade_id === trade_id)!
        .balances.find((line) => line.type === 'cash' && line.asset === 'USDT');
    expect(cash_usdt('bybit:unified:order:bb-771')).toMatchObject({ before: '8000' });
    expect(cash_usdt('binance:spot-main:order:8815000')).toMatchObject({ before: '9998' });
  });

  it('is the same, byte for byte, whatever order the events arrive in', () => {
    const forward = canonicalJson(buildTradeRecords(examples, no_lots, registry));
    const backward = canonicalJson(buildTradeRecords([...examples].reverse(), no_lots, registry));
    expect(backward).toBe(forward);
  });

  it('explains a trade in plain language a person can read in a minute', () => {
    const record = buildTradeRecords(examples, no_lots, registry).find(
      (candidate) => candidate.trade_id === 'binance:spot-main:order:8812001',
    )!;
    const text = explainTrade(record);
    expect(text).toContain(
      'Trade binance:spot-main:order:8812001: BUY 0.5 BTC (spot BTC/USDT) on binance, account spot-main',
    );
    expect(text).toContain(
      'strategy momentum (version 2.1.0) decided at 2024-03-01 09:59:59.500 UTC to buy 0.5, because: "4h momentum above 1.5',
    );
    expect(text).toContain('Risk: the order was approved; 2 of 2 checks passed');
    expect(text).toContain('Order: limit order 8812001, new → filled.');
    expect(text).toContain(
      'Execution: 2 fills for 0.5 at an average price of 60004 USDT (30002 USDT in all); fees 0.0205 BNB; 1 maker, 1 taker.',
    );
    expect(text).toContain('Balances: BNB cash 2 → 1.9795; BTC cash 0 → 0.5; USDT cash 50000 → 19998.');
    expect(text.split('\n').length).toBeLessThanOrEqual(12);
  });
});
