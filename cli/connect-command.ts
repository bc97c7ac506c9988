// `keel connect`: runs one venue account's connector (backfill from a date with progress, then
// polling), or replays recorded exchange responses into the event topic (`--replay DIR`, used by
// the demo and the tests: no network).
import type { Producer } from 'kafkajs';
import { createExchange } from '../connectors/ccxt-exchange.js';
import { Connector, type ConnectorProgress, type StreamReport } from '../connectors/connector.js';
import { createConnectorMetrics } from '../connectors/connector-metrics.js';
import { loadCredentials, redactSecrets, requireCredentials } from '../connectors/credentials.js';
import { MemoryCursorStore } from '../connectors/cursor-store.js';
import { KafkaEventSink } from '../connectors/event-sink.js';
import { PostgresCursorStore } from '../connectors/postgres-cursor-store.js';
import { loadMarketsWithRetry } from '../connectors/markets.js';
import { loadPrices, price_timeframes } from '../connectors/price-loader.js';
import { loadSessions } from '../connectors/replay.js';
import { replaySession } from '../connectors/replay-runner.js';
import { stream_names, type StreamName } from '../connectors/venue-mapping.js';
import { venueSpec } from '../connectors/venue-registry.js';
import { createKafka, ensureTopics, producerOf } from '../platform/kafka.js';
import { createLogger } from '../platform/logger.js';
import { createMetricsRegistry, startMetricsServer } from '../platform/metrics.js';
import { createPool } from '../platform/postgres.js';
import { utc_date_pattern } from '../platform/utc-time.js';
import { usageError, type CommandContext } from './command.js';

export const connect_usage = `keel connect --venue V --account A [--since DATE] [--streams fills,funding,ledger,transfers]
             [--symbols S1,S2] [--currencies C1,C2] [--wallet-account WALLET=VENUE/ACCOUNT]…
             [--once] [--prices S1,S2 --timeframe 1h]
keel connect --replay DIR

Reads a venue account through ccxt and publishes canonical events to KEEL_EVENTS_TOPIC (records
that cannot be normalised go to KEEL_DLQ_TOPIC). Cursors are kept in PostgreSQL (DATABASE_URL,
table connector_cursors) and advanced only after Kafka acknowledged the events; without a cursor a
stream starts at --since (default: 90 days ago). After the backfill it polls every
KEEL_CONNECT_POLL_INTERVAL_MS until SIGTERM/SIGINT, unless --once.

Venues: binance, binanceusdm, bybit, okx, kraken, coinbase, deribit. --symbols names the markets
of venues that page fills or funding per market (binance, binanceusdm fills, bybit funding,
coinbase); --currencies the currencies of venues that page per currency (kraken and coinbase
transfers, coinbase ledger, deribit). API keys: KEEL_<VENUE>_<ACCOUNT>_API_KEY, _SECRET and
_PASSWORD (e.g. KEEL_BINANCE_SPOT_MAIN_API_KEY), or KEEL_CREDENTIALS_FILE
({"venue/account": {"api_key", "secret", "password"?}}); never on the command line.
--prices loads candle closes for those markets into the audit price table after the backfill.

--replay DIR replays every DIR/*.session.json recording (test/data/exchanges/sessions) through
the same connector into Kafka, with a strict fake network. Prints a JSON summary.`;

const day_ms = 86_400_000;

export async function connectCommand(context: CommandContext): Promise<number> {
  const { values } = context.parse({
    venue: { type: 'string' },
    account: { type: 'string' },
    since: { type: 'string' },
    streams: { type: 'string' },
    symbols: { type: 'string' },
    currencies: { type: 'string' },
    'wallet-account': { type: 'string', multiple: true },
    once: { type: 'boolean' },
    prices: { type: 'string' },
    timeframe: { type: 'string' },
    replay: { type: 'string' },
  });
  if (values.replay !== undefined) return replayCommand(context, values.replay);
  if (values.venue === undefined || values.account === undefined)
    throw usageError('--venue and --account are required (or --replay DIR)', connect_usage);
  const spec = venueSpec(values.venue);
  const streams = parseStreams(values.streams, Object.keys(spec.streams) as StreamName[]);
  const since_ms = values.since === undefined ? Date.now() - 90 * day_ms : parseDate(values.since);
  const timeframe = values.timeframe ?? '1h';
  if (!price_timeframes.includes(timeframe))
    throw usageError(`--timeframe: one of ${price_timeframes.join(', ')}`, connect_usage);
  const { config } = context;
  const credentials = requireCredentials(
    loadCredentials(spec.venue, values.account, process.env, config.connectors.credentials_file),
    spec.venue,
    values.account,
  );
  const logger = createLogger(config.log_level, 'keel-connect');
  const metrics_registry = createMetricsRegistry();
  const metrics = createConnectorMetrics(metrics_registry);
  const exchange = createExchange(spec, { credentials });
  const pool = createPool(config.database.url, { max_connections: 2, application_name: 'keel-connect' });
  const kafka = createKafka(config.kafka, logger);
  const producer = producerOf(kafka);
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const metrics_server = values.once
    ? undefined
    : await startMetricsServer(metrics_registry, config.metrics.host, config.metrics.port);
  try {
    await prepareTopics(kafka.admin(), config.kafka);
    await producer.connect();
    await loadMarketsWithRetry(exchange, `${spec.venue}/${values.account}`, (kind, error, retry_in_ms) => {
      metrics.errors.inc({ venue: spec.venue, stream: 'markets', kind });
      logger.warn(
        { venue: spec.venue, account: values.account, kind, retry_in_ms, error: error.message },
        'loading the markets failed',
      );
    });
    const connector = new Connector(
      exchange,
      new PostgresCursorStore(pool),
      new KafkaEventSink(producer, config.kafka.events_topic, config.kafka.dlq_topic),
      {
        spec,
        account: values.account,
        settings: { symbols: list(values.symbols), currencies: list(values.currencies) },
        streams,
        since_ms,
        wallet_accounts: parseWalletAccounts(values['wallet-account'] ?? []),
        poll_interval_ms: config.connectors.poll_interval_ms,
        metrics,
        logger,
        on_progress: (progress) => context.progress(describeProgress(progress)),
      },
    );
    if (values.once) {
      const reports = await connector.backfill(abort.signal);
      if (values.prices !== undefined)
        await loadAllPrices(context, exchange, pool, spec.venue, list(values.prices), timeframe, since_ms);
      context.stdout(`${JSON.stringify({ venue: spec.venue, account: values.account, streams: reports }, null, 2)}\n`);
      return 0;
    }
    if (values.prices !== undefined)
      await loadAllPrices(context, exchange, pool, spec.venue, list(values.prices), timeframe, since_ms);
    logger.info({ venue: spec.venue, account: values.account, streams }, 'connector running');
    await connector.run(abort.signal);
    return 0;
  } catch (error) {
    // ccxt errors can echo signed URLs: nothing leaves this command unredacted.
    if (error instanceof Error) error.message = redactSecrets(error.message);
    throw error;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    metrics_server?.close();
    await producer.disconnect();
    await pool.end();
  }
}

async function replayCommand(context: CommandContext, directory: string): Promise<number> {
  const { config } = context;
  const sessions = loadSessions(directory);
  const kafka = createKafka(config.kafka, createLogger(config.log_level, 'keel-connect'));
  const producer = producerOf(kafka);
  await prepareTopics(kafka.admin(), config.kafka);
  await producer.connect();
  try {
    const sink = new KafkaEventSink(producer, config.kafka.events_topic, config.kafka.dlq_topic);
    const summary: { recording: string; venue: string; account: string; streams: StreamReport[] }[] = [];
    for (const session of sessions) {
      const result = await replaySession(session, sink, {
        cursors: new MemoryCursorStore(),
        on_progress: (progress) => context.progress(describeProgress(progress)),
      });
      summary.push({
        recording: session.file,
        venue: session.venue,
        account: session.account,
        streams: result.reports,
      });
    }
    const total = (field: 'events_published' | 'dead_letters') =>
      summary.reduce((sum, item) => sum + item.streams.reduce((inner, report) => inner + report[field], 0), 0);
    context.stdout(
      `${JSON.stringify({ recordings: summary.length, events_published: total('events_published'), dead_letters: total('dead_letters'), sessions: summary }, null, 2)}\n`,
    );
    return 0;
  } finally {
    await producer.disconnect();
  }
}

async function prepareTopics(
  admin: ReturnType<ReturnType<typeof createKafka>['admin']>,
  settings: CommandContext['config']['kafka'],
): Promise<void> {
  await admin.connect();
  try {
    await ensureTopics(admin, [
      { topic: settings.events_topic, numPartitions: settings.events_partitions },
      { topic: settings.dlq_topic, numPartitions: 1 },
    ]);
  } finally {
    await admin.disconnect();
  }
}

async function loadAllPrices(
  context: CommandContext,
  exchange: ReturnType<typeof createExchange>,
  pool: ReturnType<typeof createPool>,
  venue: string,
  symbols: string[],
  timeframe: string,
  since_ms: number,
) {
  for (const symbol of symbols) {
    const stored = await loadPrices(
      exchange,
      pool,
      { venue, symbol, timeframe, since_ms, until_ms: Date.now() },
      (progress) =>
        context.progress(`keel connect: prices ${progress.symbol} up to ${progress.up_to}, ${progress.rows} stored`),
    );
    context.progress(`keel connect: prices ${symbol}: ${stored} new`);
  }
}

function describeProgress(progress: ConnectorProgress): string {
  const state = progress.caught_up ? 'caught up' : 'backfilling';
  return `keel connect: ${progress.venue}/${progress.account} ${progress.stream} ${progress.request}: ${state} to ${progress.position_time}, ${progress.events_published} events, ${progress.dead_letters} dead letters`;
}

function parseStreams(text: string | undefined, available: StreamName[]): StreamName[] {
  if (text === undefined) return available;
  const names = list(text);
  for (const name of names) {
    if (!(stream_names as readonly string[]).includes(name))
      throw usageError(`--streams: unknown stream '${name}' (one of ${stream_names.join(', ')})`, connect_usage);
  }
  return names as StreamName[];
}

function parseDate(text: string): number {
  const time_ms = Date.parse(utc_date_pattern.test(text) ? `${text}T00:00:00.000Z` : text);
  if (!Number.isFinite(time_ms) || time_ms <= 0)
    throw usageError(`--since: '${text}' is not a date (YYYY-MM-DD or ISO-8601)`, connect_usage);
  return time_ms;
}

function parseWalletAccounts(items: readonly string[]): Record<string, { venue: string; account: string }> {
  const mapping: Record<string, { venue: string; account: string }> = {};
  for (const item of items) {
    const match = /^([^=]+)=([^/]+)\/(.+)$/.exec(item);
    if (match === null)
      throw usageError(
        `--wallet-account: '${item}' is not WALLET=VENUE/ACCOUNT (e.g. fund=bybit/funding)`,
        connect_usage,
      );
    mapping[match[1]!.toLowerCase()] = { venue: match[2]!, account: match[3]! };
  }
  return mapping;
}

function list(text: string | undefined): string[] {
  return text === undefined
    ? []
    : text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
}

export type { Producer };
