// Kafka clients (kafkajs) and topic set-up. kafkajs logs through pino so that every line Keel
// writes has one format; topic creation is idempotent and part of every start-up.
import { Kafka, logLevel, type Admin, type ITopicConfig, type LogEntry } from 'kafkajs';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

export type KafkaSettings = Config['kafka'];

const kafka_log_levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

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
