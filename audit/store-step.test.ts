// The audit storing step on the real PostgreSQL server: the engine's decoder decides what is
// stored, conflicts reach the audit log, and a batch is stored with its conflicts or not at all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEvent, type KeelEvent } from '../engine/event-schema.js';
import type { PoolClient } from '../platform/postgres.js';
import { example_events } from '../test/support/example-events.js';
import { generateEvents } from '../test/support/event-generator.js';
import { createTestDatabase, type TestDatabase } from '../test/support/postgres-test-kit.js';
import { readAuditBatches } from './audit-log.js';
import { storeBatch, type StoreInput } from './store-step.js';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
});

afterAll(async () => {
  await database?.drop();
});

async function onClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await database.pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

function validEvent(input: unknown): KeelEvent {
  const parsed = parseEvent(input);
  if (!parsed.ok) throw new Error(`test fixture is not a valid event: ${JSON.stringify(parsed.issues)}`);
  return parsed.event;
}

function inputsOf(values: readonly (Uint8Array | string | null)[], first_offset: number): StoreInput[] {
  return values.map((value, index) => ({
    value,
    source: { topic: 'keel.events.test', partition: 0, offset: String(first_offset + index) },
  }));
}

/**
 * A failure of PostgreSQL in the middle of a batch cannot be ordered from the real server, so
 * this is a mock of one: the real session, except that locking the audit log fails.
 */
function auditLogFailingSessionMock(client: PoolClient): PoolClient {
  return new Proxy(client, {
    get(target, property) {
      if (property === 'query') {
        return (text: unknown, ...rest: unknown[]) => {
          if (typeof text === 'string' && text.startsWith('lock table audit_log'))
            return Promise.reject(new Error('audit log unavailable (simulated)'));
          return (target.query as (...args: unknown[]) => unknown)(text, ...rest);
        };
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function storedIds(client: PoolClient): Promise<string[]> {
  return (await client.query<{ event_id: string }>('select event_id from events order by event_id')).rows.map(
    (row) => row.event_id,
  );
}

describe('audit storing step', () => {
  it('stores valid events only (not UTF-8, malformed and empty values are not stored) and audits a conflict', async () => {
    await onClient(async (client) => {
      const deposit = validEvent({ ...example_events.deposit, id: 'store-step-deposit' });
      const not_utf8 = Buffer.concat([
        Buffer.from(JSON.stringify({ ...deposit, id: 'store-step-' })),
        Buffer.from([0xc3, 0x28]),
      ]);
      const first = await storeBatch(client, inputsOf([JSON.stringify(deposit), not_utf8, '{"id": ', null], 0));
      expect(first).toEqual({
        stored: 1,
        duplicates: 0,
        conflicts: [],
        quarantined: 0,
        latest_event_time_ms: Date.parse(deposit.time),
      });

      const changed = JSON.stringify({ ...deposit, amount: '2' });
      const second = await storeBatch(
        client,
        inputsOf([Buffer.from(JSON.stringify(deposit)), Buffer.from(changed)], 4),
      );
      expect(second.stored).toBe(0);
      expect(second.conflicts.map((conflict) => [conflict.event_id, conflict.source?.offset])).toEqual([
        ['store-step-deposit', '5'],
      ]);
      const entries = [];
      for await (const batch of readAuditBatches(client, 100)) entries.push(...batch);
      expect(entries).toEqual([
        expect.objectContaining({
          kind: 'event_conflict',
          payload: expect.objectContaining({ event_id: 'store-step-deposit' }),
        }),
      ]);
      expect(await storedIds(client)).toEqual(['store-step-deposit']);
    });
  });

  it('stores a batch with its conflicts in one transaction: when the audit log fails, none of its events stay stored', async () => {
    await onClient(async (client) => {
      const before = await storedIds(client);
      const fresh = [...generateEvents(5, { seed: 1501 })];
      const conflicting = JSON.stringify({ ...example_events.deposit, id: 'store-step-deposit', amount: '3' });
      const batch = inputsOf([...fresh.map((event) => JSON.stringify(event)), conflicting], 10);
      await expect(storeBatch(auditLogFailingSessionMock(client), batch)).rejects.toThrow('audit log unavailable');
      expect(await storedIds(client)).toEqual(before);

      const retried = await storeBatch(client, batch);
      expect(retried.stored).toBe(fresh.length);
      expect(retried.conflicts).toHaveLength(1);
    });
  });
});
