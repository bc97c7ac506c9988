// The audit store on the real PostgreSQL server: events come back in canonical order through the
// chunked cursor whatever the chunk size, and trade records are stored as versions only when their
// content changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction, withSession, type PoolClient } from '../platform/postgres.js';
import { generateEvents } from '../test/support/event-generator.js';
import { createTestDatabase, type TestDatabase } from '../test/support/postgres-test-kit.js';
import {
  changedRecords,
  currentVersionsOf,
  currentTradeRecords,
  loadEvents,
  storeChangedRecords,
  storeEvents,
} from './audit-store.js';
import type { TradeRecord } from './trade-records.js';
import { buildTradeRecords, compareEvents, type LotFacts } from './trade-records.js';
import { AssetRegistry } from '../ledger/asset-registry.js';

let database: TestDatabase;
const events = [...generateEvents(57, { seed: 9001, include_non_money: true })];

beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
});

afterAll(async () => {
  await database?.drop();
});

/** `work` in one transaction on a session of the test database. */
function inClientTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
  return withSession(database.pool, (client) => inTransaction(client, () => work(client)));
}

/** Stores what changed of `records` and says which versions it stored. */
async function storeChanged(records: readonly TradeRecord[]): Promise<[string, number][]> {
  return inClientTransaction(async (client) => {
    const changed = [
      ...changedRecords(
        records,
        await currentVersionsOf(
          client,
          records.map((record) => record.trade_id),
        ),
      ),
    ];
    await storeChangedRecords(client, changed);
    return changed.map((entry) => [entry.trade_id, entry.version]);
  });
}

describe('audit store (real PostgreSQL)', () => {
  it('loads every stored event once, in (time, id) order, whatever the chunk size of the cursor', async () => {
    // Stored in reverse, so the order that comes back is the query's, not the insert's.
    await inClientTransaction((client) =>
      storeEvents(
        client,
        [...events].reverse().map((event) => ({ event, source: null })),
      ),
    );
    const expected = [...events].sort(compareEvents).map((event) => event.id);
    for (const chunk_rows of [1, 10, 56, 57, 58, 10_000]) {
      const loaded = await inClientTransaction((client) => loadEvents(client, chunk_rows));
      expect(
        loaded.map((event) => event.id),
        `chunk of ${chunk_rows}`,
      ).toEqual(expected);
    }
    await expect(inClientTransaction((client) => loadEvents(client, 0))).rejects.toThrow(
      'chunk_rows must be a positive integer',
    );
  });

  it('stores a record again only when its content changed, as the next version', async () => {
    const registry = new AssetRegistry();
    const no_lots: LotFacts = {
      opened: new Map(),
      closed: new Map(),
      missing_basis: new Map(),
      reporting_currency: 'USD',
    };
    const records = buildTradeRecords(events, no_lots, registry);
    expect(records.length).toBeGreaterThan(1);
    expect(await storeChanged(records)).toEqual(records.map((record) => [record.trade_id, 1]));
    expect(await storeChanged(records)).toEqual([]);
    const edited = records.map((record, index) =>
      index === 0 ? { ...record, missing: [...record.missing, 'edited for the test'] } : record,
    );
    expect(await storeChanged(edited)).toEqual([[records[0]!.trade_id, 2]]);
    const current = await inClientTransaction((client) => currentTradeRecords(client));
    expect(current).toHaveLength(records.length);
    expect(current.find((row) => row.trade_id === records[0]!.trade_id)!.version).toBe(2);
  });
});
