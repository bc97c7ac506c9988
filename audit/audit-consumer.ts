// The audit consumer: reads `keel.events` in its own consumer group, stores every valid event in
// PostgreSQL (each id once; a changed repeat is a conflict, appended to the audit log and never
// stored), commits the offsets, and seals after every batch (`audit-seal.ts`): the new events are
// folded into the persisted lot state, incrementally. Trade records are built when the consumer
// has caught up with the log: changed records become new versions with an audit entry each, and
// are published on `keel.trade-records` for the strategy and risk engines.
//
// Building records only when caught up keeps a bulk replay from writing intermediate versions, so
// a replay from offset 0 into an empty store gives the same records and the same chain head. At
// start the consumer seals at once: a process killed after storing events and before sealing them
// leaves them for the next one. Seals of one process run one at a time.
import type { Admin, Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AssetRegistry } from '../ledger/asset-registry.js';
import { describeError, isInvariantBroken } from '../platform/errors.js';
import { ensureTopics, producerOf, send_bytes_max, sendMessages } from '../platform/kafka.js';
import type { Logger } from '../platform/logger.js';
import { isPostgresUnavailable, withSession, type Pool, type PoolClient } from '../platform/postgres.js';
import { audit_error_codes } from './audit-errors.js';
import type { AuditHead } from './audit-log.js';
import { FoldCache, seal, type SealResult } from './audit-seal.js';
import type { ChangedRecord } from './audit-store.js';
import type { AuditMetrics } from './audit-metrics.js';
import { storeBatch, type StoreInput, type StoredBatch } from './store-step.js';
import type { LotSettings } from './lots/lot-settings.js';

export type AuditConsumerOptions = {
  events_topic: string;
  trade_records_topic: string;
  group_id: string;
  session_timeout_ms?: number;
  lot_settings?: Partial<LotSettings>;
  metrics?: AuditMetrics;
  /** Least time between two record builds; 0 builds after every batch that catches up. */
  seal_interval_ms?: number;
  /**
   * While catching up, how far behind the slowest partition the fold stays (event time): an event
   * that much later than others of its partition still needs no re-fold.
   */
  catch_up_lateness_ms?: number;
  on_sealed?: (result: SealResult) => void;
  /** Called once when a broken invariant (a bug) stops the consumer. */
  on_failure?: (error: Error) => void;
};

/** The session-level advisory lock held by the one `keel audit` that writes the audit store. */
const audit_writer_lock_key = 7_241_900_003;
/** How often a standing-by process asks for the lock (a killed writer's lock is freed as soon as PostgreSQL sees its connection close). */
const standby_poll_ms = 1_000;

/** While catching up, the fold stays this far (event time) behind the slowest partition. */
const catch_up_lateness_ms_default = 10 * 60_000;

const seal_retry_ms_min = 500;
const seal_retry_ms_max = 30_000;
/** Waiting for PostgreSQL to store a batch: well under the session timeout, as the consumer heartbeats between tries. */
const store_retry_ms_min = 250;
const store_retry_ms_max = 15_000;
/** kafkajs sends a heartbeat at most every 3 s when asked; asked every second, the session (≥ 6 s) holds. */
const heartbeat_slice_ms = 1_000;

export class AuditConsumer {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private running = false;
  private stopping = false;
  private connected = false;
  private starting: Promise<void> | undefined;
  /** The connection holding the writer lock, for as long as this process consumes. */
  private lock_client: PoolClient | undefined;
  private seal_retry: NodeJS.Timeout | undefined;
  private seal_retry_ms = seal_retry_ms_min;
  private seal_deferred: NodeJS.Timeout | undefined;
  private last_build_started_ms = Number.NEGATIVE_INFINITY;
  /** The fold this process carries from one seal to the next. */
  private readonly fold_cache = new FoldCache();
  /** The latest event time read from each partition: while catching up, the fold stays behind the slowest. */
  private readonly partition_times_ms = new Map<number, number>();
  /** Each partition's lag when its last batch was fetched: 0 means it had read all there was then. */
  private readonly partition_lags = new Map<number, bigint>();
  /** A seal queued and not started yet: later requests join it instead of queuing another. */
  private seal_queued: Promise<void> | undefined;
  /** Seals of this process, one after the other (they share the fold). */
  private sealing: Promise<void> = Promise.resolve();
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

  /**
   * One process writes the audit store at a time: the first to take the writer lock consumes; a
   * second one stands by, asking again every second, and takes over when the first stops or dies
   * (its partitions come back to the group within the Kafka session timeout). Resolves once this
   * process consumes, or when it is stopped while standing by.
   */
  async start(): Promise<void> {
    this.starting = this.connectAndConsume();
    return this.starting;
  }

  private async connectAndConsume(): Promise<void> {
    await this.takeWriterLock();
    if (this.stopping) return;
    // Connected before anything can fail half-way, so that `stop` always has all three to close.
    this.connected = true;
    await this.admin.connect();
    await ensureTopics(this.admin, [{ topic: this.options.trade_records_topic, numPartitions: 3 }]);
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.events_topic, fromBeginning: true });
    if (this.stopping) return;
    this.running = true;
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    this.logger.info({ topic: this.options.events_topic, group: this.options.group_id }, 'audit consumer consuming');
    // What an earlier process stored and did not seal is sealed now, not when the next event comes.
    void this.sealSoon();
  }

  /** Stops whatever stage it is in: standing by, connecting (waits for it to finish), or consuming. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.starting?.catch(() => undefined);
    this.running = false;
    clearTimeout(this.seal_retry);
    clearTimeout(this.seal_deferred);
    if (this.connected) {
      await this.consumer.disconnect();
      await this.producer.disconnect();
      await this.admin.disconnect();
    }
    await this.sealing;
    this.releaseWriterLock();
    this.logger.info({ group: this.options.group_id }, 'audit consumer stopped');
  }

  private async takeWriterLock(): Promise<void> {
    let standing_by = false;
    let waiting_for_postgres = false;
    while (!this.stopping) {
      try {
        if (await this.tryWriterLock()) {
          if (standing_by) this.logger.info('audit writer lock taken: this process now consumes');
          return;
        }
        if (!standing_by) this.logger.info('another keel audit writes the audit store: standing by until it stops');
        standing_by = true;
      } catch (error) {
        if (!isPostgresUnavailable(error)) throw error;
        if (!waiting_for_postgres) {
          const reason = `${audit_error_codes.store_unavailable}: PostgreSQL does not answer; waiting for it to take the writer lock`;
          this.logger.warn(
            { code: audit_error_codes.store_unavailable, error: describeError(error), retry_in_ms: standby_poll_ms },
            reason,
          );
        }
        waiting_for_postgres = true;
      }
      await sleep(standby_poll_ms);
    }
  }

  private async tryWriterLock(): Promise<boolean> {
    const client = await this.pool.connect();
    // An error on this connection (PostgreSQL restarted) must not crash the process; sealing stays
    // safe without the lock (each seal takes its own), only not exclusive.
    client.on('error', (error) =>
      this.logger.warn({ error: error.message }, 'the connection holding the audit writer lock failed'),
    );
    try {
      const { rows } = await client.query<{ held: boolean }>('select pg_try_advisory_lock($1) as held', [
        audit_writer_lock_key,
      ]);
      if (rows[0]?.held !== true) {
        client.release(true);
        return false;
      }
    } catch (error) {
      client.release(true);
      throw error;
    }
    this.lock_client = client;
    return true;
  }

  private releaseWriterLock(): void {
    // Destroyed, not returned to the pool: closing the session frees the lock.
    this.lock_client?.release(true);
    this.lock_client = undefined;
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset } = payload;
    if (batch.messages.length === 0) return;
    const inputs = batch.messages.map((message) => ({
      value: message.value,
      source: { topic: batch.topic, partition: batch.partition, offset: message.offset },
    }));
    const stored = await this.storeUntilAnswered(inputs, payload);
    if (stored === undefined) return; // stopping, or the partition moved: the next owner reads it again.
    const latest_event_time_ms = stored.latest_event_time_ms;
    this.options.metrics?.events_stored.inc(stored.stored);
    this.options.metrics?.events_duplicate.inc(stored.duplicates);
    this.options.metrics?.conflicts.inc(stored.conflicts.length);
    if (stored.conflicts.length > 0) {
      this.logger.warn(
        { conflicts: stored.conflicts.length },
        'events repeated with different content: quarantined, not stored',
      );
    }
    if (stored.quarantined > 0) {
      const reason = `${audit_error_codes.event_unstorable}: PostgreSQL refused ${stored.quarantined} event(s): quarantined (keel quarantine list)`;
      this.logger.warn(
        { code: audit_error_codes.event_unstorable, partition: batch.partition, quarantined: stored.quarantined },
        reason,
      );
    }
    const last_offset = batch.messages[batch.messages.length - 1]!.offset;
    resolveOffset(last_offset);
    await this.consumer.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: (BigInt(last_offset) + 1n).toString() },
    ]);
    this.options.metrics?.consumer_lag.set({ partition: String(batch.partition) }, Number(batch.offsetLag()));
    this.partition_times_ms.set(
      batch.partition,
      Math.max(this.partition_times_ms.get(batch.partition) ?? Number.NEGATIVE_INFINITY, latest_event_time_ms),
    );
    this.partition_lags.set(batch.partition, BigInt(batch.offsetLag()));
    await this.sealSoon();
  }

  /**
   * Stores the batch, waiting out a PostgreSQL that does not answer: the partition is paused (no
   * more fetching), heartbeats keep the membership, and the same batch is tried again with jittered
   * back-off. One coded line says what it waits for; one more says when it goes on.
   */
  private async storeUntilAnswered(
    inputs: readonly StoreInput[],
    payload: EachBatchPayload,
  ): Promise<StoredBatch | undefined> {
    const partition = payload.batch.partition;
    let backoff_ms = store_retry_ms_min;
    let resume: (() => void) | undefined;
    try {
      for (;;) {
        try {
          const stored = await withSession(this.pool, (session) => storeBatch(session, inputs));
          if (resume !== undefined)
            this.logger.info({ partition }, 'PostgreSQL answers again: the batch is stored, partition resumed');
          return stored;
        } catch (error) {
          if (!isPostgresUnavailable(error)) throw error;
          if (resume === undefined) {
            resume = payload.pause();
            const reason = `${audit_error_codes.store_unavailable}: PostgreSQL does not answer; partition ${partition} paused, its batch waits to be stored`;
            this.logger.warn(
              { code: audit_error_codes.store_unavailable, partition, error: describeError(error) },
              reason,
            );
          }
          if (!(await this.waitHeartbeating(backoff_ms * (0.5 + Math.random() / 2), payload))) return undefined;
          backoff_ms = Math.min(backoff_ms * 2, store_retry_ms_max);
        }
      }
    } finally {
      // Also when it gives up (stopping, partition moved): a partition left paused is never fetched again.
      resume?.();
    }
  }

  /** Sleeps `wait_ms` in slices short enough for the group session; false when the batch is no longer this consumer's to store. */
  private async waitHeartbeating(wait_ms: number, payload: EachBatchPayload): Promise<boolean> {
    const until_ms = Date.now() + wait_ms;
    for (;;) {
      if (!this.running || !payload.isRunning() || payload.isStale()) return false;
      await payload.heartbeat();
      const left_ms = until_ms - Date.now();
      if (left_ms <= 0) return true;
      await sleep(Math.min(left_ms, heartbeat_slice_ms));
    }
  }

  /**
   * Caught up (every partition had read all there was when its last batch was fetched; one that
   * delivered no batch yet, all committed), or how far the fold may go: to the latest event time the
   * slowest partition still behind has delivered, less the lateness allowance. Under a steady load a
   * partition is caught up when its last fetch emptied it, though more has arrived since.
   */
  private async position(): Promise<{ caught_up: boolean; fold_through_ms: number }> {
    const ends = await this.admin.fetchTopicOffsets(this.options.events_topic);
    const [committed] = await this.admin.fetchOffsets({
      groupId: this.options.group_id,
      topics: [this.options.events_topic],
    });
    const committed_by_partition = new Map(
      (committed?.partitions ?? []).map((partition) => [partition.partition, BigInt(partition.offset)]),
    );
    const caughtUp = (end: { partition: number; high: string }) => {
      const lag = this.partition_lags.get(end.partition);
      if (lag !== undefined) return lag === 0n;
      return BigInt(end.high) === 0n || (committed_by_partition.get(end.partition) ?? -1n) >= BigInt(end.high);
    };
    const behind = ends.filter((end) => !caughtUp(end));
    if (behind.length === 0) return { caught_up: true, fold_through_ms: Number.POSITIVE_INFINITY };
    const slowest_ms = Math.min(
      ...behind.map((end) => this.partition_times_ms.get(end.partition) ?? Number.NEGATIVE_INFINITY),
    );
    return {
      caught_up: false,
      fold_through_ms: slowest_ms - (this.options.catch_up_lateness_ms ?? catch_up_lateness_ms_default),
    };
  }

  /** Queues a seal behind the one of this process running (they share the fold); one queued seal serves every request made before it starts. */
  private sealSoon(): Promise<void> {
    if (this.seal_queued !== undefined) return this.seal_queued;
    const run = this.sealing.then(() => {
      this.seal_queued = undefined;
      return this.sealOnce();
    });
    this.seal_queued = run;
    this.sealing = run.catch(() => undefined);
    return run;
  }

  /**
   * Folds whatever is stored and not yet folded; builds records too when the consumer has caught
   * up and `seal_interval_ms` has passed since the last build (otherwise a timer builds them then).
   * A failed seal is retried with back-off on a timer, not by failing the batch: the events are
   * already stored and committed, and the next seal folds them whatever happened to this one.
   */
  private async sealOnce(): Promise<void> {
    if (!this.running) return;
    clearTimeout(this.seal_retry);
    this.seal_retry = undefined;
    const stop_timer = this.options.metrics?.seal_duration.startTimer();
    try {
      const { caught_up, fold_through_ms } = await this.position();
      const due_in_ms = this.last_build_started_ms + (this.options.seal_interval_ms ?? 0) - Date.now();
      const build_records = caught_up && due_in_ms <= 0;
      if (build_records) this.last_build_started_ms = Date.now();
      else if (caught_up) this.deferBuild(due_in_ms);
      await withSession(this.pool, async (client) => {
        const result = await seal(
          client,
          this.registry,
          this.options.lot_settings ?? {},
          (changed) => this.publish(changed),
          { build_records, fold_through_ms, fold_cache: this.fold_cache },
        );
        this.last_head = result.head;
        this.seal_retry_ms = seal_retry_ms_min;
        stop_timer?.();
        this.options.metrics?.seals.inc();
        this.options.metrics?.records_changed.inc(result.changed.length);
        const level = result.changed.length > 0 || result.fold.resumed_from !== 'memory' ? 'info' : 'debug';
        this.logger[level](
          { ...result.fold, records_changed: result.changed.length, head: result.head },
          build_records ? 'audit sealed' : 'audit folded',
        );
        for (const reopened of result.reopen_changes)
          this.logger.info(reopened, 'reopened period: what changed against its closed versions');
        this.options.on_sealed?.(result);
      });
    } catch (error) {
      this.options.metrics?.seal_failures.inc();
      if (isInvariantBroken(error)) return this.stopOnBug(error);
      if (isPostgresUnavailable(error)) {
        // Once per wait: the retries back off quietly.
        const reason = `${audit_error_codes.store_unavailable}: PostgreSQL does not answer; the seal waits for it`;
        if (this.seal_retry_ms === seal_retry_ms_min)
          this.logger.warn({ code: audit_error_codes.store_unavailable, retry_in_ms: this.seal_retry_ms }, reason);
      } else {
        this.logger.error(
          { error: describeError(error), retry_in_ms: this.seal_retry_ms },
          'audit seal failed: nothing of it was kept; retrying',
        );
      }
      if (this.running) this.seal_retry = setTimeout(() => void this.sealSoon(), this.seal_retry_ms);
      this.seal_retry_ms = Math.min(this.seal_retry_ms * 2, seal_retry_ms_max);
    }
  }

  /** A bug is not retried: nothing more is fetched or sealed, and whoever runs the consumer is told. */
  private stopOnBug(error: Error): void {
    this.consumer.pause([{ topic: this.options.events_topic }]);
    this.logger.fatal({ error: describeError(error) }, 'broken invariant: the audit consumer stops');
    this.options.on_failure?.(error);
  }

  private deferBuild(wait_ms: number): void {
    if (this.seal_deferred !== undefined) return;
    this.seal_deferred = setTimeout(() => {
      this.seal_deferred = undefined;
      void this.sealSoon();
    }, wait_ms);
  }

  /**
   * At least once: published inside the seal's transaction, keyed by trade id, versioned. Sends
   * are bounded in bytes (the broker refuses requests over its message size); a record too large
   * for one message is published without its content, marked so, to be read from the API.
   */
  private async publish(changed: readonly ChangedRecord[]): Promise<void> {
    // Serialised one record at a time into the sends; a record too large for one message is
    // published without its content, marked so, to be read from the API.
    const messages = changed.map((entry) => {
      const value = JSON.stringify({
        trade_id: entry.trade_id,
        version: entry.version,
        record_hash: entry.record_hash,
        record: entry.record,
      });
      if (Buffer.byteLength(value) <= send_bytes_max) return { key: entry.trade_id, value };
      return {
        key: entry.trade_id,
        value: JSON.stringify({
          trade_id: entry.trade_id,
          version: entry.version,
          record_hash: entry.record_hash,
          record: null,
          record_too_large: true,
        }),
      };
    });
    await sendMessages(this.producer, this.options.trade_records_topic, messages);
  }
}
