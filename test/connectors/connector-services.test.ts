// The connectors against the real services: every recorded session replayed into a real Kafka
// topic (keyed by venue account, acknowledged before the cursor moves), cursors in a fresh
// PostgreSQL database, and the OHLCV price loader filling the audit price table.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import { KafkaEventSink, MemoryEventSink } from '../../connectors/event-sink.js';
import { loadSession, loadSessions, type ReplaySession } from '../../connectors/replay.js';
import { replayExchange, replaySession } from '../../connectors/replay-runner.js';
import { PostgresCursorStore } from '../../connectors/postgres-cursor-store.js';
import { loadPrices } from '../../connectors/price-loader.js';
import { producerOf } from '../../platform/kafka.js';
import { createTopics, readTopic, testKafka, uniqueTopics } from '../support/kafka-test-kit.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres-test-kit.js';
import { sessions_directory } from './replay-kit.js';

let database: TestDatabase;
let producer: Producer;
const kafka = testKafka();

beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
  producer = producerOf(kafka);
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await database?.drop();
});

describe('replaying every recording into Kafka, cursors in PostgreSQL', () => {
  it('publishes each event once, keyed by venue account; dead letters go to the DLQ; a second run publishes nothing', async () => {
    const topics = uniqueTopics('connectors');
    await createTopics(kafka, topics, 3);
    const sink = new KafkaEventSink(producer, topics.events_topic, topics.dlq_topic);
    const cursors = new PostgresCursorStore(database.pool);
    const expected = new MemoryEventSink();
    let published = 0;
    let dead_lettered = 0;
    for (const session of loadSessions(sessions_directory)) {
      const result = await replaySession(session, sink, { cursors });
      published += result.reports.reduce((total, report) => total + report.events_published, 0);
      dead_lettered += result.reports.reduce((total, report) => total + report.dead_letters, 0);
      await replaySession(loadSession(session.file), expected);
    }
    expect(published).toBe(expected.events.length);
    expect(dead_lettered).toBe(expected.dead_letters.length);

    const messages = await readTopic(kafka, topics.events_topic, published);
    expect(messages).toHaveLength(published);
    const received = messages.map(
      (message) => JSON.parse(message.value!) as { id: string; venue: string; account: string },
    );
    expect(new Set(received.map((event) => event.id)).size).toBe(published);
    expect(received.map((event) => event.id).sort()).toEqual(expected.events.map((event) => event.id).sort());
    for (const [index, event] of received.entries())
      expect(messages[index]!.key).toBe(`${event.venue}/${event.account}`);
    const letters = await readTopic(kafka, topics.dlq_topic, dead_lettered);
    expect(letters.map((letter) => JSON.parse(letter.value!).code)).toEqual(
      Array(dead_lettered).fill('KEEL_ERR_CONNECTOR_RECORD_MALFORMED'),
    );

    const rows = await database.pool.query<{ venue: string; account: string; stream: string }>(
      'select venue, account, stream from connector_cursors order by 1, 2, 3',
    );
    expect(rows.rows).toContainEqual({ venue: 'bybit', account: 'unified-main', stream: 'funding' });
    expect(rows.rows).toContainEqual({ venue: 'deribit', account: 'main', stream: 'transfers' });

    // Restarted from the stored cursors, the same recordings bring nothing new.
    const again = new MemoryEventSink();
    for (const session of loadSessions(sessions_directory)) await replaySession(session, again, { cursors });
    expect(again.events).toEqual([]);
  });
});

describe('OHLCV price loader', () => {
  it('stores each candle close as the price at the candle end, exactly, once', async () => {
    const session: ReplaySession = {
      ...loadSession(join(sessions_directory, 'binance-spot.session.json')),
      responses: [
        {
          method: 'GET',
          path: '/api/v3/klines',
          from: { file: '../ccxt/response/binance.json', method: 'fetchOHLCV', case: 0 },
          repeat: true,
          status: 200,
        },
      ],
    };
    const { exchange } = replayExchange(session);
    const request = {
      venue: 'binance',
      symbol: 'BTC/USDT',
      timeframe: '1h',
      since_ms: 1706630400000,
      until_ms: 1706637600000,
    };
    expect(await loadPrices(exchange, database.pool, request)).toBe(3);
    expect(await loadPrices(exchange, database.pool, request)).toBe(0);
    const rows = await database.pool.query<{
      asset: string;
      currency: string;
      price_time: Date;
      source: string;
      price: string;
    }>('select asset, currency, price_time, source, price::text from prices order by price_time');
    expect(rows.rows.map((row) => ({ ...row, price_time: row.price_time.toISOString() }))).toEqual([
      {
        asset: 'BTC',
        currency: 'USDT',
        price_time: '2024-01-30T17:00:00.000Z',
        source: 'binance:BTC/USDT:1h:close',
        price: '43488.71',
      },
      expect.objectContaining({ price_time: '2024-01-30T18:00:00.000Z' }),
      expect.objectContaining({ price_time: '2024-01-30T19:00:00.000Z' }),
    ]);
  });
});
