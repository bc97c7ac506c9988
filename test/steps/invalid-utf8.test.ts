// The engine and the audit consumer decode a message the same way (invariant I2): one that is not
// valid UTF-8 is dead-lettered by the one and never stored by the other, while both take the valid
// messages around it. Real Kafka broker, real PostgreSQL server.
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditConsumer } from '../../audit/audit-consumer.js';
import type { DeadLetter } from '../../engine/dead-letter.js';
import { createEngineMetrics } from '../../engine/engine-metrics.js';
import { parseEvent, type KeelEvent } from '../../engine/event-schema.js';
import { PostingEngine } from '../../engine/posting-engine.js';
import { AssetRegistry } from '../../ledger/asset-registry.js';
import { EmbeddedLedger } from '../../ledger/embedded-ledger.js';
import { createKafka } from '../../platform/kafka.js';
import { createLogger } from '../../platform/logger.js';
import { generateEvents } from '../support/event-generator.js';
import { example_events } from '../support/example-events.js';
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
import { createTestDatabase } from '../support/postgres-test-kit.js';

const registry = new AssetRegistry();
const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function validEvent(input: unknown): KeelEvent {
  const parsed = parseEvent(input);
  if (!parsed.ok) throw new Error(`test fixture is not a valid event: ${JSON.stringify(parsed.issues)}`);
  return parsed.event;
}

/** A deposit whose JSON is well-formed except for one byte (0xFF) inside its id: Buffer.toString would store it with U+FFFD. */
function depositWithInvalidByte(): Buffer {
  const text = JSON.stringify({ ...example_events.deposit, id: 'bad-utf8-MARK' });
  const [before, after] = text.split('MARK') as [string, string];
  return Buffer.concat([Buffer.from(before), Buffer.from([0xff]), Buffer.from(after)]);
}

describe('one UTF-8 rule for the posting engine and the audit consumer', () => {
  it(
    'dead-letters a message that is not UTF-8 (payload_base64), does not store it, and both steps take the valid ones',
    { timeout: 180_000 },
    async () => {
      const kafka = testKafka();
      const topics = uniqueTopics('utf8');
      await createTopics(kafka, topics, 1);
      const good_before = [validEvent(example_events.deposit), ...generateEvents(9, { seed: 1401 })];
      const good_after = [...generateEvents(10, { seed: 1402 })];
      const invalid = depositWithInvalidByte();
      await publish(kafka, topics.events_topic, [
        ...good_before,
        { key: 'binance/spot-main', value: invalid },
        ...good_after,
      ]);

      const logger = createLogger(process.env.KEEL_TEST_LOG_LEVEL ?? 'silent');
      const ledger = new EmbeddedLedger();
      const engine = new PostingEngine(
        createKafka({ brokers: kafkaBrokers(), client_id: 'keel-utf8-engine' }, logger),
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
      const database = await createTestDatabase({ migrated: true });
      cleanup.push(() => database.drop());
      const audit_group = `${topics.group_id}-audit`;
      const consumer = new AuditConsumer(
        createKafka({ brokers: kafkaBrokers(), client_id: 'keel-utf8-audit' }, logger),
        database.pool,
        registry,
        logger,
        {
          events_topic: topics.events_topic,
          trade_records_topic: `${topics.events_topic}.trade-records`,
          group_id: audit_group,
          session_timeout_ms: 6_000,
        },
      );
      cleanup.push(() => consumer.stop());
      await Promise.all([engine.start(), consumer.start()]);
      await waitForGroupCaughtUp(kafka, topics.events_topic, topics.group_id);
      await waitForGroupCaughtUp(kafka, topics.events_topic, audit_group);

      const letters = (await readTopic(kafka, topics.dlq_topic, 1)).map(
        (message) => JSON.parse(message.value!) as DeadLetter,
      );
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({
        code: 'KEEL_ERR_ENGINE_EVENT_MALFORMED',
        reason: expect.stringContaining('not UTF-8'),
        kind: 'invalid',
        payload: null,
        payload_base64: invalid.toString('base64'),
        source: { topic: topics.events_topic, partition: 0, offset: String(good_before.length) },
      });

      const good = [...good_before, ...good_after];
      const { rows } = await database.pool.query<{ event_id: string }>(
        'select event_id from events order by source_offset',
      );
      expect(rows.map((row) => row.event_id)).toEqual(good.map((event) => event.id));
      const report = await checkLedgerInvariants(ledger, good, registry);
      expect(report.problems).toEqual([]);
      expect(report.transfers).toBe(report.expected_transfers);
    },
  );
});
