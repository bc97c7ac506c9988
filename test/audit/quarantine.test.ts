// Quarantine on real PostgreSQL (issue 16): an event the audit store cannot store or fold is kept
// aside with its code and reason and audited, and sealing goes on for every other event.
// - a stored row that no longer validates ("+5": stored before the canonical decimal syntax), in
//   the middle of valid ones: quarantined at the seal, every other event sealed as the full
//   recompute has it; `keel quarantine list` shows it; `release` refuses it with a coded error;
// - a batch PostgreSQL refuses for one event's data: the others are stored, that one quarantined.
import { afterEach, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../audit/audit-log.js';
import { seal } from '../../audit/audit-seal.js';
import { currentTradeRecords } from '../../audit/audit-store.js';
import { tradeRecordsOf } from '../../audit/lot-facts.js';
import { storeBatch } from '../../audit/store-step.js';
import { parseEvent, type KeelEvent } from '../../engine/event-schema.js';
import { AssetRegistry } from '../../ledger/asset-registry.js';
import { withSession } from '../../platform/postgres.js';
import { auditStreamEvents } from '../support/audit-stream.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres-test-kit.js';
import { runKeel } from '../support/run-keel.js';

const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrated: true });
  cleanup.push(() => db.drop());
  return db;
}

function validated(events: KeelEvent[]): KeelEvent[] {
  return events.map((event) => {
    const parsed = parseEvent(event);
    if (!parsed.ok) throw new Error(`generated event ${event.id} is invalid`);
    return parsed.event;
  });
}

function inputsOf(events: readonly KeelEvent[]) {
  return events.map((event, offset) => ({
    value: JSON.stringify(event),
    source: { topic: 'keel.events.test.quarantine', partition: 0, offset: String(offset) },
  }));
}

type QuarantineRow = { quarantine_id: number; code: string; reason: string; original: string };

async function quarantined(db: TestDatabase): Promise<QuarantineRow[]> {
  const { rows } = await db.pool.query<QuarantineRow>(
    'select quarantine_id::int, code, reason, original from quarantined_events order by quarantine_id',
  );
  return rows;
}

async function auditKinds(db: TestDatabase): Promise<string[]> {
  const { rows } = await db.pool.query<{ kind: string }>('select kind from audit_log order by sequence');
  return rows.map((row) => row.kind);
}

describe('quarantine (real PostgreSQL)', () => {
  it(
    'a stored event that no longer validates is quarantined at the seal; every other event is sealed; list shows it; release refuses it',
    { timeout: 120_000 },
    async () => {
      const db = await database();
      const events = validated(auditStreamEvents(200, { seed: 1605 }));
      await withSession(db.pool, (session) => storeBatch(session, inputsOf(events)));
      // A deposit as a store written before the canonical decimal syntax holds it: "+5".
      const middle = events[Math.floor(events.length / 2)]!;
      const poison = {
        id: 'poison-plus-five',
        type: 'deposit',
        time: middle.time,
        venue: middle.venue,
        account: middle.account,
        asset: 'USDT',
        amount: '+5',
      };
      expect(parseEvent(poison).ok).toBe(false);
      await db.pool.query(
        `insert into events (event_id, type, event_time, venue, account, event, content_hash) values ($1, 'deposit', $2, $3, $4, $5, $6)`,
        [poison.id, poison.time, poison.venue, poison.account, JSON.stringify(poison), 'a'.repeat(64)],
      );

      const result = await withSession(db.pool, (session) => seal(session, new AssetRegistry(), {}));
      expect(result.records_built).toBe(true);
      const [row, ...more] = await quarantined(db);
      expect(more).toEqual([]);
      expect(row).toMatchObject({ code: 'KEEL_ERR_AUDIT_EVENT_INVALID' });
      expect(row!.reason).toMatch(/no longer validates/);
      expect(JSON.parse(row!.original)).toEqual(poison);
      const { rows } = await db.pool.query<{ stored: number }>('select count(*)::int as stored from events');
      expect(rows[0]!.stored).toBe(events.length);
      expect(await auditKinds(db)).toContain('event_quarantined');
      const records = await withSession(db.pool, currentTradeRecords);
      const expected = tradeRecordsOf(events, new AssetRegistry());
      expect(new Map(records.map((record) => [record.trade_id, record.record]))).toEqual(
        new Map(expected.map((record) => [record.trade_id, record])),
      );
      expect(await withSession(db.pool, (session) => verifyAuditChain(session))).toMatchObject({ ok: true });

      const env = { DATABASE_URL: db.url };
      const listed = await runKeel(['quarantine', 'list'], env);
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.stdout)).toMatchObject([
        { quarantine_id: row!.quarantine_id, code: 'KEEL_ERR_AUDIT_EVENT_INVALID' },
      ]);
      const table = await runKeel(['quarantine', 'list', '--format', 'table'], env);
      expect(table.stdout).toContain('poison-plus-five');
      const refused = await runKeel(
        ['quarantine', 'release', String(row!.quarantine_id), '--reason', 'checked by hand'],
        env,
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('KEEL_ERR_AUDIT_QUARANTINE_STILL_INVALID');
      expect(await quarantined(db)).toHaveLength(1);
      const unknown = await runKeel(['quarantine', 'release', '999999', '--reason', 'no such row'], env);
      expect(unknown.stderr).toContain('KEEL_ERR_AUDIT_QUARANTINE_NOT_FOUND');
    },
  );

  it(
    'a batch PostgreSQL refuses for one event: the others are stored, that one quarantined with the reason; release puts it back once it stores',
    { timeout: 120_000 },
    async () => {
      const db = await database();
      const events = validated(auditStreamEvents(60, { seed: 1606 }));
      const refused = events[Math.floor(events.length / 2)]!;
      // A real refusal by PostgreSQL for this event's data (a constraint of this test's database).
      await db.pool.query(`alter table events add constraint test_refuses_one check (event_id <> '${refused.id}')`);
      const stored = await withSession(db.pool, (session) => storeBatch(session, inputsOf(events)));
      expect(stored).toMatchObject({ stored: events.length - 1, quarantined: 1 });
      const [row] = await quarantined(db);
      expect(row).toMatchObject({ code: 'KEEL_ERR_AUDIT_EVENT_UNSTORABLE' });
      expect(row!.reason).toContain('test_refuses_one');
      expect(JSON.parse(row!.original)).toEqual(refused);
      expect(await auditKinds(db)).toEqual(['event_quarantined']);

      await db.pool.query('alter table events drop constraint test_refuses_one');
      const released = await runKeel(
        ['quarantine', 'release', String(row!.quarantine_id), '--reason', 'constraint fixed'],
        { DATABASE_URL: db.url },
      );
      expect(released.code).toBe(0);
      expect(JSON.parse(released.stdout)).toEqual({ released: row!.quarantine_id, event_id: refused.id });
      const { rows } = await db.pool.query<{ stored: number }>('select count(*)::int as stored from events');
      expect(rows[0]!.stored).toBe(events.length);
      expect(await auditKinds(db)).toEqual(['event_quarantined', 'event_released']);
      expect(JSON.parse((await runKeel(['quarantine', 'list'], { DATABASE_URL: db.url })).stdout)).toEqual([]);
    },
  );
});
