// The real `keel audit` process against the real broker and PostgreSQL:
// - replayed from offset 0 into an empty store while killed with SIGKILL at 20 random points (the
//   seed is printed; KEEL_CRASH_SEED replays a run), it ends with the records and the chain head of
//   an undisturbed replay, and the records are the full recompute's;
// - two processes in one group: the second stands by, takes over when the first is killed, and
//   nothing is lost or doubled.
import { afterEach, describe, expect, it } from 'vitest';
import { auditHead, verifyAuditChain } from '../../audit/audit-log.js';
import { tradeRecordsOf } from '../../audit/lot-facts.js';
import { currentTradeRecords } from '../../audit/audit-store.js';
import { parseEvent, type KeelEvent } from '../../engine/event-schema.js';
import { AssetRegistry } from '../../ledger/asset-registry.js';
import { withSession } from '../../platform/postgres.js';
import { arrivalOrder, auditStreamEvents } from '../support/audit-stream.js';
import { seededRandom } from '../support/event-generator.js';
import { exited, sleep, startKeel, untilSealed } from '../support/keel-processes.js';
import { createTopics, kafkaBrokers, publish, testKafka, uniqueTopics } from '../support/kafka-test-kit.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres-test-kit.js';

const session_timeout_ms = 4_000;
const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const startAudit = (env: Record<string, string>) => startKeel('audit', env, cleanup);

async function database(): Promise<TestDatabase> {
  const created = await createTestDatabase({ migrated: true });
  cleanup.push(() => created.drop());
  return created;
}

function validated(events: KeelEvent[]): KeelEvent[] {
  return events.map((event) => {
    const parsed = parseEvent(event);
    if (!parsed.ok) throw new Error(`generated event ${event.id} is invalid`);
    return parsed.event;
  });
}

function auditEnv(db: TestDatabase, topics: { events_topic: string }, group_id: string): Record<string, string> {
  return {
    KAFKA_BROKERS: kafkaBrokers().join(','),
    DATABASE_URL: db.url,
    KEEL_EVENTS_TOPIC: topics.events_topic,
    KEEL_TRADE_RECORDS_TOPIC: `${topics.events_topic}.trade-records`,
    KEEL_AUDIT_GROUP: group_id,
    KEEL_AUDIT_SESSION_TIMEOUT_MS: String(session_timeout_ms),
    KEEL_METRICS_PORT: '0',
    KEEL_LOG_LEVEL: 'info',
  };
}

describe('keel audit processes (real Kafka and PostgreSQL)', () => {
  it(
    'a replay killed 20 times at random points ends with the records and chain head of an undisturbed one',
    { timeout: 900_000 },
    async () => {
      const seed = Number(process.env.KEEL_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
      console.info(`audit crash seed: ${seed} (replay with KEEL_CRASH_SEED=${seed})`);
      const random = seededRandom(seed);
      const kafka = testKafka();
      const topics = uniqueTopics('audit-crash');
      await createTopics(kafka, topics, 3);
      const events = validated(auditStreamEvents(4_000, { seed }));
      await publish(kafka, topics.events_topic, arrivalOrder(events, seed, 0.1, 150));

      const calm_db = await database();
      const calm = startAudit(auditEnv(calm_db, topics, `${topics.group_id}-calm`));
      await untilSealed(calm_db.pool, events.length);
      await calm.logged('"msg":"audit consumer consuming"');
      calm.child.kill('SIGTERM');
      expect(await exited(calm.child)).toBe(0);

      const crash_db = await database();
      const env = auditEnv(crash_db, topics, `${topics.group_id}-crash`);
      const kill_points_ms: number[] = [];
      for (let kill = 0; kill < 20; kill += 1) {
        const audit = startAudit(env);
        await audit.logged('"msg":"audit consumer consuming"');
        const kill_after_ms = Math.floor(random() * 2_500);
        kill_points_ms.push(kill_after_ms);
        await sleep(kill_after_ms);
        audit.child.kill('SIGKILL');
        await exited(audit.child);
      }
      const last = startAudit(env);
      await untilSealed(crash_db.pool, events.length);
      // Stopped once it is up (a signal during start-up, before its handlers exist, is not the point here).
      await last.logged('"msg":"audit consumer consuming"');
      last.child.kill('SIGTERM');
      expect(await exited(last.child)).toBe(0);

      const context = `seed ${seed}, kill points ${kill_points_ms.join(',')} ms`;
      const calm_records = await withSession(calm_db.pool, currentTradeRecords);
      const crash_records = await withSession(crash_db.pool, currentTradeRecords);
      expect(crash_records, context).toEqual(calm_records);
      expect(await withSession(crash_db.pool, auditHead), context).toEqual(await withSession(calm_db.pool, auditHead));
      expect(await withSession(crash_db.pool, (client) => verifyAuditChain(client))).toMatchObject({ ok: true });
      const expected = tradeRecordsOf(events, new AssetRegistry());
      const by_id = new Map(crash_records.map((row) => [row.trade_id, row.record]));
      expect(by_id.size).toBe(expected.length);
      for (const record of expected) expect(by_id.get(record.trade_id), context).toEqual(record);
    },
  );

  it(
    'two processes in one group: the second stands by, takes over when the first is killed, nothing lost or doubled',
    { timeout: 300_000 },
    async () => {
      const kafka = testKafka();
      const topics = uniqueTopics('audit-pair');
      await createTopics(kafka, topics, 3);
      const events = validated(auditStreamEvents(1_200, { seed: 515 }));
      const first_half = events.slice(0, 600);
      const db = await database();
      const env = auditEnv(db, topics, topics.group_id);

      const first = startAudit(env);
      await first.logged('"msg":"audit consumer consuming"');
      const second = startAudit(env);
      await second.logged('standing by until it stops');
      await publish(kafka, topics.events_topic, first_half);
      await untilSealed(db.pool, first_half.length);
      expect(second.log()).not.toContain('"msg":"audit consumer consuming"');

      first.child.kill('SIGKILL');
      await exited(first.child);
      await second.logged('audit writer lock taken', 30_000);
      await publish(kafka, topics.events_topic, events.slice(600));
      await untilSealed(db.pool, events.length);

      const records = await withSession(db.pool, currentTradeRecords);
      const expected = tradeRecordsOf(events, new AssetRegistry());
      expect(records.map((row) => row.trade_id).sort()).toEqual(expected.map((record) => record.trade_id).sort());
      const by_id = new Map(records.map((row) => [row.trade_id, row.record]));
      for (const record of expected) expect(by_id.get(record.trade_id)).toEqual(record);
      // No version repeats the one before it: nothing was built twice.
      const { rows } = await db.pool.query<{ repeats: number }>(
        `select count(*)::int as repeats from trade_records newer join trade_records older
         on newer.trade_id = older.trade_id and newer.version = older.version + 1 and newer.record_hash = older.record_hash`,
      );
      expect(rows[0]!.repeats).toBe(0);
      expect(await withSession(db.pool, (client) => verifyAuditChain(client))).toMatchObject({ ok: true });
    },
  );
});
