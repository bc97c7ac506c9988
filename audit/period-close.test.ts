// Period close on the real PostgreSQL server (DESIGN.md §9, README "Period close"): random events
// over several days, a close through a random day in the middle, then the rest of the events and
// late events dated in the closed period arriving after it, in random batches with random seals.
// The store equals the full recompute given the same close (and which events arrived after it);
// the closed period's lots, disposals and records stay byte-identical, apart from the late events'
// own rows and the records of their own trades. Then a reopen: the next seal lists exactly what
// changed in the period, and the store equals the full recompute without the close.
import { afterAll, describe, expect, it } from 'vitest';
import { parseEvent, type KeelEvent } from '../engine/event-schema.js';
import { AssetRegistry } from '../ledger/asset-registry.js';
import type { PoolClient } from '../platform/postgres.js';
import { arrivalOrder, auditStreamEvents } from '../test/support/audit-stream.js';
import { expectedTables, storedTables } from '../test/support/audit-tables.js';
import { seededRandom } from '../test/support/event-generator.js';
import { createTestDatabase, type TestDatabase } from '../test/support/postgres-test-kit.js';
import { FoldCache, seal, type SealResult } from './audit-seal.js';
import { currentTradeRecords, storeEvents } from './audit-store.js';
import { closePeriod, reopenPeriod } from './close-store.js';
import { lotReport, tradeRecordsOf } from './lot-facts.js';
import type { LotSettings } from './lots/lot-settings.js';
import { endOfUtcDayMs, type ClosedPeriod } from './lots/period-close.js';

const registry = new AssetRegistry();
const databases: TestDatabase[] = [];
/** The generator's events are about half a second apart: stretched so that a few hundred span several days. */
const stretch = 400;

afterAll(async () => {
  for (const database of databases) await database.drop();
});

async function withClient<T>(database: TestDatabase, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await database.pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

function stretchedEvents(count: number, seed: number): KeelEvent[] {
  const events = auditStreamEvents(count, { seed });
  const start_ms = Date.parse(events[0]!.time);
  const stretched = (time: string) => new Date(start_ms + (Date.parse(time) - start_ms) * stretch).toISOString();
  return events.map((event) => {
    const moved = { ...event, time: stretched(event.time) } as KeelEvent;
    if (moved.type === 'deposit' && moved.cost_basis !== undefined)
      moved.cost_basis = { ...moved.cost_basis, acquired_at: stretched(moved.cost_basis.acquired_at) };
    const parsed = parseEvent(moved);
    if (!parsed.ok) throw new Error(`generated event ${event.id} is invalid: ${JSON.stringify(parsed.issues)}`);
    return parsed.event;
  });
}

/** Stores events a random batch at a time, sealing after each (records built at random, a restart now and then); ends with a seal that builds records. */
async function stream(
  database: TestDatabase,
  events: readonly KeelEvent[],
  settings: Partial<LotSettings>,
  random: () => number,
): Promise<SealResult> {
  let cache = new FoldCache();
  const options = () => ({ fold_cache: cache, checkpoint_interval_events: 37, stored_checkpoint_interval_events: 120 });
  for (let start = 0; start < events.length;) {
    const size = 1 + Math.floor(random() * 80);
    const batch = events.slice(start, start + size);
    start += size;
    await withClient(database, async (client) => {
      await storeEvents(
        client,
        batch.map((event) => ({ event, source: null })),
      );
      if (random() < 0.1) cache = new FoldCache();
      await seal(client, registry, settings, undefined, { ...options(), build_records: random() < 0.4 });
    });
  }
  return withClient(database, (client) => seal(client, registry, settings, undefined, options()));
}

type PeriodRows = { lots: string[][]; disposals: string[][]; records: string[][] };

/** Rows dated through `through_ms`: lots (without their remaining quantity, which later disposals take from), disposals, current records. */
async function periodRows(database: TestDatabase, through_ms: number): Promise<PeriodRows> {
  const through = new Date(through_ms).toISOString();
  const query = async (text: string) =>
    (await database.pool.query<string[]>({ text, values: [through], rowMode: 'array' })).rows;
  return {
    // Lots by the ordering time of the event that made them (a prior-period adjustment's are at the boundary).
    lots: await query(
      `select lot_id, pool, asset, acquired_at::text, acquisition_event_id, quantity::text, coalesce(cost_basis::text, ''), basis_source
       from lots where event_time <= $1 order by lot_id collate "C"`,
    ),
    disposals: await query(
      `select disposal_id, disposal_event_id, concat_ws('|', lot_id, pool, asset, disposed_at, acquired_at, quantity, proceeds, cost_basis, gain, currency, holding_period, missing_basis)
       from disposals where disposed_at <= $1 order by disposal_id collate "C"`,
    ),
    records: await query(
      `select trade_id, version::text, record_hash from trade_records where is_current and trade_time <= $1 order by trade_id collate "C"`,
    ),
  };
}

/**
 * What may change in a closed period after its close: late events add their own disposals (dated
 * at their own time), and the record of a trade that gains an event after the close (a late fill,
 * order event, decision or risk check, or a fill of an order still open at the close) gets a new version.
 */
function withoutLateRows(
  rows: PeriodRows,
  late: readonly KeelEvent[],
  arrived_after: readonly KeelEvent[],
  events: readonly KeelEvent[],
): PeriodRows {
  const late_ids = new Set(late.map((event) => event.id));
  const after_ids = new Set(arrived_after.map((event) => event.id));
  const after_clients = new Set(
    arrived_after.flatMap((event) =>
      'client_order_id' in event && event.client_order_id !== undefined ? [event.client_order_id] : [],
    ),
  );
  const changing_trades = new Set(
    events
      .filter((event) => event.type === 'trade' || event.type === 'order')
      .filter(
        (event) =>
          after_ids.has(event.id) || (event.client_order_id !== undefined && after_clients.has(event.client_order_id)),
      )
      .map((event) => `${event.venue}:${event.account}:order:${event.order_id}`),
  );
  return {
    lots: rows.lots,
    disposals: rows.disposals.filter((row) => !late_ids.has(row[1]!)),
    records: rows.records.filter((row) => !changing_trades.has(row[0]!)),
  };
}

async function expectStoreEquals(
  database: TestDatabase,
  events: readonly KeelEvent[],
  settings: Partial<LotSettings>,
  closes: readonly ClosedPeriod[],
): Promise<void> {
  const report = lotReport(events, settings, [], closes);
  expect(await storedTables(database)).toEqual(expectedTables(report, settings));
  const expected = tradeRecordsOf(events, registry, settings, [], closes);
  const stored = await withClient(database, currentTradeRecords);
  expect(stored.map((row) => row.trade_id).sort()).toEqual(expected.map((record) => record.trade_id).sort());
  const by_id = new Map(stored.map((row) => [row.trade_id, row.record]));
  for (const record of expected) expect(by_id.get(record.trade_id)).toEqual(record);
}

function difference(before: readonly string[][], after: readonly string[][]): string[] {
  const key = (row: readonly string[]) => row.join('\u0000');
  const before_keys = new Set(before.map(key));
  const after_keys = new Set(after.map(key));
  return [
    ...new Set(
      [...before.filter((row) => !after_keys.has(key(row))), ...after.filter((row) => !before_keys.has(key(row)))].map(
        (row) => row[0]!,
      ),
    ),
  ].sort();
}

describe('period close and reopen (real PostgreSQL)', () => {
  const runs: { settings: Partial<LotSettings>; seed: number }[] = [
    { settings: {}, seed: 515 },
    { settings: { method: 'hifo', pool: 'global' }, seed: 616 },
  ];
  for (const run of runs) {
    it(`late events dated in a closed period are adjustments at its boundary; a reopen lists what changed (seed ${run.seed})`, async () => {
      const random = seededRandom(run.seed);
      const events = stretchedEvents(450, run.seed);
      // The close: through the day of an event chosen at random in the middle.
      const middle = events[Math.floor(events.length * (0.35 + random() * 0.3))]!;
      const through_date = middle.time.slice(0, 10);
      const through_ms = endOfUtcDayMs(through_date);
      // About a sixth of the closed period's events arrive only after the close.
      const late = events.filter((event) => Date.parse(event.time) <= through_ms && random() < 0.16);
      const late_ids = new Set(late.map((event) => event.id));
      const before_close = arrivalOrder(
        events.filter((event) => !late_ids.has(event.id) && (Date.parse(event.time) <= through_ms || random() < 0.2)),
        run.seed,
        0.15,
        60,
      );
      const stored_before = new Set(before_close.map((event) => event.id));
      const after_close = arrivalOrder(
        events.filter((event) => !stored_before.has(event.id)),
        run.seed + 1,
        0.15,
        60,
      );
      expect(late.length).toBeGreaterThan(10);

      const database = await createTestDatabase({ migrated: true });
      databases.push(database);
      await stream(database, before_close, run.settings, random);
      const closed = await periodRows(database, through_ms);
      await withClient(database, (client) =>
        closePeriod(client, { through_date, reason: 'month end', actor: 'tester@test' }),
      );
      await stream(database, after_close, run.settings, random);

      const close: ClosedPeriod = { through_ms, arrived_after: new Set(after_close.map((event) => event.id)) };
      await expectStoreEquals(database, events, run.settings, [close]);
      // The rule made a difference: without it the same events match otherwise.
      expect(lotReport(events, run.settings, [], [close]).disposals).not.toEqual(
        lotReport(events, run.settings).disposals,
      );
      const adjusted = await database.pool.query<{ n: number }>(
        'select count(*)::int as n from events where order_time is not null',
      );
      expect(adjusted.rows[0]!.n).toBe(late.length);
      const after = await periodRows(database, through_ms);
      expect(withoutLateRows(after, late, after_close, events)).toEqual(
        withoutLateRows(closed, late, after_close, events),
      );
      expect(after.records.length).toBeGreaterThan(withoutLateRows(after, late, after_close, events).records.length);
      expect(closed.disposals.length).toBeGreaterThan(20);

      // Reopen: the next seal lists what changed in the period against its closed versions.
      const reopened = await withClient(database, (client) =>
        reopenPeriod(client, { through_date, reason: 'audit finding', actor: 'tester@test' }),
      );
      expect(reopened.adjustments_released).toBe(late.length);
      const result = await withClient(database, (client) => seal(client, registry, run.settings));
      await expectStoreEquals(database, events, run.settings, []);
      const now = await periodRows(database, through_ms);
      expect(result.reopen_changes).toHaveLength(1);
      const listed = result.reopen_changes[0]!;
      expect(listed.through_date).toBe(through_date);
      expect(listed.disposals.map((entry) => entry.disposal_id).sort()).toEqual(
        difference(after.disposals, now.disposals),
      );
      expect(listed.disposals.length).toBeGreaterThan(0);
      const records_changed = now.records
        .filter((row) => !after.records.some((closed_row) => closed_row[0] === row[0] && closed_row[2] === row[2]))
        .map((row) => row[0]!);
      expect(listed.records.map((entry) => entry.trade_id).sort()).toEqual(records_changed.sort());
      const entries = await database.pool.query<{ kind: string }>(
        `select kind from audit_log where kind like 'period_%' order by sequence`,
      );
      expect(entries.rows.map((row) => row.kind)).toEqual([
        'period_closed',
        'period_reopened',
        'period_reopen_changes',
      ]);
    }, 300_000);
  }
});
