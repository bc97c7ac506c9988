// A broken invariant stops the posting engine on the real Kafka broker: it is not dead-lettered as
// bad input, not retried as an unavailable ledger, and nothing of its batch is committed.
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngineMetrics } from '../../engine/engine-metrics.js';
import { parseEvent, type KeelEvent } from '../../engine/event-schema.js';
import { PostingEngine } from '../../engine/posting-engine.js';
import { EmbeddedLedger } from '../../ledger/embedded-ledger.js';
import { createKafka } from '../../platform/kafka.js';
import { createLogger } from '../../platform/logger.js';
import { example_events } from '../support/example-events.js';
import { InconsistentRegistryMock } from '../support/inconsistent-registry-mock.js';
import { createTopics, kafkaBrokers, publish, testKafka, uniqueTopics, withAdmin } from '../support/kafka-test-kit.js';

const running: PostingEngine[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((engine) => engine.stop()));
});

function validEvent(input: unknown): KeelEvent {
  const parsed = parseEvent(input);
  if (!parsed.ok) throw new Error(`test fixture is not a valid event: ${JSON.stringify(parsed.issues)}`);
  return parsed.event;
}

async function gauge(metrics_registry: Registry, name: string): Promise<number | undefined> {
  return (await metrics_registry.getSingleMetric(name)?.get())?.values[0]?.value;
}

describe('posting engine and a broken invariant', () => {
  it(
    'stops consuming, reports the coded error, dead-letters nothing and commits nothing',
    { timeout: 120_000 },
    async () => {
      const kafka = testKafka();
      const topics = uniqueTopics('invariant');
      await createTopics(kafka, topics, 1);
      await publish(kafka, topics.events_topic, [
        validEvent(example_events.decision),
        validEvent(example_events.transfer),
      ]);

      const logger = createLogger(process.env.KEEL_TEST_LOG_LEVEL ?? 'silent');
      const metrics_registry = new Registry();
      const engine = new PostingEngine(
        createKafka({ brokers: kafkaBrokers(), client_id: 'keel-invariant-test' }, logger),
        new EmbeddedLedger(),
        new InconsistentRegistryMock(),
        createEngineMetrics(metrics_registry),
        logger,
        { ...topics, events_partitions: 1, session_timeout_ms: 6_000 },
      );
      running.push(engine);
      await engine.start();
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('the engine did not stop within 60 s')), 60_000),
      );
      const failure = await Promise.race([engine.failed, timeout]);

      expect(failure).toMatchObject({
        code: 'KEEL_ERR_ENGINE_INVARIANT_BROKEN',
        message: expect.stringContaining('out of balance'),
      });
      // Not taken for an outage: the ledger answered, and nothing waits to retry.
      expect(await gauge(metrics_registry, 'keel_engine_ledger_available')).toBe(1);
      expect(await gauge(metrics_registry, 'keel_engine_events_consumed_total')).toBe(0);
      await withAdmin(kafka, async (admin) => {
        const [committed] = await admin.fetchOffsets({ groupId: topics.group_id, topics: [topics.events_topic] });
        expect(committed!.partitions.map((partition) => partition.offset)).toEqual(['-1']);
        const [dlq_end] = await admin.fetchTopicOffsets(topics.dlq_topic);
        expect(dlq_end!.high).toBe('0');
      });
    },
  );
});
