// The real `keel audit` process through outages (issue 16, items 3 and 4):
// - PostgreSQL stopped for 30 s while it consumes (a private server, never the shared one): the
//   process stays up, says in one coded line what it waits for, and in the end every event is
//   stored once and sealed;
// - events a killed process stored and never sealed are sealed at start, with nothing new in Kafka.
import { afterEach, describe, expect, it } from 'vitest';
import { currentTradeRecords } from '../../audit/audit-store.js';
import { tradeRecordsOf } from '../../audit/lot-facts.js';
import { storeBatch } from '../../audit/store-step.js';
import { parseEvent, type KeelEvent } from '../../engine/event-schema.js';
import { AssetRegistry } from '../../ledger/asset-registry.js';
import { createPool, migrate, withSession, type Pool } from '../../platform/postgres.js';
import { auditStreamEvents } from '../support/audit-stream.js';
import {
  createTopics,
  kafkaBrokers,
  publish,
  testKafka,
  uniqueTopics,
  type TestTopics,
} from '../support/kafka-test-kit.js';
import { sleep, startKeel, untilSealed } from '../support/keel-processes.js';
import { createTestDatabase, migrations_directory } from '../support/postgres-test-kit.js';
import { startPrivatePostgres } from '../support/private-services.js';

const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function validated(events: KeelEvent[]): KeelEvent[] {
  return events.map((event) => {
    const parsed = parseEvent(event);
    if (!parsed.ok) throw new Error(`generated event ${event.id} is invalid`);
    return parsed.event;
  });
}

function auditEnv(database_url: string, topics: TestTopics, brokers = kafkaBrokers()): Record<string, string> {
  return {
    KAFKA_BROKERS: brokers.join(','),
    DATABASE_URL: database_url,
    KEEL_EVENTS_TOPIC: topics.events_topic,
    KEEL_TRADE_RECORDS_TOPIC: `${topics.events_topic}.trade-records`,
    KEEL_AUDIT_GROUP: `${topics.group_id}-audit`,
    KEEL_AUDIT_SESSION_TIMEOUT_MS: '6000',
    KEEL_METRICS_PORT: '0',
    KEEL_LOG_LEVEL: 'info',
  };
}

/** The store holds exactly `events`, once each, and their records are the full recompute's. */
async function expectSealedAsRecomputed(pool: Pool, events: readonly KeelEvent[]): Promise<void> {
  const { rows } = await pool.query<{ stored: number; distinct_ids: number }>(
    'select count(*)::int as stored, count(distinct event_id)::int as distinct_ids from events',
  );
  expect(rows[0]).toEqual({ stored: events.length, distinct_ids: events.length });
  const records = await withSession(pool, currentTradeRecords);
  const expected = tradeRecordsOf(events, new AssetRegistry());
  expect(records.map((row) => row.trade_id).sort()).toEqual(expected.map((record) => record.trade_id).sort());
  const by_id = new Map(records.map((row) => [row.trade_id, row.record]));
  for (const record of expected) expect(by_id.get(record.trade_id)).toEqual(record);
}

async function storedCount(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ stored: number }>('select count(*)::int as stored from events');
  return rows[0]!.stored;
}

describe('keel audit through outages (real Kafka and PostgreSQL)', () => {
  it(
    'PostgreSQL stopped for 30 s while keel audit consumes: it waits, says so, and stores and seals every event once',
    { timeout: 300_000 },
    async () => {
      const postgres = await startPrivatePostgres();
      cleanup.push(() => postgres.stop());
      const pool = createPool(postgres.address, { max_connections: 2, application_name: 'keel-test' });
      cleanup.push(() => pool.end());
      await migrate(pool, migrations_directory);
      const kafka = testKafka();
      const topics = uniqueTopics('audit-pg-outage');
      await createTopics(kafka, topics, 3);
      const events = validated(auditStreamEvents(600, { seed: 1616 }));

      const audit = startKeel('audit', auditEnv(postgres.address, topics), cleanup);
      await audit.logged('"msg":"audit consumer consuming"');
      await publish(kafka, topics.events_topic, events.slice(0, 300));
      await untilSealed(pool, 300);

      await postgres.command('pause');
      const paused_at_ms = Date.now();
      await publish(kafka, topics.events_topic, events.slice(300, 700));
      await audit.logged('KEEL_ERR_AUDIT_STORE_UNAVAILABLE', 25_000);
      await sleep(Math.max(0, paused_at_ms + 30_000 - Date.now()));
      expect(audit.child.exitCode).toBeNull();
      await postgres.command('resume');

      await publish(kafka, topics.events_topic, events.slice(700));
      await untilSealed(pool, events.length, 120_000);
      expect(audit.child.exitCode).toBeNull();
      expect(audit.log()).not.toMatch(/EPIPE|Unhandled|uncaught/i);
      // One coded line per wait, not one per try: the consumer backs off without filling the log.
      const waiting_lines = audit
        .log()
        .split('\n')
        .filter((line) => line.includes('KEEL_ERR_AUDIT_STORE_UNAVAILABLE'));
      expect(waiting_lines.length).toBeGreaterThan(0);
      expect(waiting_lines.length).toBeLessThan(20);
      await expectSealedAsRecomputed(pool, events);
    },
  );

  it(
    'seals at start what a killed process stored and never sealed, with nothing new in Kafka',
    { timeout: 120_000 },
    async () => {
      const db = await createTestDatabase({ migrated: true });
      cleanup.push(() => db.drop());
      const topics = uniqueTopics('audit-seal-at-start');
      await createTopics(testKafka(), topics, 1);
      const events = validated(auditStreamEvents(300, { seed: 1604 }));
      // What a process killed between storing and sealing leaves behind: stored events, no fold.
      const inputs = events.map((event, offset) => ({
        value: JSON.stringify(event),
        source: { topic: topics.events_topic, partition: 0, offset: String(offset) },
      }));
      await withSession(db.pool, (session) => storeBatch(session, inputs));
      expect(await storedCount(db.pool)).toBe(events.length);
      const { rows } = await db.pool.query<{ folded: number }>('select count(*)::int as folded from audit_fold');
      expect(rows[0]!.folded).toBe(0);

      const audit = startKeel('audit', auditEnv(db.url, topics), cleanup);
      await audit.logged('"msg":"audit consumer consuming"');
      await untilSealed(db.pool, events.length, 60_000);
      await expectSealedAsRecomputed(db.pool, events);
    },
  );
});
