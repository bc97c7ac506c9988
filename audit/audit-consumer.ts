// The audit consumer: reads `keel.events` in its own consumer group, stores every valid event in
// PostgreSQL (each id once; a changed repeat is a conflict, appended to the audit log and never
// stored), commits the offsets, and seals whenever it has caught up with the log: lots and trade
// records are recomputed, changed records become new versions with an audit entry each, and are
// published on `keel.trade-records` for the strategy and risk engines.
//
// Sealing only when caught up keeps a bulk replay from writing intermediate versions, so a replay
// from offset 0 into an empty store gives the same records and the same chain head. A seal
// recomputes from every stored event, so under a trickle of events (caught up after every batch)
// seals are spaced by at least `seal_interval_ms`; a seal put off is run by a timer, and only if
// the consumer is still caught up then (otherwise the batch that catches up seals). Batches that
// store nothing new (re-deliveries, republished duplicates) do not call for a seal at all.
import type { Admin, Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { AssetRegistry } from '../ledger/asset-registry.js';
import { ensureTopics, messages_per_send, producerOf, sendMessages } from '../platform/kafka.js';
import type { Logger } from '../platform/logger.js';
import type { Pool } from '../platform/postgres.js';
import type { AuditHead } from './audit-log.js';
import { seal, type SealResult } from './audit-seal.js';
import type { ChangedRecord } from './audit-store.js';
import type { AuditMetrics } from './audit-metrics.js';
import { storeBatch } from './store-step.js';
import type { LotSettings } from './lots/lot-settings.js';

export type AuditConsumerOptions = {
  events_topic: string;
  trade_records_topic: string;
  group_id: string;
  session_timeout_ms?: number;
  lot_settings?: Partial<LotSettings>;
  metrics?: AuditMetrics;
  /** Least time between the starts of two seals; 0 seals after every batch that catches up. */
  seal_interval_ms?: number;
  /** The most stored events a seal takes on (default: what the heap limit holds). */
  seal_events_max?: number;
  on_sealed?: (result: SealResult) => void;
};

const seal_retry_ms_min = 500;
const seal_retry_ms_max = 30_000;

export class AuditConsumer {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private running = false;
  private seal_retry: NodeJS.Timeout | undefined;
  private seal_retry_ms = seal_retry_ms_min;
  private seal_deferred: NodeJS.Timeout | undefined;
  private last_seal_started_ms = Number.NEGATIVE_INFINITY;
  /** Stored events no seal has covered yet. True at start: the last process may have stored events and stopped before sealing them. */
  private unsealed_events = true;
  last_head: AuditHead | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly pool: Pool,
    private readonly registry: AssetRegistry,
    private readonly logger: Logger,
    private readonly options: AuditConsumerOptions,
  ) {
    this.consumer = kafka.consumer({ groupId: options.group_id, sessionTimeout: options.session_timeout_ms ?? 30_000 });
    this.producer = producerOf(kafka);
    this.admin = kafka.admin();
  }

  async start(): Promise<void> {
    await this.admin.connect();
    await ensureTopics(this.admin, [{ topic: this.options.trade_records_topic, numPartitions: 3 }]);
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.events_topic, fromBeginning: true });
    this.running = true;
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.handleBatch(payload) });
    this.logger.info({ topic: this.options.events_topic, group: this.options.group_id }, 'audit consumer consuming');
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.seal_retry);
    clearTimeout(this.seal_deferred);
    await this.consumer.disconnect();
    await this.producer.disconnect();
    await this.admin.disconnect();
  }

  private async handleBatch({ batch, resolveOffset }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0) return;
    const inputs = batch.messages.map((message) => ({ value: message.value, source: { topic: batch.topic, partition: batch.partition, offset: message.offset } }));
    const client = await this.pool.connect();
    try {
      const stored = await storeBatch(client, inputs);
      this.options.metrics?.events_stored.inc(stored.stored);
      if (stored.stored > 0) this.unsealed_events = true;
      this.options.metrics?.events_duplicate.inc(stored.duplicates);
      this.options.metrics?.conflicts.inc(stored.conflicts.length);
      if (stored.conflicts.length > 0) {
        this.logger.warn({ conflicts: stored.conflicts.length }, 'events repeated with different content: quarantined, not stored');
      }
    } finally {
      client.release();
    }
    const last_offset = batch.messages[batch.messages.length - 1]!.offset;
    resolveOffset(last_offset);
    await this.consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last_offset) + 1n).toString() }]);
    this.options.metrics?.consumer_lag.set({ partition: String(batch.partition) }, Number(batch.offsetLag()));
    if (this.unsealed_events && batch.offsetLag() === '0' && (await this.caughtUp())) await this.sealWhenDue();
  }

  /** Seals now, or defers to when `seal_interval_ms` has passed since the last seal started. */
  private async sealWhenDue(): Promise<void> {
    const wait_ms = this.last_seal_started_ms + (this.options.seal_interval_ms ?? 0) - Date.now();
    if (wait_ms <= 0) return this.sealNow();
    if (this.seal_deferred !== undefined) return;
    this.seal_deferred = setTimeout(() => void this.runDeferredSeal(), wait_ms);
  }

  private async runDeferredSeal(): Promise<void> {
    this.seal_deferred = undefined;
    try {
      if (this.running && this.unsealed_events && (await this.caughtUp())) await this.sealNow();
    } catch (error) {
      // The next batch that catches up seals instead.
      this.logger.warn({ error: (error as Error).message }, 'deferred audit seal skipped: could not read the group offsets');
    }
  }

  /** Every partition of the event topic committed up to its end. */
  private async caughtUp(): Promise<boolean> {
    const ends = await this.admin.fetchTopicOffsets(this.options.events_topic);
    const [committed] = await this.admin.fetchOffsets({ groupId: this.options.group_id, topics: [this.options.events_topic] });
    const committed_by_partition = new Map((committed?.partitions ?? []).map((partition) => [partition.partition, BigInt(partition.offset)]));
    return ends.every((end) => BigInt(end.high) === 0n || (committed_by_partition.get(end.partition) ?? -1n) >= BigInt(end.high));
  }

  /**
   * A failed seal is retried with back-off on a timer, not by failing the batch: the events are
   * already stored and committed, so re-reading them would not bring the seal back.
   */
  private async sealNow(): Promise<void> {
    clearTimeout(this.seal_retry);
    this.seal_retry = undefined;
    this.last_seal_started_ms = Date.now();
    // Cleared before the seal reads: events stored while it runs set it again and get a seal of their own.
    this.unsealed_events = false;
    const stop_timer = this.options.metrics?.seal_duration.startTimer();
    try {
      const client = await this.pool.connect();
      try {
        const result = await seal(client, this.registry, this.options.lot_settings ?? {}, (changed) => this.publish(changed), { events_max: this.options.seal_events_max });
        this.last_head = result.head;
        this.seal_retry_ms = seal_retry_ms_min;
        stop_timer?.();
        this.options.metrics?.seals.inc();
        this.options.metrics?.records_changed.inc(result.changed.length);
        this.logger.info({ events: result.events, changed: result.changed.length, lot_rows: result.lot_rows, head: result.head }, 'audit sealed');
        this.options.on_sealed?.(result);
      } finally {
        client.release();
      }
    } catch (error) {
      this.unsealed_events = true;
      this.options.metrics?.seal_failures.inc();
      this.logger.error({ error: (error as Error).message, retry_in_ms: this.seal_retry_ms }, 'audit seal failed: nothing of it was kept; retrying');
      if (this.running) this.seal_retry = setTimeout(() => void this.sealNow(), this.seal_retry_ms);
      this.seal_retry_ms = Math.min(this.seal_retry_ms * 2, seal_retry_ms_max);
    }
  }

  /** At least once: published inside the seal's transaction, keyed by trade id, versioned. */
  private async publish(changed: readonly ChangedRecord[]): Promise<void> {
    // Serialised one send at a time, so a seal that changed many records never holds them all as JSON.
    for (let start = 0; start < changed.length; start += messages_per_send) {
      const messages = changed.slice(start, start + messages_per_send).map((entry) => ({
        key: entry.trade_id,
        value: JSON.stringify({ trade_id: entry.trade_id, version: entry.version, record_hash: entry.record_hash, record: entry.record }),
      }));
      await sendMessages(this.producer, this.options.trade_records_topic, messages);
    }
  }
}
