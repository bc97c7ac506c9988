// What the Kafka integration tests share: the real broker's address, unique topic and group names
// per test, publishing, waiting for a consumer group to catch up, and reading a topic back.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { KeelEvent } from '../../engine/event-schema.js';
import { eventMessage } from '../../engine/event-publisher.js';
import { producerOf, sendMessages } from '../../platform/kafka.js';

/** The broker the project's scripts started; in CI its absence is a failure, never a skip. */
export function kafkaBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (brokers === undefined || brokers === '') {
    throw new Error(
      'KAFKA_BROKERS is not set: start the broker with `bash scripts/services.sh start` (npm test does it by itself)',
    );
  }
  return brokers.split(',');
}

/** A client of the shared broker, or of `brokers` (a private one). */
export function testKafka(brokers: string[] = kafkaBrokers()): Kafka {
  return new Kafka({
    clientId: 'keel-test',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 100 },
  });
}

export type TestTopics = { events_topic: string; dlq_topic: string; group_id: string };

export function uniqueTopics(name: string): TestTopics {
  const suffix = `${name}-${randomUUID().slice(0, 8)}`;
  return {
    events_topic: `keel.events.test.${suffix}`,
    dlq_topic: `keel.events.dlq.test.${suffix}`,
    group_id: `keel-engine-test-${suffix}`,
  };
}

export async function withAdmin<T>(kafka: Kafka, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

export async function createTopics(kafka: Kafka, topics: TestTopics, partitions: number): Promise<void> {
  await withAdmin(kafka, (admin) =>
    admin.createTopics({
      topics: [
        { topic: topics.events_topic, numPartitions: partitions },
        { topic: topics.dlq_topic, numPartitions: 1 },
      ],
      waitForLeaders: true,
    }),
  );
}

/** Publishes events (or raw values) keyed like `keel publish` does, in chunks. */
export async function publish(
  kafka: Kafka,
  topic: string,
  values: readonly (KeelEvent | { key: string | null; value: Buffer | string | null })[],
): Promise<void> {
  const producer = producerOf(kafka);
  await producer.connect();
  try {
    await sendMessages(
      producer,
      topic,
      values.map((item) => ('type' in item ? eventMessage(item) : item)),
    );
  } finally {
    await producer.disconnect();
  }
}

/** Waits until the group has committed every partition of the topic up to its end. */
export async function waitForGroupCaughtUp(
  kafka: Kafka,
  topic: string,
  group_id: string,
  timeout_ms = 120_000,
): Promise<void> {
  const deadline_ms = Date.now() + timeout_ms;
  await withAdmin(kafka, async (admin) => {
    for (;;) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId: group_id, topics: [topic] });
      const committed_by_partition = new Map(
        committed!.partitions.map((partition) => [partition.partition, BigInt(partition.offset)]),
      );
      // No commit yet (-1) on a partition that never had a message is caught up too.
      const behind = ends.filter(
        (end) => BigInt(end.high) > 0n && (committed_by_partition.get(end.partition) ?? -1n) < BigInt(end.high),
      );
      if (behind.length === 0) return;
      if (Date.now() > deadline_ms)
        throw new Error(
          `group ${group_id} still behind on partitions ${behind.map((end) => end.partition).join(',')} after ${timeout_ms} ms`,
        );
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });
}

/** Every message of a topic from the beginning, read by a throwaway group until `count` arrived. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  count: number,
  timeout_ms = 60_000,
): Promise<{ key: string | null; value: string | null; offset: string }[]> {
  const consumer = kafka.consumer({ groupId: `keel-test-reader-${randomUUID()}` });
  const messages: { key: string | null; value: string | null; offset: string }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${messages.length} of ${count} messages from ${topic} in ${timeout_ms} ms`)),
        timeout_ms,
      );
      void consumer.run({
        eachMessage: async ({ message }) => {
          messages.push({
            key: message.key?.toString() ?? null,
            value: message.value?.toString() ?? null,
            offset: message.offset,
          });
          if (messages.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await done;
    return messages;
  } finally {
    await consumer.disconnect();
  }
}
