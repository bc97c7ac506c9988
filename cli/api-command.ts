// `keel api`: the HTTP API (api/), listening on KEEL_API_HOST:KEEL_API_PORT until SIGTERM or
// SIGINT, then it stops accepting connections, finishes the requests in flight and closes its
// clients. Reads the ledger and the audit store (it does not migrate it: `keel audit` does), and
// publishes accepted events to KEEL_EVENTS_TOPIC.
import { configuredApiLimits } from '../api/api-context.js';
import { buildApp } from '../api/build-app.js';
import { loadApiTokens } from '../api/api-tokens.js';
import { KafkaEventPublisher } from '../api/kafka-publisher.js';
import { kafkaReadiness, ledgerReadiness, postgresReadiness } from '../api/readiness.js';
import { loadRegistry, openLedger } from '../ledger/open-ledger.js';
import { createKafka, ensureTopics } from '../platform/kafka.js';
import { createLogger } from '../platform/logger.js';
import { createMetricsRegistry } from '../platform/metrics.js';
import { createPool } from '../platform/postgres.js';
import type { CommandContext } from './command.js';

export const api_usage = `keel api

Serves the HTTP API on http://KEEL_API_HOST:KEEL_API_PORT (default 127.0.0.1:8080): balances from
the ledger, trade records, explanations, lots and disposals from the audit store (DATABASE_URL),
POST /v1/events to KEEL_EVENTS_TOPIC, /healthz, /readyz, /metrics, and the OpenAPI document on /docs.
Every route but /healthz and /readyz needs a bearer token: KEEL_API_TOKENS=token:read+write,token2:metrics
or KEEL_API_TOKENS_FILE (JSON [{"name", "token", "scopes"}]); tokens have at least 16 characters.
Stops cleanly on SIGTERM or SIGINT.`;

export async function apiCommand(context: CommandContext): Promise<number> {
  context.parse({});
  const { config } = context;
  const tokens = loadApiTokens(config);
  const logger = createLogger(config.log_level, 'keel-api');
  const metrics = createMetricsRegistry();
  const pool = createPool(config.database.url, {
    application_name: 'keel-api',
    on_idle_error: (error) => logger.warn({ error: error.message }, 'idle PostgreSQL connection failed'),
  });
  const kafka = createKafka(config.kafka, logger);
  const admin = kafka.admin();
  const publisher = new KafkaEventPublisher(kafka, config.kafka.events_topic);
  const ledger = await openLedger(config);
  try {
    // Not awaited: with Kafka away, its client retries for half a minute; the API serves reads
    // meanwhile, /readyz reports Kafka not ready, and a POST answers 503 within its bound.
    void prepareTopic(admin, config.kafka.events_topic, config.kafka.events_partitions).then(
      () => logger.info({ topic: config.kafka.events_topic }, 'event topic ready'),
      (error: Error) =>
        logger.warn(
          { error: error.message },
          'could not check the event topic at start-up; /readyz shows when Kafka answers',
        ),
    );
    const app = await buildApp({
      ledger,
      pool,
      publisher,
      registry: loadRegistry(config),
      tokens,
      metrics,
      logger,
      readiness: [ledgerReadiness(ledger), kafkaReadiness(admin), postgresReadiness(pool)],
      limits: configuredApiLimits(config),
    });
    const stopped = new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    const address = await app.listen({ host: config.api.host, port: config.api.port });
    logger.info(
      { address, ledger: ledger.name, tokens: tokens.map((token) => ({ name: token.name, scopes: token.scopes })) },
      'keel api listening',
    );
    const signal = await stopped;
    logger.info({ signal }, 'stopping: finishing the requests in flight');
    await app.close();
  } finally {
    await publisher.close().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await ledger.close();
    await pool.end();
  }
  return 0;
}

async function prepareTopic(
  admin: ReturnType<ReturnType<typeof createKafka>['admin']>,
  topic: string,
  partitions: number,
): Promise<void> {
  await admin.connect();
  await ensureTopics(admin, [{ topic, numPartitions: partitions }]);
}
