// The fold cut into pieces, each restored from the text of the last one's state, gives exactly the
// full recompute: the same lot rows in the same order, the same open lots, and trade records built
// from the fills' facts equal to the records of every event at once.
import { describe, expect, it } from 'vitest';
import { eventTimeMs, parseEvent, type EventOf, type KeelEvent } from '../engine/event-schema.js';
import { AssetRegistry } from '../ledger/asset-registry.js';
import { seededRandom } from '../test/support/event-generator.js';
import { auditStreamEvents } from '../test/support/audit-stream.js';
import { lotReport, tradeRecordsOf } from './lot-facts.js';
import {
  AuditFold,
  decodeFoldState,
  depositLookupKey,
  earlyPriceQuestions,
  encodeFoldState,
  type FillFacts,
  type FoldOutput,
} from './audit-fold.js';
import { lotSettings, type LotSettings } from './lots/lot-settings.js';
import { InMemoryPriceTable, priceRowsFromTrades, type PriceRow } from './lots/pricing.js';
import { tradeIdOf, tradeRecordOf, type TradeRecord } from './trade-records.js';

const registry = new AssetRegistry();

function validated(events: KeelEvent[]): KeelEvent[] {
  return events.map((event) => {
    const parsed = parseEvent(event);
    if (!parsed.ok) throw new Error(`generated event ${event.id} is invalid: ${JSON.stringify(parsed.issues)}`);
    return parsed.event;
  });
}

function byMillisecond(events: readonly KeelEvent[]): KeelEvent[][] {
  const groups = new Map<number, KeelEvent[]>();
  for (const event of events) {
    const time_ms = eventTimeMs(event);
    groups.set(time_ms, [...(groups.get(time_ms) ?? []), event]);
  }
  return [...groups.entries()].sort(([left], [right]) => left - right).map(([, group]) => group);
}

/** Folds in pieces cut at random milliseconds, restoring each piece from its predecessor's encoded state. */
function foldInPieces(
  events: KeelEvent[],
  settings: Partial<LotSettings>,
  price_rows: PriceRow[],
  seed: number,
): FoldOutput[] {
  const random = seededRandom(seed);
  const full = lotSettings(settings);
  const table = new InMemoryPriceTable([...priceRowsFromTrades(events, full), ...price_rows]);
  const outputs: FoldOutput[] = [];
  let fold = new AuditFold(settings, registry);
  fold.addPriceRows(price_rows);
  let piece: KeelEvent[][] = [];
  const flush = () => {
    const questions = earlyPriceQuestions(piece.flat(), full, eventTimeMs);
    fold.addDepositLookups(
      new Map(
        questions.map(({ asset, time_ms }) => [
          depositLookupKey(asset, time_ms),
          table.priceAt(asset, time_ms) ?? null,
        ]),
      ),
    );
    for (const group of piece) fold.applyMillisecond(group);
    outputs.push(fold.drain());
    fold = new AuditFold(settings, registry, decodeFoldState(encodeFoldState(fold.exportState())));
    piece = [];
  };
  for (const group of byMillisecond(events)) {
    piece.push(group);
    if (random() < 0.2) flush();
  }
  flush();
  return outputs;
}

function recordsFromFacts(events: readonly KeelEvent[], fills: readonly FillFacts[], currency: string): TradeRecord[] {
  const facts = new Map(fills.map((fill) => [fill.event_id, fill]));
  const by_trade = new Map<string, EventOf<'trade'>[]>();
  for (const event of events)
    if (event.type === 'trade') by_trade.set(tradeIdOf(event), [...(by_trade.get(tradeIdOf(event)) ?? []), event]);
  return [...by_trade.entries()].map(([trade_id, trade_fills]) => {
    const fill_facts = trade_fills.map((fill) => facts.get(fill.id)!);
    return tradeRecordOf(
      {
        trade_id,
        fills: trade_fills.map((event) => ({
          event,
          balances: facts.get(event.id)!.balances,
          order_time_ms: eventTimeMs(event),
        })),
        orders: events.filter(
          (event): event is EventOf<'order'> =>
            event.type === 'order' && `${event.venue}:${event.account}:order:${event.order_id}` === trade_id,
        ),
        decisions: events.filter((event): event is EventOf<'decision'> => event.type === 'decision'),
        risk_checks: events.filter((event): event is EventOf<'risk_check'> => event.type === 'risk_check'),
        lots: {
          opened: new Map(fill_facts.map((fill) => [fill.event_id, fill.opened])),
          closed: new Map(fill_facts.map((fill) => [fill.event_id, fill.closed])),
          missing_basis: new Map(fill_facts.map((fill) => [fill.event_id, fill.missing_basis])),
          reporting_currency: currency,
        },
      },
      registry,
    );
  });
}

describe('the audit fold', () => {
  const cases: { name: string; settings: Partial<LotSettings>; seed: number }[] = [
    { name: 'FIFO per account', settings: {}, seed: 11 },
    { name: 'LIFO per account', settings: { method: 'lifo' }, seed: 12 },
    { name: 'HIFO, global pool', settings: { method: 'hifo', pool: 'global' }, seed: 13 },
  ];
  for (const { name, settings, seed } of cases) {
    it(`cut anywhere and restored from text, equals the full recompute (${name})`, () => {
      const events = validated(auditStreamEvents(1_500, { seed }));
      const price_rows: PriceRow[] = [
        { asset: 'BNB', time_ms: Date.UTC(2024, 0, 1) - 1, price: '300', source: 'test' },
      ];
      const report = lotReport(events, settings, price_rows);
      const outputs = foldInPieces(events, settings, price_rows, seed);
      expect(outputs.length).toBeGreaterThan(10);
      const all = (kind: keyof Omit<FoldOutput, 'remaining' | 'fills'>): unknown[] =>
        outputs.flatMap((output): unknown[] => output[kind]);
      expect(all('disposals')).toEqual(report.disposals);
      expect(all('acquisitions')).toEqual(report.acquisitions);
      expect(all('missing_basis')).toEqual(report.missing_basis);
      expect(all('withdrawn')).toEqual(report.withdrawn);
      expect(all('transferred')).toEqual(report.transferred);
      expect(all('unpriced')).toEqual(report.unpriced);
      expect(all('deposits_without_basis')).toEqual(report.deposits_without_basis);
      expect(report.disposals.length).toBeGreaterThan(100);
      // The last remaining quantity reported for each lot is what the full recompute leaves open.
      const remaining = new Map<string, string>();
      for (const output of outputs) for (const lot of output.remaining) remaining.set(lot.lot_id, lot.quantity);
      const open = new Map(report.open_lots.map((lot) => [lot.lot_id, lot.quantity]));
      for (const [lot_id, quantity] of remaining) expect([lot_id, quantity]).toEqual([lot_id, open.get(lot_id) ?? '0']);
      for (const lot_id of open.keys()) expect(remaining.has(lot_id)).toBe(true);

      const expected = tradeRecordsOf(events, registry, settings, price_rows);
      const actual = recordsFromFacts(
        events,
        outputs.flatMap((output) => output.fills),
        lotSettings(settings).reporting_currency,
      );
      const by_id = new Map(actual.map((record) => [record.trade_id, record]));
      expect(actual).toHaveLength(expected.length);
      for (const record of expected) expect(by_id.get(record.trade_id)).toEqual(record);
      expect(
        expected.some(
          (record) => record.fills.length > 1 && record.decision !== null && record.order_lifecycle.length > 0,
        ),
      ).toBe(true);
    });
  }
});
