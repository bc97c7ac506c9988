// The broker crashes (SIGKILL) and restarts on the same data while the posting engine and the
// real `keel audit` process consume (issue 16): nothing lost, nothing posted or stored twice, the
// audit process stays up and ends sealed with the full recompute's records. The broker is a
// private one (scripts/kafka.sh on other ports): restarting the shared one would disturb every
// other test running beside this one.
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { currentTradeRecords } from '../../audit/audit-store.js';
import { tradeRecordsOf } from '../../audit/lot-facts.js';
import { createEngineMetrics } from '../../engine/engine-metrics.js';
import { parseEvent, type KeelEvent } from '../../engine/event-schema.js';
import { PostingEngine } from '../../engine/posting-engine.js';
import { AssetRegistry } from '../../ledger/asset-registry.js';
import { EmbeddedLedger } from '../../ledger/embedded-ledger.js';
import { createKafka } from '../../platform/kafka.js';
import { createLogger } from '../../platform/logger.js';
import { withSession } from '../../platform/postgres.js';
import { auditStreamEvents } from '../support/audit-stream.js';
import { createTopics, publish, testKafka, uniqueTopics, waitForGroupCaughtUp } from '../support/kafka-test-kit.js';
import { sleep, startKeel, untilSealed } from '../support/keel-processes.js';
import { checkLedgerInvariants } from '../support/ledger-invariants.js';
import { createTestDatabase } from '../support/postgres-test-kit.js';
import { startPrivateKafka } from '../support/private-services.js';

const registry = new AssetRegistry();
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

describe('a broker restart under the engine and keel audit (private Kafka, real PostgreSQL)', () => {
  it('loses nothing and doubles nothing; keel audit stays up and ends sealed', { timeout: 400_000 }, async () => {
    const broker = await startPrivateKafka();
    cleanup.push(() => broker.stop());
    const brokers = [broker.address];
    const kafka = testKafka(brokers);
    const topics = uniqueTopics('kafka-restart');
    await createTopics(kafka, topics, 2);
    const events = validated(auditStreamEvents(3_000, { seed: 1607 }));
    const db = await createTestDatabase({ migrated: true });
    cleanup.push(() => db.drop());

    const logger = createLogger(process.env.KEEL_TEST_LOG_LEVEL ?? 'silent');
    const ledger = new EmbeddedLedger();
    const metrics_registry = new Registry();
    const engine = new PostingEngine(
      createKafka({ brokers, client_id: 'keel-engine-test' }, logger),
      ledger,
      registry,
      createEngineMetrics(metrics_registry),
      logger,
      {
        ...topics,
        events_partitions: 2,
        session_timeout_ms: 6_000,
        retry_backoff_ms_max: 500,
      },
    );
    cleanup.push(() => engine.stop());
    await engine.start();
    const audit = startKeel(
      'audit',
      {
        KAFKA_BROKERS: broker.address,
        DATABASE_URL: db.url,
        KEEL_EVENTS_TOPIC: topics.events_topic,
        KEEL_TRADE_RECORDS_TOPIC: `${topics.events_topic}.trade-records`,
        KEEL_AUDIT_GROUP: `${topics.group_id}-audit`,
        KEEL_AUDIT_SESSION_TIMEOUT_MS: '6000',
        KEEL_METRICS_PORT: '0',
        KEEL_LOG_LEVEL: 'info',
      },
      cleanup,
    );
    await audit.logged('"msg":"audit consumer consuming"');

    const half = Math.floor(events.length / 2);
    await publish(kafka, topics.events_topic, events.slice(0, half));
    const stored = async () =>
      Number((await db.pool.query<{ count: string }>('select count(*) as count from events')).rows[0]!.count);
    while ((await stored()) === 0) await sleep(100);
    await broker.command('restart', 'kill');
    await publish(kafka, topics.events_topic, events.slice(half));

    await waitForGroupCaughtUp(kafka, topics.events_topic, topics.group_id, 180_000);
    await untilSealed(db.pool, events.length, 180_000);
    expect(audit.child.exitCode).toBeNull();
    expect(audit.child.signalCode).toBeNull();

    const report = await checkLedgerInvariants(ledger, events, registry);
    expect(report.problems).toEqual([]);
    expect(report.transfers).toBe(report.expected_transfers);
    const { rows } = await db.pool.query<{ stored: number; distinct_ids: number }>(
      'select count(*)::int as stored, count(distinct event_id)::int as distinct_ids from events',
    );
    expect(rows[0]).toEqual({ stored: events.length, distinct_ids: events.length });
    const records = await withSession(db.pool, currentTradeRecords);
    const expected = tradeRecordsOf(events, registry);
    expect(new Map(records.map((record) => [record.trade_id, record.record]))).toEqual(
      new Map(expected.map((record) => [record.trade_id, record])),
    );
  });
});
