// The posting engine against the real Kafka broker started by the project's scripts.
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngineMetrics } from '../../engine/engine-metrics.js';
import type { DeadLetter } from '../../engine/dead-letter.js';
import { PostingEngine } from '../../engine/posting-engine.js';
import { AssetRegistry } from '../../ledger/asset-registry.js';
import { EmbeddedLedger } from '../../ledger/embedded-ledger.js';
import type { Ledger } from '../../ledger/ledger-port.js';
import { createKafka } from '../../platform/kafka.js';
import { createLogger } from '../../platform/logger.js';
import { generateEvents, seededRandom } from '../support/event-generator.js';
import { validEvent } from '../support/event-builders.js';
import { example_events } from '../support/example-events.js';
import {
  createTopics,
  kafkaBrokers,
  publish,
  readTopic,
  testKafka,
  uniqueTopics,
  waitForGroupCaughtUp,
  withAdmin,
  type TestTopics,
} from '../support/kafka-test-kit.js';
import { checkLedgerInvariants } from '../support/ledger-invariants.js';

const registry = new AssetRegistry();
const venue_accounts = [
  ['binance', 'spot-main'],
  ['binance', 'futures'],
  ['bybit', 'unified'],
  ['okx', 'trading'],
] as const;
const running: PostingEngine[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((engine) => engine.stop()));
});

function startEngine(ledger: Ledger, topics: TestTopics, metrics_registry = new Registry()) {
  const metrics = createEngineMetrics(metrics_registry);
  const engine = new PostingEngine(
    createKafka(
      { brokers: kafkaBrokers(), client_id: 'keel-engine-test' },
      createLogger(process.env.KEEL_TEST_LOG_LEVEL ?? 'silent'),
    ),
    ledger,
    registry,
    metrics,
    createLogger(process.env.KEEL_TEST_LOG_LEVEL ?? 'silent'),
    { ...topics, events_partitions: 4, session_timeout_ms: 6_000 },
  );
  running.push(engine);
  return { engine, metrics, started: engine.start() };
}

async function counter(metrics_registry: Registry, name: string): Promise<number> {
  const metric = await metrics_registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).reduce((sum, value) => sum + value.value, 0);
}

describe('posting engine on a real Kafka broker', () => {
  it('posts a mixed stream for several venue accounts: I1, I2 and I3 hold', async () => {
    const kafka = testKafka();
    const topics = uniqueTopics('e2e');
    await createTopics(kafka, topics, 4);
    const events = [...generateEvents(4000, { seed: 101, venue_accounts, include_non_money: true })];
    await publish(kafka, topics.events_topic, events);

    const ledger = new EmbeddedLedger();
    const metrics_registry = new Registry();
    const { started } = startEngine(ledger, topics, metrics_registry);
    await started;
    await waitForGroupCaughtUp(kafka, topics.events_topic, topics.group_id);

    const report = await checkLedgerInvariants(ledger, events, registry);
    expect(report.problems).toEqual([]);
    expect(report.transfers).toBe(report.expected_transfers);
    expect(await counter(metrics_registry, 'keel_engine_events_consumed_total')).toBe(events.length);
    expect(await counter(metrics_registry, 'keel_engine_events_dead_lettered_total')).toBe(0);
  });

  it('makes republished events (10%, new offsets) and a rewound group a no-op: transfers per unique event stay exact', async () => {
    const kafka = testKafka();
    const topics = uniqueTopics('duplicates');
    await createTopics(kafka, topics, 4);
    const events = [...generateEvents(3000, { seed: 202, venue_accounts })];
    await publish(kafka, topics.events_topic, events);
    const ledger = new EmbeddedLedger();
    const first = startEngine(ledger, topics);
    await first.started;
    await waitForGroupCaughtUp(kafka, topics.events_topic, topics.group_id);
    await first.engine.stop();

    const random = seededRandom(202);
    const republished = events.filter(() => random() < 0.1);
    await publish(kafka, topics.events_topic, republished);
    await withAdmin(kafka, (admin) =>
      admin.resetOffsets({ groupId: topics.group_id, topic: topics.events_topic, earliest: true }),
    );
    const metrics_registry = new Registry();
    const second = startEngine(ledger, topics, metrics_registry);
    await second.started;
    await waitForGroupCaughtUp(kafka, topics.events_topic, topics.group_id);

    const report = await checkLedgerInvariants(ledger, events, registry);
    expect(report.problems).toEqual([]);
    expect(report.transfers / report.expected_transfers).toBe(1);
    expect(await counter(metrics_registry, 'keel_engine_events_posted_total')).toBe(0);
    expect(await counter(metrics_registry, 'keel_engine_events_duplicate_total')).toBe(
      events.length + republished.length,
    );
  });

  it('dead-letters poison messages with their reason and source offset, and keeps posting the good events after them', async () => {
    const kafka = testKafka();
    const topics = uniqueTopics('poison');
    await createTopics(kafka, topics, 1);
    const deposit = validEvent(example_events.deposit);
    const good_before = [deposit, ...generateEvents(19, { seed: 303 })];
    const good_after = [...generateEvents(20, { seed: 304 })];
    const poison = [
      { key: 'binance/spot-main', value: '{"id": "broken", "type": ' },
      {
        key: 'binance/spot-main',
        value: JSON.stringify({ ...example_events.deposit, id: 'unknown-type', type: 'swap' }),
      },
      {
        key: 'binance/spot-main',
        value: JSON.stringify({ ...example_events.trade, id: 'fee-without-amount', fees: [{ asset: 'BNB' }] }),
      },
      {
        key: 'binance/spot-main',
        value: JSON.stringify({ ...example_events.withdrawal, id: 'too-precise', amount: '1.0000000000001' }),
      },
      { key: 'binance/spot-main', value: Buffer.from([0xff, 0xfe, 0x00, 0x01]) },
      { key: 'binance/spot-main', value: null },
    ];
    // The same event id again with another amount: a conflict, never applied.
    const changed = { key: 'binance/spot-main', value: JSON.stringify({ ...example_events.deposit, amount: '2' }) };
    await publish(kafka, topics.events_topic, [...good_before, ...poison, changed, ...good_after]);

    const ledger = new EmbeddedLedger();
    const metrics_registry = new Registry();
    await startEngine(ledger, topics, metrics_registry).started;
    await waitForGroupCaughtUp(kafka, topics.events_topic, topics.group_id);

    const letters = (await readTopic(kafka, topics.dlq_topic, poison.length + 1)).map(
      (message) => JSON.parse(message.value!) as DeadLetter,
    );
    expect(letters.map((letter) => [letter.source.offset, letter.kind])).toEqual([
      ['20', 'invalid'],
      ['21', 'invalid'],
      ['22', 'invalid'],
      ['23', 'invalid'],
      ['24', 'invalid'],
      ['25', 'invalid'],
      ['26', 'conflict'],
    ]);
    expect(letters[0]).toMatchObject({
      code: 'KEEL_ERR_ENGINE_EVENT_MALFORMED',
      reason: expect.stringContaining('malformed JSON'),
      payload: poison[0]!.value,
    });
    expect(letters[1]).toMatchObject({
      code: 'KEEL_ERR_ENGINE_EVENT_INVALID',
      reason: expect.stringContaining('type'),
      event_id: 'unknown-type',
    });
    expect(letters[2]).toMatchObject({
      reason: expect.stringContaining('fees.0.amount'),
      event_id: 'fee-without-amount',
    });
    expect(letters[3]).toMatchObject({
      code: 'KEEL_ERR_LEDGER_AMOUNT_TOO_PRECISE',
      reason: expect.stringContaining('amount'),
    });
    expect(letters[4]).toMatchObject({
      reason: expect.stringContaining('UTF-8'),
      payload: null,
      payload_base64: Buffer.from([0xff, 0xfe, 0x00, 0x01]).toString('base64'),
    });
    expect(letters[5]).toMatchObject({ reason: expect.stringContaining('empty message') });
    expect(letters[6]).toMatchObject({
      event_id: deposit.id,
      code: 'KEEL_ERR_ENGINE_EVENT_CONFLICT',
      reason: expect.stringContaining('exists with different'),
    });
    expect(
      letters.every((letter) => letter.source.topic === topics.events_topic && letter.source.partition === 0),
    ).toBe(true);

    const report = await checkLedgerInvariants(ledger, [...good_before, ...good_after], registry);
    expect(report.problems).toEqual([]);
    expect(await counter(metrics_registry, 'keel_engine_events_dead_lettered_total')).toBe(7);
    expect(await counter(metrics_registry, 'keel_engine_conflicts_total')).toBe(1);
  });
});
