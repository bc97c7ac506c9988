// The streaming audit equals the full recompute (DESIGN.md §9), on the real PostgreSQL server:
// events arrive in random orders with late ones (a sixth or more), in random batches, with price
// rows arriving late too, records built at random points, seals that fail and roll back, and
// process restarts (the in-memory fold dropped); small checkpoint intervals make late events
// restore from checkpoints in memory and in the store. At the end the lot and disposal tables and
// the latest version of every trade record are exactly what the pure full recompute gives; and two
// replays of one log with other batches and restarts build the same chain.
import { afterAll, describe, expect, it } from 'vitest';
import { parseEvent, type KeelEvent } from '../engine/event-schema.js';
import { AssetRegistry } from '../ledger/asset-registry.js';
import { withSession } from '../platform/postgres.js';
import { arrivalOrder, auditStreamEvents } from '../test/support/audit-stream.js';
import { seededRandom } from '../test/support/event-generator.js';
import { expectedTables, storedTables } from '../test/support/audit-tables.js';
import { createTestDatabase, type TestDatabase } from '../test/support/postgres-test-kit.js';
import { auditHead } from './audit-log.js';
import { FoldCache, seal } from './audit-seal.js';
import { lotReport, tradeRecordsOf } from './lot-facts.js';
import { currentTradeRecords, storeEvents } from './audit-store.js';
import type { LotSettings } from './lots/lot-settings.js';
import type { PriceRow } from './lots/pricing.js';

const registry = new AssetRegistry();
const databases: TestDatabase[] = [];

afterAll(async () => {
  for (const database of databases) await database.drop();
});

function validated(events: KeelEvent[]): KeelEvent[] {
  return events.map((event) => {
    const parsed = parseEvent(event);
    if (!parsed.ok) throw new Error(`generated event ${event.id} is invalid: ${JSON.stringify(parsed.issues)}`);
    return parsed.event;
  });
}

type Run = { settings: Partial<LotSettings>; seed: number; records_at_random: boolean };

/** Feeds events and price rows in arrival order, a random batch at a time, sealing after each. */
async function stream(
  database: TestDatabase,
  arrivals: readonly (KeelEvent | PriceRow)[],
  run: Run,
): Promise<{ restarts: number; failures: number; refolds: number }> {
  const random = seededRandom(run.seed);
  let cache = new FoldCache();
  const counts = { restarts: 0, failures: 0, refolds: 0 };
  const options = () => ({ fold_cache: cache, checkpoint_interval_events: 37, stored_checkpoint_interval_events: 150 });
  for (let start = 0; start < arrivals.length;) {
    const size = 1 + Math.floor(random() * 90);
    const batch = arrivals.slice(start, start + size);
    start += size;
    const events = batch.filter((item): item is KeelEvent => 'id' in item);
    const prices = batch.filter((item): item is PriceRow => !('id' in item));
    await withSession(database.pool, async (client) => {
      await storeEvents(
        client,
        events.map((event) => ({ event, source: null })),
      );
      for (const row of prices) {
        await client.query(
          `insert into prices (asset, currency, price_time, source, price) values ($1, 'USD', $2, $3, $4)`,
          [row.asset, new Date(row.time_ms).toISOString(), row.source, row.price],
        );
      }
      if (random() < 0.08) {
        counts.failures += 1;
        await expect(
          seal(client, registry, run.settings, async () => Promise.reject(new Error('publish failed')), {
            ...options(),
            build_records: true,
          }),
        ).rejects.toThrow();
      }
      if (random() < 0.1) {
        counts.restarts += 1;
        cache = new FoldCache();
      }
      const build_records = run.records_at_random ? random() < 0.4 : false;
      const result = await seal(client, registry, run.settings, undefined, { ...options(), build_records });
      if (result.fold.resumed_from === 'checkpoint') counts.refolds += 1;
    });
  }
  await withSession(database.pool, (client) => seal(client, registry, run.settings, undefined, options()));
  return counts;
}

describe('the streaming audit equals the full recompute (real PostgreSQL)', () => {
  const runs: (Run & { name: string; late_fraction: number })[] = [
    { name: 'FIFO per account', settings: {}, seed: 101, records_at_random: true, late_fraction: 0.15 },
    {
      name: 'HIFO per account, a third late',
      settings: { method: 'hifo' },
      seed: 202,
      records_at_random: true,
      late_fraction: 0.33,
    },
    {
      name: 'LIFO, global pool',
      settings: { method: 'lifo', pool: 'global' },
      seed: 303,
      records_at_random: false,
      late_fraction: 0.2,
    },
  ];
  for (const run of runs) {
    it(`whatever the arrival order, batches, failures and restarts (${run.name}, seed ${run.seed})`, async () => {
      const events = validated(auditStreamEvents(700, { seed: run.seed }));
      const start_ms = Date.parse(events[0]!.time);
      const price_rows: PriceRow[] = Array.from({ length: 12 }, (_, index) => ({
        asset: 'BNB',
        time_ms: start_ms + index * 20_000 - 30_000,
        price: `${300 + index}.5`,
        source: 'test-feed',
      }));
      const arrivals = arrivalOrder(events, run.seed, run.late_fraction, 120);
      // Price rows arrive late too: spread among the events, each well after its own time.
      const mixed: (KeelEvent | PriceRow)[] = [...arrivals];
      price_rows.forEach((row, index) => mixed.splice(Math.min(mixed.length, 40 + index * 50), 0, row));
      const database = await createTestDatabase({ migrated: true });
      databases.push(database);
      const counts = await stream(database, mixed, run);
      expect(counts.refolds).toBeGreaterThan(0);

      const report = lotReport(events, run.settings, price_rows);
      expect(await storedTables(database)).toEqual(expectedTables(report, run.settings));
      const expected = tradeRecordsOf(events, registry, run.settings, price_rows);
      const stored = await withSession(database.pool, currentTradeRecords);
      expect(stored.map((row) => row.trade_id).sort()).toEqual(expected.map((record) => record.trade_id).sort());
      const by_id = new Map(stored.map((row) => [row.trade_id, row.record]));
      for (const record of expected) expect(by_id.get(record.trade_id)).toEqual(record);
      expect((await database.pool.query('select count(*)::int as n from audit_dirty_trades')).rows[0].n).toBe(0);
      expect(report.disposals.length).toBeGreaterThan(50);
      expect(report.disposals.some((row) => row.kind === 'fee' && row.asset === 'BNB' && row.gain !== null)).toBe(true);
    }, 300_000);
  }

  it('two replays of one log, with other batches and restarts, build the same records and chain head', async () => {
    const events = validated(auditStreamEvents(500, { seed: 404 }));
    const log = arrivalOrder(events, 404, 0.2, 80);
    const heads = [];
    for (const seed of [1, 2]) {
      const database = await createTestDatabase({ migrated: true });
      databases.push(database);
      await stream(database, log, { settings: {}, seed, records_at_random: false });
      heads.push(await withSession(database.pool, auditHead));
    }
    expect(heads[0]!.sequence).toBeGreaterThan(100);
    expect(heads[1]).toEqual(heads[0]);
  }, 300_000);
});
