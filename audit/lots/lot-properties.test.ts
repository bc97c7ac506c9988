// Properties of the lot engine over generated event streams (one asset, two venue accounts):
// conservation of quantity and cost, missing basis accounting for what no lot covered,
// independence from input order, and each method's definition, checked against a naive
// reference that re-sorts every pool on every take.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KeelEvent } from '../../engine/event-schema.js';
import { formatUnits, parseSignedAmount } from '../../ledger/money.js';
import { computeLots } from './lot-engine.js';
import type { LotReport } from './lot-report.js';
import { lot_methods, lot_pools, type LotMethod, type LotPool, type LotSettings } from './lot-settings.js';
import { InMemoryPriceTable } from './pricing.js';
import { deposit, spotTrade, transfer, withdrawal } from '../../test/support/event-builders.js';

const scale = 12;
const units = (text: string | null) => parseSignedAmount(text ?? '0', scale, 'x');
const start_ms = Date.UTC(2024, 0, 1);
const accounts = [
  ['binance', 'main'],
  ['bybit', 'unified'],
] as const;
const prices = new InMemoryPriceTable([{ asset: 'BTC', time_ms: start_ms - 1, price: '40000' }]);
const settings_for = (method: LotMethod, pool: LotPool): Partial<LotSettings> => ({
  method,
  pool,
  price_age_max_ms: 366 * 86_400_000,
});

const amount = (max: number) => fc.integer({ min: 1, max }).map((value) => formatUnits(BigInt(value), 4));
const step = fc.record({
  kind: fc.constantFrom('buy', 'buy', 'sell', 'sell', 'deposit', 'deposit_without_basis', 'withdrawal', 'transfer'),
  account: fc.integer({ min: 0, max: 1 }),
  quantity: amount(30_000),
  price: fc.integer({ min: 100, max: 100_000 }).map((value) => formatUnits(BigInt(value), 0)),
  fee: fc.option(
    fc.integer({ min: 0, max: 500 }).map((value) => formatUnits(BigInt(value), 2)),
    { nil: undefined },
  ),
  held_days: fc.integer({ min: 0, max: 800 }),
  minute: fc.integer({ min: 0, max: 60 * 24 * 100 }),
});

function toEvent(item: Step, index: number): KeelEvent {
  const [venue, account] = accounts[item.account]!;
  const id = `e${String(index).padStart(3, '0')}`;
  const time = new Date(start_ms + item.minute * 60_000).toISOString();
  const common = { id, time, venue, account };
  switch (item.kind) {
    case 'buy':
    case 'sell':
      return spotTrade({
        ...common,
        side: item.kind,
        quantity: item.quantity,
        price: item.price,
        fees: item.fee === undefined ? [] : [{ asset: 'USD', amount: item.fee }],
      });
    case 'deposit':
      return deposit({
        ...common,
        asset: 'BTC',
        amount: item.quantity,
        cost_basis: {
          amount: item.price,
          currency: 'USD',
          acquired_at: new Date(Date.parse(time) - item.held_days * 86_400_000).toISOString(),
        },
      });
    case 'deposit_without_basis':
      return deposit({ ...common, asset: 'BTC', amount: item.quantity });
    case 'withdrawal':
      return withdrawal({
        ...common,
        asset: 'BTC',
        amount: item.quantity,
        ...(item.fee === undefined ? {} : { fee: '0.0001' }),
      });
    case 'transfer': {
      const [to_venue, to_account] = accounts[1 - item.account]!;
      return transfer({ ...common, asset: 'BTC', amount: item.quantity, to_venue, to_account });
    }
    default:
      throw new Error(`unknown step ${item.kind satisfies never}`);
  }
}

type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

const streams = fc.array(step, { minLength: 1, maxLength: 60 }).map((items) => items.map(toEvent));

function sum(rows: readonly { quantity: string }[], filter: (row: never) => boolean = () => true): bigint {
  return rows.filter(filter as (row: unknown) => boolean).reduce((total, row) => total + units(row.quantity), 0n);
}

function poolOf(pool: LotPool, venue: string, account: string): string {
  return pool === 'global' ? 'all' : `${venue}/${account}`;
}

/** Per pool: acquired + moved in = disposed + withdrawn + moved out + open, in quantity and in cost. */
function checkConservation(report: LotReport, pool: LotPool): void {
  const balance = new Map<string, { quantity: bigint; cost: bigint }>();
  const move = (key: string, quantity: string, cost: string | null, sign: bigint) => {
    const entry = balance.get(key) ?? { quantity: 0n, cost: 0n };
    entry.quantity += sign * units(quantity);
    entry.cost += sign * units(cost);
    balance.set(key, entry);
  };
  for (const row of report.acquisitions) move(poolOf(pool, row.venue, row.account), row.quantity, row.cost_basis, 1n);
  for (const row of report.transferred) {
    move(poolOf(pool, row.to_venue, row.to_account), row.quantity, row.cost_basis, 1n);
    move(poolOf(pool, row.from_venue, row.from_account), row.quantity, row.cost_basis, -1n);
  }
  for (const row of report.disposals) move(poolOf(pool, row.venue, row.account), row.quantity, row.cost_basis, -1n);
  for (const row of report.withdrawn) move(poolOf(pool, row.venue, row.account), row.quantity, row.cost_basis, -1n);
  // Open lots of the global pool keep the venue account where they were last; the pool is one.
  for (const row of report.open_lots) move(poolOf(pool, row.venue, row.account), row.quantity, row.cost_basis, -1n);
  for (const [key, entry] of balance) expect({ key, ...entry }).toEqual({ key, quantity: 0n, cost: 0n });
}

/** What each event asked to take = what lots covered + what is listed as missing basis. */
function checkMissingBasis(events: readonly KeelEvent[], report: LotReport, pool: LotPool): void {
  for (const event of events) {
    const missing = sum(report.missing_basis.filter((row) => row.event_id === event.id));
    if (event.type === 'trade' && event.side === 'sell') {
      const rows = report.disposals.filter((row) => row.event_id === event.id);
      expect(sum(rows) + missing).toBe(units(event.quantity));
      const proceeds =
        rows.reduce((total, row) => total + units(row.proceeds), 0n) +
        units(report.missing_basis.find((row) => row.event_id === event.id)?.proceeds ?? '0');
      const fee = event.fees.length > 0 ? units(event.fees[0]!.amount) : 0n;
      expect(proceeds).toBe((units(event.quantity) * units(event.price)) / 10n ** BigInt(scale) - fee);
    } else if (event.type === 'withdrawal') {
      const taken =
        sum(report.withdrawn.filter((row) => row.event_id === event.id)) +
        sum(report.disposals.filter((row) => row.event_id === event.id));
      expect(taken + missing).toBe(units(event.amount) + units(event.fee ?? '0'));
    } else if (event.type === 'transfer' && pool === 'account') {
      expect(sum(report.transferred.filter((row) => row.event_id === event.id)) + missing).toBe(units(event.amount));
    } else {
      expect(missing).toBe(0n);
    }
  }
}

type ReferenceLot = {
  lot_id: string;
  quantity: bigint;
  cost: bigint;
  unit_cost: bigint;
  unit_quantity: bigint;
  acquired_ms: number;
  origin: number;
  order: number;
};

/** A naive engine for this universe: every take sorts the whole pool by the method's definition. */
function referenceTakes(events: readonly KeelEvent[], method: LotMethod, pool: LotPool) {
  const pools = new Map<string, ReferenceLot[]>();
  const poolFor = (key: string) => pools.get(key) ?? (pools.set(key, []), pools.get(key)!);
  let counter = 0;
  const takes: { disposals: string[]; withdrawn: string[]; transferred: string[] } = {
    disposals: [],
    withdrawn: [],
    transferred: [],
  };
  const byMethod = (left: ReferenceLot, right: ReferenceLot) => {
    const oldest = left.acquired_ms - right.acquired_ms || left.origin - right.origin || left.order - right.order;
    if (method === 'fifo') return oldest;
    if (method === 'lifo') return -oldest;
    const dearer = right.unit_cost * left.unit_quantity - left.unit_cost * right.unit_quantity;
    return dearer !== 0n ? (dearer < 0n ? -1 : 1) : oldest;
  };
  const take = (key: string, quantity: bigint, record: (lot: ReferenceLot, taken: bigint) => void) => {
    const lots = poolFor(key).sort(byMethod);
    let remaining = quantity;
    while (remaining > 0n && lots.length > 0) {
      const lot = lots[0]!;
      const taken = lot.quantity < remaining ? lot.quantity : remaining;
      record(lot, taken);
      lot.quantity -= taken;
      remaining -= taken;
      if (lot.quantity === 0n) lots.shift();
    }
  };
  const sorted = [...events].sort(
    (left, right) => Date.parse(left.time) - Date.parse(right.time) || (left.id < right.id ? -1 : 1),
  );
  for (const event of sorted) {
    const key = poolOf(pool, event.venue, event.account);
    const add = (lot_id: string, quantity: bigint, cost: bigint, acquired_ms: number) => {
      counter += 1;
      poolFor(key).push({
        lot_id,
        quantity,
        cost,
        unit_cost: cost,
        unit_quantity: quantity,
        acquired_ms,
        origin: counter,
        order: counter,
      });
    };
    const line = (lot: ReferenceLot, taken: bigint) => `${event.id} ${lot.lot_id} ${formatUnits(taken, scale)}`;
    if (event.type === 'trade' && event.side === 'buy') {
      add(`${event.id}#base`, units(event.quantity), 0n, Date.parse(event.time));
      const lot = poolFor(key).at(-1)!;
      lot.unit_cost = lot.cost =
        (units(event.quantity) * units(event.price)) / 10n ** BigInt(scale) +
        (event.fees.length > 0 ? units(event.fees[0]!.amount) : 0n);
    } else if (event.type === 'trade') {
      take(key, units(event.quantity), (lot, taken) => takes.disposals.push(line(lot, taken)));
    } else if (event.type === 'deposit' && event.cost_basis !== undefined) {
      add(
        `${event.id}#amount`,
        units(event.amount),
        units(event.cost_basis.amount),
        Date.parse(event.cost_basis.acquired_at),
      );
    } else if (event.type === 'withdrawal') {
      take(key, units(event.amount), (lot, taken) => takes.withdrawn.push(line(lot, taken)));
      if (event.fee !== undefined) take(key, units(event.fee), (lot, taken) => takes.disposals.push(line(lot, taken)));
    } else if (event.type === 'transfer' && pool === 'account') {
      const moved: ReferenceLot[] = [];
      take(key, units(event.amount), (lot, taken) => {
        takes.transferred.push(line(lot, taken));
        moved.push({ ...lot, lot_id: `${lot.lot_id}/moved-by/${event.id}`, quantity: taken });
      });
      for (const lot of moved) {
        counter += 1;
        poolFor(poolOf(pool, event.to_venue, event.to_account)).push({ ...lot, order: counter });
      }
    }
  }
  return takes;
}

const configurations = lot_methods.flatMap((method) => lot_pools.map((pool) => [method, pool] as const));

describe('lot engine properties', () => {
  it.each(configurations)(
    '%s / %s pool: quantity and cost are conserved, and missing basis accounts for the rest',
    (method, pool) => {
      fc.assert(
        fc.property(streams, (events) => {
          const report = computeLots(events, settings_for(method, pool), prices);
          checkConservation(report, pool);
          checkMissingBasis(events, report, pool);
          expect(report.unpriced).toEqual([]);
        }),
        { numRuns: 150 },
      );
    },
  );

  it.each(configurations)('%s / %s pool: the same set of events in any order gives the same report', (method, pool) => {
    fc.assert(
      fc.property(
        streams.chain((events) =>
          fc.tuple(
            fc.constant(events),
            fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
          ),
        ),
        ([events, shuffled]) => {
          expect(computeLots(shuffled, settings_for(method, pool), prices)).toEqual(
            computeLots(events, settings_for(method, pool), prices),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it.each(configurations)(
    '%s / %s pool: every take follows the method (oldest, newest or dearest lot first)',
    (method, pool) => {
      fc.assert(
        fc.property(streams, (events) => {
          const report = computeLots(events, settings_for(method, pool), prices);
          const expected = referenceTakes(events, method, pool);
          const line = (row: { event_id: string; lot_id: string; quantity: string }) =>
            `${row.event_id} ${row.lot_id} ${formatUnits(units(row.quantity), scale)}`;
          expect(report.disposals.map(line)).toEqual(expected.disposals);
          expect(report.withdrawn.map(line)).toEqual(expected.withdrawn);
          expect(report.transferred.map(line)).toEqual(expected.transferred);
        }),
        { numRuns: 150 },
      );
    },
  );
});
