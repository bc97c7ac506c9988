// Kafka clients (kafkajs), topic set-up and producing. kafkajs logs through pino so that every line
// Keel writes has one format; topic creation is idempotent and part of every start-up; every
// publisher (API, connectors, `keel publish`, dead letters, trade records) produces through
// `producerOf` and `sendMessages`.
import {
  Kafka,
  logLevel,
  Partitioners,
  type Admin,
  type ITopicConfig,
  type LogEntry,
  type Message,
  type Producer,
} from 'kafkajs';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

export type KafkaSettings = Config['kafka'];

const kafka_log_levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * kafkajs warnings that are known and harmless here, dropped by text: the notice that v2 changed
 * the default partitioner (Keel names its partitioner, see `producerOf`), and that an idempotent
 * producer with limited retries may duplicate a message (a failed send fails its caller, and event
 * ids make a re-sent event a duplicate, never a second posting).
 */
const harmless_kafka_warnings = [
  'KafkaJS v2.0.0 switched default partitioner',
  'Limiting retries for the idempotent producer',
];

/** Messages per send: large enough to batch well, small enough to bound memory and retry cost. */
export const messages_per_send = 1_000;

export function createKafka(settings: Pick<KafkaSettings, 'brokers' | 'client_id'>, logger: Logger): Kafka {
  return new Kafka({
    clientId: settings.client_id,
    brokers: settings.brokers,
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    // kafkajs retries on its own a few times; the engine adds its own back-off around whole batches.
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5_000 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const level = kafka_log_levels[entry.level] ?? 'info';
      const { message, ...fields } = entry.log;
      if (level === 'warn' && harmless_kafka_warnings.some((text) => message.startsWith(text))) return;
      logger[level]({ kafka: entry.namespace, ...fields }, message);
    },
  });
}

/** Creates the topics that do not exist yet; a topic created meanwhile by another process is fine. */
export async function ensureTopics(admin: Admin, topics: readonly ITopicConfig[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((topic) => !existing.has(topic.topic));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({ topics: [...missing], waitForLeaders: true });
  } catch (error) {
    if ((error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw error;
  }
}

/** The message key of an event: one venue account's events share a partition, so they stay in order. */
export function eventMessageKey(venue: string, account: string): string {
  return `${venue}/${account}`;
}

/**
 * Keel's producer: idempotent with one request in flight, so a retried send neither duplicates
 * nor reorders; kafkajs v2's default partitioner, named so that partitions stay where they are.
 */
export function producerOf(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

/**
 * What one send may carry: the broker refuses a request larger than its largest message (1 MiB by
 * default, `message.max.bytes`), so sends are cut by bytes as well as by count.
 */
export const send_bytes_max = 900 * 1024;

/** Sends messages in order, at most `messages_per_send` and `send_bytes_max` at a time, each send acknowledged by every in-sync replica. */
export async function sendMessages(producer: Producer, topic: string, messages: readonly Message[]): Promise<void> {
  let start = 0;
  while (start < messages.length) {
    let end = start;
    let bytes = 0;
    while (end < messages.length && end - start < messages_per_send) {
      const size = messageBytes(messages[end]!);
      if (end > start && bytes + size > send_bytes_max) break;
      bytes += size;
      end += 1;
    }
    await producer.send({ topic, acks: -1, messages: messages.slice(start, end) });
    start = end;
  }
}

function messageBytes(message: Message): number {
  const size = (value: Message['value'] | Message['key']) =>
    value === null || value === undefined ? 0 : typeof value === 'string' ? Buffer.byteLength(value) : value.length;
  return size(message.key) + size(message.value) + 64;
}
