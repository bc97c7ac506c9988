// `keel publish --input FILE.jsonl`: validates and publishes a file of events to the event topic.
import { publishEventFile } from '../engine/event-publisher.js';
import { createKafka, ensureTopics, producerOf } from '../platform/kafka.js';
import { createLogger } from '../platform/logger.js';
import { usageError, type CommandContext } from './command.js';

export const publish_usage = `keel publish --input FILE.jsonl

Publishes every valid event of a JSON Lines file to Kafka (KAFKA_BROKERS, topic KEEL_EVENTS_TOPIC),
keyed by venue account so each account's events stay in order. Lines that fail validation are
reported with their line number and not published. Prints a JSON summary; progress on stderr.`;

export async function publishCommand(context: CommandContext): Promise<number> {
  const { values } = context.parse({ input: { type: 'string' } });
  if (values.input === undefined) throw usageError('--input FILE.jsonl is required', publish_usage);
  const { kafka: settings } = context.config;
  const kafka = createKafka(settings, createLogger(context.config.log_level, 'keel-publish'));
  const admin = kafka.admin();
  const producer = producerOf(kafka);
  await admin.connect();
  try {
    await ensureTopics(admin, [
      { topic: settings.events_topic, numPartitions: settings.events_partitions },
      { topic: settings.dlq_topic, numPartitions: 1 },
    ]);
    await producer.connect();
    const report = await publishEventFile(values.input, producer, settings.events_topic, {
      on_progress: (progress) =>
        context.progress(
          `keel publish: ${progress.lines} lines read, ${progress.published} published (${Math.round(progress.published / Math.max(progress.elapsed_ms / 1000, 0.001))} events/s)`,
        ),
    });
    context.stdout(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
}
