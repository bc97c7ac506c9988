// Pipeline benchmark: N generated events published to Kafka, then consumed and posted by the
// posting engine on the embedded ledger (with its journal, as `keel engine` runs), against the
// baseline of a bare kafkajs consumer reading the same topic without posting, in the same run.
//
//   bash scripts/services.sh start && source .cache/services.env
//   npx tsx bench/pipeline-bench.ts [--events 1000000] [--seed 1] [--partitions 6]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { createEngineMetrics } from '../engine/engine-metrics.js';
import { publishEvents } from '../engine/event-publisher.js';
import type { KeelEvent } from '../engine/event-schema.js';
import { PostingEngine } from '../engine/posting-engine.js';
import { AssetRegistry } from '../ledger/asset-registry.js';
import { JournaledLedger } from '../ledger/embedded-journal.js';
import { createKafka, producerOf } from '../platform/kafka.js';
import { createLogger } from '../platform/logger.js';
import { generateEvents } from '../test/support/event-generator.js';
import { kafkaBrokers, testKafka, waitForGroupCaughtUp } from '../test/support/kafka-test-kit.js';

type Rate = { seconds: number; events_per_second: number };

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '1' },
    partitions: { type: 'string', default: '6' },
  },
});
const event_count = Number(values.events);
const partitions = Number(values.partitions);
const log = (line: string) => process.stderr.write(`${line}\n`);

const kafka = testKafka();
const suffix = randomUUID().slice(0, 8);
const topic = `keel.events.bench.${suffix}`;
const dlq_topic = `keel.events.dlq.bench.${suffix}`;
let peak_rss_bytes = process.memoryUsage().rss;
const rss_timer = setInterval(() => (peak_rss_bytes = Math.max(peak_rss_bytes, process.memoryUsage().rss)), 100);

const publish_rate = await publishGenerated();
const bare = await bareConsumer();
const engine = await postingEngine();
clearInterval(rss_timer);

const sorted = engine.batch_ms.sort((left, right) => left - right);
const percentile = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
const row = (name: string, rate: Rate) =>
  `${name.padEnd(44)} ${rate.events_per_second.toLocaleString('en-US').padStart(10)} events/s  (${rate.seconds.toFixed(2)} s)`;
process.stdout.write(
  [
    `events: ${event_count.toLocaleString('en-US')}, partitions: ${partitions}, brokers: ${kafkaBrokers().join(',')}`,
    row('publish (keel publish path, acks=all)', publish_rate),
    row('bare kafkajs consumer (baseline)', bare),
    row('posting engine, embedded ledger, end to end', engine.rate),
    `engine / bare consumer: ${(engine.rate.events_per_second / bare.events_per_second).toFixed(3)}`,
    `batches: ${sorted.length}, latency p50 ${percentile(0.5).toFixed(1)} ms, p99 ${percentile(0.99).toFixed(1)} ms`,
    `peak RSS: ${Math.round(peak_rss_bytes / 1024 / 1024)} MiB`,
  ].join('\n') + '\n',
);

async function publishGenerated(): Promise<Rate> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic, numPartitions: partitions },
      { topic: dlq_topic, numPartitions: 1 },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const producer = producerOf(kafka);
  await producer.connect();
  log(`publishing ${event_count} events to ${topic}`);
  const started = process.hrtime.bigint();
  let messages: KeelEvent[] = [];
  let published = 0;
  for (const event of generateEvents(event_count, { seed: Number(values.seed), include_non_money: true })) {
    messages.push(event);
    if (messages.length === 5_000) {
      await publishEvents(producer, topic, messages);
      published += messages.length;
      messages = [];
      if (published % 100_000 === 0) log(`  published ${published}`);
    }
  }
  await publishEvents(producer, topic, messages);
  await producer.disconnect();
  return rate(started);
}

async function bareConsumer(): Promise<Rate> {
  log('baseline: bare kafkajs consumer');
  const consumer = kafka.consumer({ groupId: `keel-bench-bare-${suffix}`, maxBytesPerPartition: 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let consumed = 0;
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        consumed += batch.messages.length;
        if (consumed >= event_count) resolve();
      },
    });
  });
  const result = rate(started);
  await consumer.disconnect();
  return result;
}

async function postingEngine(): Promise<{ rate: Rate; batch_ms: number[] }> {
  log('posting engine on the embedded ledger');
  const data_dir = mkdtempSync(join(tmpdir(), 'keel-pipeline-bench-'));
  const ledger = await JournaledLedger.open(data_dir);
  const batch_ms: number[] = [];
  const group_id = `keel-bench-engine-${suffix}`;
  const logger = createLogger('warn');
  const engine = new PostingEngine(
    createKafka({ brokers: kafkaBrokers(), client_id: 'keel-bench' }, logger),
    ledger,
    new AssetRegistry(),
    createEngineMetrics(new Registry()),
    logger,
    {
      events_topic: topic,
      dlq_topic,
      events_partitions: partitions,
      group_id,
      on_batch_committed: (batch) => batch_ms.push(batch.duration_ms),
    },
  );
  const started = process.hrtime.bigint();
  await engine.start();
  await waitForGroupCaughtUp(kafka, topic, group_id, 3_600_000);
  const result = rate(started);
  await engine.stop();
  await ledger.close();
  rmSync(data_dir, { recursive: true, force: true });
  return { rate: result, batch_ms };
}

function rate(started: bigint): Rate {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, events_per_second: Math.round(event_count / seconds) };
}
