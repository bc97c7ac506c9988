// The audit consumer against the real Kafka broker and the real PostgreSQL server.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditConsumer } from '../../audit/audit-consumer.js';
import { verifyAuditChain } from '../../audit/audit-log.js';
import type { SealResult } from '../../audit/audit-seal.js';
import { currentTradeRecords } from '../../audit/audit-store.js';
import type { KeelEvent } from '../../engine/event-schema.js';
import { AssetRegistry } from '../../ledger/asset-registry.js';
import { canonicalJson } from '../../platform/canonical-json.js';
import { createKafka } from '../../platform/kafka.js';
import { createLogger } from '../../platform/logger.js';
import { generateEvents } from '../support/event-generator.js';
import {
  createTopics,
  kafkaBrokers,
  publish,
  readTopic,
  testKafka,
  uniqueTopics,
  waitForGroupCaughtUp,
} from '../support/kafka-test-kit.js';
import type { PoolClient } from '../../platform/postgres.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres-test-kit.js';
import { readValidEventFile } from '../../engine/event-file.js';

const examples: KeelEvent[] = await readValidEventFile(
  join(import.meta.dirname, '..', '..', 'examples', 'events.jsonl'),
);
const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** Runs `work` on one connection of the database's pool. */
async function onClient<T>(db: TestDatabase, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await db.pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

async function database(): Promise<TestDatabase> {
  const created = await createTestDatabase({ migrated: true });
  cleanup.push(() => created.drop());
  return created;
}

/** Runs an audit consumer on `events_topic` until its next seal with at least `events` stored events. */
async function auditUntilSealed(
  db: TestDatabase,
  events_topic: string,
  group_id: string,
  trade_records_topic: string,
  events: number,
  seal_interval_ms = 0,
): Promise<{ consumer: AuditConsumer; sealed: SealResult }> {
  let resolve_sealed: (result: SealResult) => void = () => undefined;
  const sealed = new Promise<SealResult>((resolve) => (resolve_sealed = resolve));
  const logger = createLogger(process.env.KEEL_TEST_LOG_LEVEL ?? 'silent');
  const consumer = new AuditConsumer(
    createKafka({ brokers: kafkaBrokers(), client_id: 'keel-audit-test' }, logger),
    db.pool,
    new AssetRegistry(),
    logger,
    {
      events_topic,
      trade_records_topic,
      group_id,
      session_timeout_ms: 6_000,
      seal_interval_ms,
      on_sealed: (result) => {
        if (result.events >= events && result.records_built) resolve_sealed(result);
      },
    },
  );
  cleanup.push(() => consumer.stop());
  await consumer.start();
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no seal within 60 s')), 60_000));
  return { consumer, sealed: await Promise.race([sealed, timeout]) };
}

describe('audit consumer on real Kafka and PostgreSQL', () => {
  it(
    'stores events, builds and publishes trade records, and a replay from offset 0 gives identical records and chain head',
    { timeout: 180_000 },
    async () => {
      const kafka = testKafka();
      const topics = uniqueTopics('audit');
      const trade_records_topic = `${topics.events_topic}.trade-records`;
      await createTopics(kafka, topics, 3);
      const events = [...examples, ...generateEvents(1500, { seed: 606, include_non_money: true })];
      await publish(kafka, topics.events_topic, events);

      const first_db = await database();
      const first = await auditUntilSealed(
        first_db,
        topics.events_topic,
        `${topics.group_id}-first`,
        trade_records_topic,
        events.length,
      );
      const first_records = await onClient(first_db, currentTradeRecords);
      const orders = new Set(
        events
          .filter((event) => event.type === 'trade')
          .map((event) => `${event.venue}:${event.account}:order:${(event as { order_id: string }).order_id}`),
      );
      expect(first_records).toHaveLength(orders.size);
      const explained = first_records.find((row) => row.trade_id === 'binance:spot-main:order:8812001')!.record;
      expect(explained.decision?.strategy).toBe('momentum');
      expect(explained.fills).toHaveLength(2);
      expect(explained.lots.opened.map((lot) => lot.asset)).toContain('BTC');
      expect(await onClient(first_db, (client) => verifyAuditChain(client))).toMatchObject({
        ok: true,
        entries: orders.size,
      });
      const published = await readTopic(kafka, trade_records_topic, orders.size);
      expect(new Set(published.map((message) => message.key))).toEqual(orders);

      await first.consumer.stop();
      const replay_db = await database();
      const replay = await auditUntilSealed(
        replay_db,
        topics.events_topic,
        `${topics.group_id}-replay`,
        trade_records_topic,
        events.length,
      );
      const replay_records = await onClient(replay_db, currentTradeRecords);
      expect(canonicalJson(replay_records)).toBe(canonicalJson(first_records));
      expect(replay.sealed.head).toEqual(first.sealed.head);
    },
  );

  it(
    're-matches lots when a late acquisition arrives, superseding changed records with new audit entries',
    { timeout: 120_000 },
    async () => {
      const kafka = testKafka();
      const topics = uniqueTopics('audit-late');
      const trade_records_topic = `${topics.events_topic}.trade-records`;
      await createTopics(kafka, topics, 1);
      await publish(kafka, topics.events_topic, examples);
      const db = await database();
      const { consumer, sealed } = await auditUntilSealed(
        db,
        topics.events_topic,
        topics.group_id,
        trade_records_topic,
        examples.length,
      );
      const sell_before = (await onClient(db, currentTradeRecords)).find(
        (row) => row.trade_id === 'binance:spot-main:order:8815000',
      )!;
      expect(sell_before.version).toBe(1);

      // BTC deposited with a cost basis a month before the buys: FIFO now sells from this lot first.
      const late: KeelEvent = {
        id: 'binance:spot-main:deposit:late-btc',
        type: 'deposit',
        time: '2024-02-01T00:00:00.000Z',
        venue: 'binance',
        account: 'spot-main',
        asset: 'BTC',
        amount: '1',
        cost_basis: { amount: '40000', currency: 'USD', acquired_at: '2024-02-01T00:00:00.000Z' },
      };
      let resolve_second: (result: SealResult) => void = () => undefined;
      const second = new Promise<SealResult>((resolve) => (resolve_second = resolve));
      (consumer as unknown as { options: { on_sealed: (result: SealResult) => void } }).options.on_sealed = (
        result,
      ) => {
        if (result.records_built && result.changed.length > 0) resolve_second(result);
      };
      await publish(kafka, topics.events_topic, [late]);
      const resealed = await second;

      const sell_after = (await onClient(db, currentTradeRecords)).find(
        (row) => row.trade_id === 'binance:spot-main:order:8815000',
      )!;
      expect(sell_after.version).toBe(2);
      expect(sell_after.record.lots.closed.map((lot) => lot.lot_id)).not.toEqual(
        sell_before.record.lots.closed.map((lot) => lot.lot_id),
      );
      expect(sell_after.record.lots.closed[0]!.cost_basis).toBe('4000');
      expect(resealed.changed.map((entry) => entry.trade_id)).toContain('binance:spot-main:order:8815000');
      expect(resealed.head.sequence).toBeGreaterThan(sealed.head.sequence);
      const old_version = await db.pool.query(
        'select is_current, superseded_by from trade_records where trade_id = $1 and version = 1',
        ['binance:spot-main:order:8815000'],
      );
      expect(old_version.rows).toEqual([{ is_current: false, superseded_by: 2 }]);
      const entry = await db.pool.query(
        "select entry from audit_log where kind = 'trade_record' and entry->>'trade_id' = $1 order by sequence desc limit 1",
        ['binance:spot-main:order:8815000'],
      );
      expect(entry.rows[0].entry).toMatchObject({ version: 2, supersedes: 1 });
      expect(await onClient(db, (client) => verifyAuditChain(client))).toMatchObject({ ok: true });
    },
  );

  it(
    'folds every batch of a trickle, spaces record builds by the interval, and a build put off still runs once the trickle stops',
    { timeout: 120_000 },
    async () => {
      const kafka = testKafka();
      const topics = uniqueTopics('audit-trickle');
      await createTopics(kafka, topics, 1);
      await publish(kafka, topics.events_topic, examples);
      const db = await database();
      const seal_interval_ms = 2_000;
      const { consumer } = await auditUntilSealed(
        db,
        topics.events_topic,
        topics.group_id,
        `${topics.events_topic}.trade-records`,
        examples.length,
        seal_interval_ms,
      );
      const seals: SealResult[] = [];
      let resolve_all: (result: SealResult) => void = () => undefined;
      const all_sealed = new Promise<SealResult>((resolve) => (resolve_all = resolve));
      const trickle = [...generateEvents(6, { seed: 4242 })];
      (consumer as unknown as { options: { on_sealed: (result: SealResult) => void } }).options.on_sealed = (
        result,
      ) => {
        if (result.records_built) seals.push(result);
        if (result.records_built && result.events === examples.length + trickle.length) resolve_all(result);
      };
      const trickle_started_ms = Date.now();
      for (const event of trickle) {
        await publish(kafka, topics.events_topic, [event]);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const last = await Promise.race([
        all_sealed,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('no seal of the whole trickle within 30 s')), 30_000),
        ),
      ]);
      // Caught up after each of the 6 events, yet at most one record build per interval (plus the one at its end).
      const trickle_ms = Date.now() - trickle_started_ms;
      expect(seals.length).toBeLessThanOrEqual(Math.ceil(trickle_ms / seal_interval_ms) + 1);
      expect(last.events).toBe(examples.length + trickle.length);
      expect(await onClient(db, (client) => verifyAuditChain(client))).toMatchObject({ ok: true });
    },
  );

  it(
    'applies nothing and changes no record for batches that store nothing new, and folds a new event alone',
    { timeout: 120_000 },
    async () => {
      const kafka = testKafka();
      const topics = uniqueTopics('audit-repeats');
      await createTopics(kafka, topics, 1);
      await publish(kafka, topics.events_topic, examples);
      const db = await database();
      const { consumer, sealed } = await auditUntilSealed(
        db,
        topics.events_topic,
        topics.group_id,
        `${topics.events_topic}.trade-records`,
        examples.length,
      );
      const seals: SealResult[] = [];
      (consumer as unknown as { options: { on_sealed: (result: SealResult) => void } }).options.on_sealed = (result) =>
        seals.push(result);

      // Every example again: consumed, committed, stored as duplicates; nothing to fold.
      await publish(kafka, topics.events_topic, examples);
      await waitForGroupCaughtUp(kafka, topics.events_topic, topics.group_id, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(seals.every((result) => result.fold.events_applied === 0 && result.changed.length === 0)).toBe(true);
      seals.splice(0);

      // Later than every stored event: folded where the fold stands, alone.
      const latest_ms = Math.max(...examples.map((event) => Date.parse(event.time)));
      const [fresh] = [...generateEvents(1, { seed: 31337, start_time_ms: latest_ms + 86_400_000 })];
      await publish(kafka, topics.events_topic, [fresh!]);
      const deadline_ms = Date.now() + 30_000;
      while (!seals.some((result) => result.fold.events_applied > 0) && Date.now() < deadline_ms)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(
        seals
          .filter((result) => result.fold.events_applied > 0)
          .map((result) => [result.events, result.fold.events_applied, result.fold.resumed_from]),
      ).toEqual([[sealed.events + 1, 1, 'memory']]);
    },
  );
});
