// `keel audit`: the audit consumer, until SIGTERM or SIGINT. Applies the migrations first.
import { AuditConsumer } from '../audit/audit-consumer.js';
import { createAuditMetrics } from '../audit/audit-metrics.js';
import { loadRegistry } from '../ledger/open-ledger.js';
import { createMetricsRegistry, metricsUrl, startMetricsServer } from '../platform/metrics.js';
import { createKafka } from '../platform/kafka.js';
import { createLogger } from '../platform/logger.js';
import { createPool, defaultMigrationsDirectory, migrate } from '../platform/postgres.js';
import type { CommandContext } from './command.js';

export const audit_usage = `keel audit

Consumes canonical events from Kafka (KEEL_EVENTS_TOPIC) in its own group (KEEL_AUDIT_GROUP), stores
them in PostgreSQL (DATABASE_URL, migrated at start) and folds each batch into the tax lots
incrementally (a late event re-folds from the checkpoint before it). Whenever it has caught up (at
most once per KEEL_AUDIT_SEAL_INTERVAL_MS, default 0) it rebuilds the trade records the new events
touched: changed records become new versions, each appended to the hash-chained audit log and
published on KEEL_TRADE_RECORDS_TOPIC. One process writes the store: a second one stands by and
takes over when the first stops or dies. While PostgreSQL does not answer it waits (the partition
paused, heartbeats kept) and logs KEEL_ERR_AUDIT_STORE_UNAVAILABLE once per wait. An event the store
refuses or a stored event that no longer validates is quarantined (see keel quarantine) and sealing
goes on. Metrics on http://KEEL_METRICS_HOST:KEEL_METRICS_PORT/metrics.
Stops cleanly on SIGTERM or SIGINT (exit 0); a broken invariant stops it with exit 1.`;

export async function auditCommand(context: CommandContext): Promise<number> {
  context.parse({});
  const { config } = context;
  const logger = createLogger(config.log_level, 'keel-audit');
  const pool = createPool(config.database.url, {
    on_idle_error: (error) => logger.warn({ error: error.message }, 'idle PostgreSQL connection failed'),
  });
  await migrate(pool, defaultMigrationsDirectory());
  const metrics_registry = createMetricsRegistry();
  // A broken invariant stops the process loudly (exit 1), as a signal stops it cleanly (0).
  let broken = false;
  let failed_resolve: () => void = () => undefined;
  const failed = new Promise<void>((resolve) => (failed_resolve = resolve));
  const consumer = new AuditConsumer(createKafka(config.kafka, logger), pool, loadRegistry(config), logger, {
    events_topic: config.kafka.events_topic,
    trade_records_topic: config.audit.trade_records_topic,
    group_id: config.audit.group_id,
    seal_interval_ms: config.audit.seal_interval_ms,
    session_timeout_ms: config.audit.session_timeout_ms,
    metrics: createAuditMetrics(metrics_registry),
    on_failure: () => {
      broken = true;
      failed_resolve();
    },
  });
  const metrics_server = await startMetricsServer(metrics_registry, config.metrics.host, config.metrics.port);
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'stopping: finishing the batch in flight');
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  // Said once the signal handlers exist: a SIGTERM right after this line stops it cleanly.
  logger.info({ metrics: metricsUrl(metrics_server) }, 'keel audit starting');
  try {
    // Standing by (another process writes the store) lasts until it stops or this one is told to.
    await Promise.race([consumer.start(), stopped]);
    await Promise.race([stopped, failed]);
  } finally {
    await consumer.stop();
    await pool.end();
    metrics_server.close();
  }
  if (broken) {
    logger.fatal('keel audit stopped on a broken invariant');
    return 1;
  }
  logger.info('keel audit stopped');
  return 0;
}
