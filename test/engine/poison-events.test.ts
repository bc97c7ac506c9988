// Issue 16, items 1, 2 and 8 against the real broker and PostgreSQL: poison events in the middle of
// valid ones. Each once froze a consumer (validation threw, PostgreSQL refused the text, canonical
// JSON overflowed the stack); now each is dead-lettered with its reason and the consumers go on.
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditConsumer } from '../../audit/audit-consumer.js';
import type { SealResult } from '../../audit/audit-seal.js';
import { currentTradeRecords, loadEvents } from '../../audit/audit-store.js';
import { createEngineMetrics } from '../../engine/engine-metrics.js';
import { engine_error_codes } from '../../engine/engine-errors.js';
import type { KeelEvent } from '../../engine/event-schema.js';
import type { DeadLetter } from '../../engine/dead-letter.js';
import { PostingEngine } from '../../engine/posting-engine.js';
import { AssetRegistry } from '../../ledger/asset-registry.js';
import { EmbeddedLedger } from '../../ledger/embedded-ledger.js';
import { createKafka, eventMessageKey } from '../../platform/kafka.js';
import { createLogger } from '../../platform/logger.js';
import { inTransaction, type Pool } from '../../platform/postgres.js';
import { generateEvents } from '../support/event-generator.js';
import {
  createTopics,
  kafkaBrokers,
  publish,
  readTopic,
  testKafka,
  uniqueTopics,
  waitForGroupCaughtUp,
} from '../support/kafka-test-kit.js';
import { checkLedgerInvariants } from '../support/ledger-invariants.js';
import { poisonEvents } from '../support/poison-events.js';
import { createTestDatabase } from '../support/postgres-test-kit.js';

const registry = new AssetRegistry();
const logger = createLogger(process.env.KEEL_TEST_LOG_LEVEL ?? 'silent');
const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('poison events through the posting engine and the audit consumer (real Kafka and PostgreSQL)', () => {
  it(
    'dead-letters each poison with its reason and code, posts, stores and seals every valid event around them',
    { timeout: 180_000 },
    async () => {
      const kafka = testKafka();
      const topics = uniqueTopics('poison16');
      await createTopics(kafka, topics, 1);
      const poison = poisonEvents();
      const valid_before = [...generateEvents(30, { seed: 1601, include_non_money: true })];
      const valid_after = [...generateEvents(30, { seed: 1602, include_non_money: true })];
      const valid = [...valid_before, ...valid_after];
      expect(new Set(valid.map((event) => event.id)).size).toBe(valid.length);
      const key = eventMessageKey('binance', 'spot-main');
      await publish(kafka, topics.events_topic, [
        ...valid_before,
        ...poison.map((item) => ({ key, value: item.text })),
        ...valid_after,
      ]);

      const ledger = new EmbeddedLedger();
      const engine = new PostingEngine(
        createKafka({ brokers: kafkaBrokers(), client_id: 'keel-poison-test' }, logger),
        ledger,
        registry,
        createEngineMetrics(new Registry()),
        logger,
        {
          ...topics,
          events_partitions: 1,
          session_timeout_ms: 6_000,
        },
      );
      cleanup.push(() => engine.stop());
      await engine.start();
      await waitForGroupCaughtUp(kafka, topics.events_topic, topics.group_id);

      const letters = (await readTopic(kafka, topics.dlq_topic, poison.length)).map(
        (message) => JSON.parse(message.value!) as DeadLetter,
      );
      expect(letters).toHaveLength(poison.length);
      poison.forEach((item, index) => {
        expect(letters[index], item.name).toMatchObject({
          kind: 'invalid',
          code: engine_error_codes.event_invalid,
          event_id: item.id,
          reason: expect.stringContaining(`${item.path}: `),
          source: { topic: topics.events_topic, partition: 0, offset: String(valid_before.length + index) },
        });
      });
      const report = await checkLedgerInvariants(ledger, valid, registry);
      expect(report.problems).toEqual([]);
      expect(report.transfers).toBe(report.expected_transfers);

      const db = await createTestDatabase({ migrated: true });
      cleanup.push(() => db.drop());
      const sealed = await auditUntilSealed(db.pool, topics.events_topic, `${topics.group_id}-audit`, valid.length);
      expect(sealed.events).toBe(valid.length);
      const client = await db.pool.connect();
      try {
        const stored = await inTransaction(client, () => loadEvents(client));
        expect(stored.map((event) => event.id).sort()).toEqual(valid.map((event: KeelEvent) => event.id).sort());
        expect((await currentTradeRecords(client)).length).toBeGreaterThan(0);
      } finally {
        client.release();
      }
      await waitForGroupCaughtUp(kafka, topics.events_topic, `${topics.group_id}-audit`);
    },
  );
});

/** Runs an audit consumer until a seal covers `events` stored events; fails after 90 s. */
async function auditUntilSealed(
  pool: Pool,
  events_topic: string,
  group_id: string,
  events: number,
): Promise<SealResult> {
  let resolve_sealed: (result: SealResult) => void = () => undefined;
  const sealed = new Promise<SealResult>((resolve) => (resolve_sealed = resolve));
  const consumer = new AuditConsumer(
    createKafka({ brokers: kafkaBrokers(), client_id: 'keel-poison-audit-test' }, logger),
    pool,
    registry,
    logger,
    {
      events_topic,
      trade_records_topic: `${events_topic}.trade-records`,
      group_id,
      session_timeout_ms: 6_000,
      seal_interval_ms: 0,
      on_sealed: (result) => {
        if (result.events >= events && result.records_built) resolve_sealed(result);
      },
    },
  );
  cleanup.push(() => consumer.stop());
  await consumer.start();
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('no seal of every valid event within 90 s')), 90_000),
  );
  return Promise.race([sealed, timeout]);
}
