// `keel engine`: the posting engine, until SIGTERM or SIGINT (then it finishes the batch in
// flight, commits, and leaves its consumer group), or until a broken invariant stops it (then the
// command fails with the error's code, and the batch is read again by whoever runs next).
import { createEngineMetrics } from '../engine/engine-metrics.js';
import { PostingEngine } from '../engine/posting-engine.js';
import { loadRegistry, openLedger } from '../ledger/open-ledger.js';
import { createKafka } from '../platform/kafka.js';
import { createLogger } from '../platform/logger.js';
import { createMetricsRegistry, metricsUrl, startMetricsServer } from '../platform/metrics.js';
import type { CommandContext } from './command.js';

export const engine_usage = `keel engine

Consumes canonical events from Kafka (KEEL_EVENTS_TOPIC, default keel.events) and posts them to
the ledger (KEEL_LEDGER: embedded under KEEL_DATA_DIR, or tigerbeetle at TB_ADDRESS). Invalid
events go to KEEL_DLQ_TOPIC (default keel.events.dlq) with their reason. Metrics on
http://KEEL_METRICS_HOST:KEEL_METRICS_PORT/metrics. Stops cleanly on SIGTERM or SIGINT; stops
with exit code 1 on a broken invariant (a bug in Keel, never bad input).`;

export async function engineCommand(context: CommandContext): Promise<number> {
  context.parse({});
  const { config } = context;
  const logger = createLogger(config.log_level, 'keel-engine');
  const metrics_registry = createMetricsRegistry();
  const ledger = await openLedger(config);
  const engine = new PostingEngine(
    createKafka(config.kafka, logger),
    ledger,
    loadRegistry(config),
    createEngineMetrics(metrics_registry),
    logger,
    {
      events_topic: config.kafka.events_topic,
      dlq_topic: config.kafka.dlq_topic,
      events_partitions: config.kafka.events_partitions,
      group_id: config.engine.group_id,
      session_timeout_ms: config.engine.session_timeout_ms,
    },
  );
  const metrics_server = await startMetricsServer(metrics_registry, config.metrics.host, config.metrics.port);
  logger.info({ metrics: metricsUrl(metrics_server), ledger: ledger.name }, 'keel engine starting');
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'stopping: finishing the batch in flight');
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  try {
    await engine.start();
    const failure = await Promise.race([stopped, engine.failed]);
    if (failure !== undefined) throw failure;
  } finally {
    await engine.stop();
    await ledger.close();
    metrics_server.close();
  }
  return 0;
}
