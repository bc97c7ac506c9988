// Sealing on the real PostgreSQL server: changed records are stored, chained and handed to the
// publisher a chunk at a time, all in one transaction; a second seal of the same events changes
// nothing and applies nothing; a failed publish keeps nothing; after a late acquisition the fold
// re-applies from before it and the lot tables end exactly as a seal from scratch writes them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventOf, KeelEvent } from '../engine/event-schema.js';
import { AssetRegistry } from '../ledger/asset-registry.js';
import type { PoolClient } from '../platform/postgres.js';
import { generateEvents } from '../test/support/event-generator.js';
import { createTestDatabase, type TestDatabase } from '../test/support/postgres-test-kit.js';
import { auditHead, verifyAuditChain } from './audit-log.js';
import { seal } from './audit-seal.js';
import { currentTradeRecords, storeEvents } from './audit-store.js';

let database: TestDatabase;
const registry = new AssetRegistry();
const events = [...generateEvents(6_000, { seed: 77, include_non_money: true })];
const databases: TestDatabase[] = [];

beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
  databases.push(database);
  await store(database, events);
});

afterAll(async () => {
  for (const created of databases) await created.drop();
});

function store(target: TestDatabase, stored: readonly KeelEvent[]) {
  return withClient(
    (client) =>
      storeEvents(
        client,
        stored.map((event) => ({ event, source: null })),
      ),
    target,
  );
}

/** The lot tables' contents, every column that a seal writes, in key order. */
async function lotTables(target: TestDatabase): Promise<{ lots: unknown[]; disposals: unknown[] }> {
  const lots = await target.pool.query(
    'select lot_id, pool, asset, acquired_at, acquisition_event_id, quantity::text, remaining_quantity::text, cost_basis::text, currency, basis_source from lots order by lot_id',
  );
  const disposals = await target.pool.query(
    'select disposal_id, disposal_event_id, lot_id, pool, asset, disposed_at, acquired_at, quantity::text, proceeds::text, cost_basis::text, gain::text, currency, holding_period, missing_basis from disposals order by disposal_id',
  );
  return { lots: lots.rows, disposals: disposals.rows };
}

async function withClient<T>(work: (client: PoolClient) => Promise<T>, target: TestDatabase = database): Promise<T> {
  const client = await target.pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

function sealOnce(
  before_commit?: (chunk: readonly { trade_id: string }[]) => Promise<void>,
  target: TestDatabase = database,
) {
  return withClient((client) => seal(client, registry, {}, before_commit), target);
}

describe('audit seal (real PostgreSQL)', () => {
  it('rolls back everything when publishing a later chunk fails', async () => {
    let chunks = 0;
    const failing = async () => {
      chunks += 1;
      if (chunks === 2) throw new Error('broker gone');
    };
    await expect(sealOnce(failing)).rejects.toThrow('broker gone');
    expect((await database.pool.query('select count(*)::int as n from trade_records')).rows[0].n).toBe(0);
    expect(await withClient(auditHead)).toMatchObject({ sequence: 0 });
  });

  it('stores, chains and publishes changed records in chunks of 1000, and reports them without content', async () => {
    const chunk_sizes: number[] = [];
    const published = new Set<string>();
    const result = await sealOnce(async (chunk) => {
      chunk_sizes.push(chunk.length);
      for (const entry of chunk) published.add(entry.trade_id);
    });
    const records = await withClient(currentTradeRecords);
    expect(records.length).toBeGreaterThan(2_000);
    expect(chunk_sizes.slice(0, -1).every((size) => size === 1_000)).toBe(true);
    expect(chunk_sizes.reduce((total, size) => total + size, 0)).toBe(records.length);
    expect(published).toEqual(new Set(records.map((row) => row.trade_id)));
    expect(result.changed).toHaveLength(records.length);
    expect(Object.keys(result.changed[0]!).sort()).toEqual(['record_hash', 'trade_id', 'version']);
    expect(result.head.sequence).toBe(records.length);
    expect(await withClient((client) => verifyAuditChain(client))).toMatchObject({ ok: true, entries: records.length });
    const linked = await database.pool.query(
      'select count(*)::int as n from trade_records where audit_sequence is null',
    );
    expect(linked.rows[0].n).toBe(0);

    expect(result.fold).toMatchObject({ events_applied: events.length, resumed_from: 'beginning' });
    const again = await sealOnce();
    expect(again.changed).toEqual([]);
    expect(again.head).toEqual(result.head);
    expect(again.fold).toEqual({ events_applied: 0, resumed_from: 'nothing_new', refold_from: null });
  });

  it('after a late acquisition re-folds from before it, ending as a seal from scratch', async () => {
    const sell = events.find(
      (event): event is EventOf<'trade'> =>
        event.type === 'trade' && event.side === 'sell' && event.instrument.kind === 'spot',
    )!;
    const earliest_ms = Math.min(...events.map((event) => Date.parse(event.time)));
    const late_time = new Date(earliest_ms - 86_400_000).toISOString();
    const late: KeelEvent = {
      id: `${sell.venue}:${sell.account}:deposit:late-basis`,
      type: 'deposit',
      time: late_time,
      venue: sell.venue,
      account: sell.account,
      asset: sell.instrument.kind === 'spot' ? sell.instrument.base : 'BTC',
      amount: '3',
      cost_basis: { amount: '1000', currency: 'USD', acquired_at: late_time },
    };
    await store(database, [late]);
    const resealed = await sealOnce();
    // Earlier than every checkpoint: the fold starts again from the beginning, over every event.
    expect(resealed.fold).toMatchObject({ events_applied: events.length + 1, resumed_from: 'beginning' });
    expect(resealed.changed.length).toBeGreaterThan(0);

    const scratch = await createTestDatabase({ migrated: true });
    databases.push(scratch);
    await store(scratch, [...events, late]);
    await sealOnce(undefined, scratch);
    expect(await lotTables(database)).toEqual(await lotTables(scratch));
  });
});
