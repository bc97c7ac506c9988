// Smoke test for the real external services (Kafka broker, PostgreSQL server) started by
// scripts/services.sh. It proves the scripts give us servers that the production drivers
// (kafkajs, pg) can actually use.
//
//   bash scripts/services.sh start && source .cache/services.env && npx vitest run test/services.test.ts
//
// In CI (CI=true) a missing KAFKA_BROKERS / DATABASE_URL is a failure, because it means the
// pipeline forgot to start the services; locally the test is skipped with a note.
import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel, type KafkaMessage } from 'kafkajs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

const inCI = process.env.CI === 'true' || process.env.CI === '1';
const START_HINT = 'run `bash scripts/services.sh start && source .cache/services.env` before the tests';

/** Rejects after `ms` so a dead or half-up service fails the test instead of hanging it. */
async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Best-effort cleanup that can neither throw nor hang. */
async function quietly(what: string, action: () => Promise<unknown>): Promise<void> {
  try {
    await withTimeout(action(), 10_000, what);
  } catch (error) {
    console.warn(`[services.test] cleanup "${what}" failed: ${String(error)}`);
  }
}

/** Registers `body` when the service's env var is set; otherwise fails (CI) or skips. */
function serviceTest(title: string, envVar: string, service: string, timeoutMs: number, body: (value: string) => Promise<void>): void {
  const value = process.env[envVar];
  if (value) {
    it(title, () => body(value), timeoutMs);
  } else if (inCI) {
    it(title, () => {
      throw new Error(`${envVar} is not set: the ${service} service wasn't started (CI=true, so this is a failure). ${START_HINT}.`);
    });
  } else {
    console.warn(`[services.test] ${envVar} is not set, skipping the ${service} test (${START_HINT}).`);
    it.skip(title, () => undefined);
  }
}

describe('external services', () => {
  serviceTest('Kafka: creates a topic, produces one message and consumes it', 'KAFKA_BROKERS', 'Kafka', 90_000, async (brokers) => {
    const runId = randomUUID();
    const topic = `keel-services-test-${runId}`;
    const kafka = new Kafka({
      clientId: 'keel-services-test',
      brokers: brokers.split(',').map((b) => b.trim()),
      connectionTimeout: 5_000,
      requestTimeout: 15_000,
      retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 },
      logLevel: logLevel.WARN,
    });
    const admin = kafka.admin();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    const consumer = kafka.consumer({ groupId: `keel-services-test-${runId}`, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    try {
      await withTimeout(admin.connect(), 15_000, 'admin connect');
      const created = await withTimeout(
        admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true, timeout: 15_000 }),
        20_000,
        'create topic',
      );
      expect(created).toBe(true);

      await withTimeout(producer.connect(), 15_000, 'producer connect');
      const value = `hello ${runId}`;
      await withTimeout(producer.send({ topic, acks: -1, messages: [{ key: 'k', value }] }), 15_000, 'produce');

      await withTimeout(consumer.connect(), 15_000, 'consumer connect');
      await withTimeout(consumer.subscribe({ topics: [topic], fromBeginning: true }), 15_000, 'subscribe');
      const received = new Promise<KafkaMessage>((resolve, reject) => {
        consumer.on(consumer.events.CRASH, (event) => reject(event.payload.error));
        consumer
          .run({
            eachMessage: async ({ message }) => {
              resolve(message);
            },
          })
          .catch(reject);
      });
      const message = await withTimeout(received, 30_000, 'consume (group join + fetch)');
      expect(message.key?.toString()).toBe('k');
      expect(message.value?.toString()).toBe(value);
    } finally {
      await quietly('consumer disconnect', () => consumer.disconnect());
      await quietly('producer disconnect', () => producer.disconnect());
      await quietly('delete topic', () => admin.deleteTopics({ topics: [topic], timeout: 5_000 }));
      await quietly('admin disconnect', () => admin.disconnect());
    }
  });

  serviceTest('PostgreSQL: connects and runs select 1', 'DATABASE_URL', 'PostgreSQL', 30_000, async (connectionString) => {
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5_000, query_timeout: 5_000, statement_timeout: 5_000 });
    try {
      await withTimeout(client.connect(), 10_000, 'postgres connect');
      const result = await withTimeout(client.query<{ one: number }>('select 1 as one'), 10_000, 'select 1');
      expect(result.rows).toEqual([{ one: 1 }]);
    } finally {
      await quietly('postgres disconnect', () => client.end());
    }
  });
});
