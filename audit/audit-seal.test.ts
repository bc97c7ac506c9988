// Sealing on the real PostgreSQL server: changed records are stored, chained and handed to the
// publisher a chunk at a time, all in one transaction; a second seal of the same events changes
// nothing; a failed publish keeps nothing.
import { getHeapStatistics } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssetRegistry } from '../ledger/asset-registry.js';
import type { PoolClient } from '../platform/postgres.js';
import { generateEvents } from '../test/support/event-generator.js';
import { createTestDatabase, type TestDatabase } from '../test/support/postgres-test-kit.js';
import { auditHead, verifyAuditChain } from './audit-log.js';
import { seal, sealEventsMaxDefault } from './audit-seal.js';
import { currentTradeRecords, storeEvents } from './audit-store.js';

let database: TestDatabase;
const registry = new AssetRegistry();

beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
  const events = [...generateEvents(6_000, { seed: 77, include_non_money: true })];
  await withClient((client) => storeEvents(client, events.map((event) => ({ event, source: null }))));
});

afterAll(async () => {
  await database?.drop();
});

async function withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await database.pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

function sealOnce(before_commit?: (chunk: readonly { trade_id: string }[]) => Promise<void>, events_max?: number) {
  return withClient((client) => seal(client, registry, {}, before_commit, { events_max }));
}

describe('audit seal (real PostgreSQL)', () => {
  it('refuses, with a coded error and nothing written, a store larger than the events it may hold in memory', async () => {
    await expect(sealOnce(undefined, 5_999)).rejects.toMatchObject({
      code: 'KEEL_ERR_AUDIT_TOO_MANY_EVENTS',
      message: expect.stringContaining('the audit store holds 6000 events, more than the 5999'),
    });
    expect((await database.pool.query('select count(*)::int as n from lots')).rows[0].n).toBe(0);
    expect(sealEventsMaxDefault()).toBe(Math.floor(getHeapStatistics().heap_size_limit / 10_240));
  });

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
    const linked = await database.pool.query('select count(*)::int as n from trade_records where audit_sequence is null');
    expect(linked.rows[0].n).toBe(0);

    const again = await sealOnce();
    expect(again.changed).toEqual([]);
    expect(again.head).toEqual(result.head);
  });
});
