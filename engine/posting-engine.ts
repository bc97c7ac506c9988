// The posting engine: consumes canonical events from Kafka and posts them to the ledger, exactly
// once in effect whatever fails in between (DESIGN.md §1, §6).
//
// - Ids come from the event, not the offset: a re-delivered event meets `exists` and changes
//   nothing; the same id with other content meets `exists_with_different_*` and is dead-lettered.
// - An offset is committed only after the ledger acknowledged every event before it and every
//   dead letter of the batch is acknowledged by Kafka (I4). A crash anywhere before the commit
//   means the batch is read again, which the ids make harmless.
// - A ledger that does not answer pauses the partition and retries with back-off while the
//   consumer keeps heartbeating, so it stays in its group; the partition resumes when it answers.
// - A broken invariant (a bug in Keel) is no outage: the engine stops consuming, commits nothing
//   of the batch, and reports the error through `failed`, so its process exits with the code.
// Decoding, posting, dead letters and counts are the shared posting step (`post-batch.ts`).
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { AssetRegistry } from '../ledger/asset-registry.js';
import type { Ledger } from '../ledger/ledger-port.js';
import { describeError, isInvariantBroken } from '../platform/errors.js';
import { ensureTopics, producerOf, sendMessages } from '../platform/kafka.js';
import type { Logger } from '../platform/logger.js';
import { deadLetterMessage } from './dead-letter.js';
import type { EngineMetrics } from './engine-metrics.js';
import { LedgerPoster } from './ledger-poster.js';
import { postInputs, type PostedBatch, type PostingCounts, type PostingInput } from './post-batch.js';

export type PostingEngineOptions = {
  events_topic: string;
  dlq_topic: string;
  events_partitions: number;
  group_id: string;
  /** Kafka's session timeout: how soon a dead engine's partitions move to another member. */
  session_timeout_ms?: number;
  /** Longest wait between two attempts to reach an unresponsive ledger. */
  retry_backoff_ms_max?: number;
  /** Called after each batch is committed (benchmarks read exact batch latencies from it). */
  on_batch_committed?: (batch: { events: number; duration_ms: number }) => void;
};

const retry_backoff_ms_min = 100;

export class PostingEngine {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly poster: LedgerPoster;
  private running = false;
  /** Set when a broken invariant stopped the engine: no batch is taken on after it. */
  private halted = false;
  private report_failure: (error: Error) => void = () => {};
  /** Resolves with the error if the engine stopped on a broken invariant (a bug); never rejects. */
  readonly failed: Promise<Error> = new Promise((resolve) => (this.report_failure = resolve));

  constructor(
    private readonly kafka: Kafka,
    ledger: Ledger,
    private readonly registry: AssetRegistry,
    private readonly metrics: EngineMetrics,
    private readonly logger: Logger,
    private readonly options: PostingEngineOptions,
  ) {
    this.poster = new LedgerPoster(timedLedger(ledger, metrics));
    this.consumer = kafka.consumer({
      groupId: options.group_id,
      sessionTimeout: options.session_timeout_ms ?? 30_000,
      heartbeatInterval: Math.max(100, Math.floor((options.session_timeout_ms ?? 30_000) / 10)),
      maxBytesPerPartition: 1024 * 1024,
    });
    this.producer = producerOf(kafka);
  }

  /** Creates the topics if needed, joins the group and starts consuming from the committed offsets. */
  async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, [
        { topic: this.options.events_topic, numPartitions: this.options.events_partitions },
        { topic: this.options.dlq_topic, numPartitions: 1 },
      ]);
    } finally {
      await admin.disconnect();
    }
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.events_topic, fromBeginning: true });
    this.running = true;
    this.metrics.ledger_available.set(1);
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.handleBatch(payload),
    });
    this.logger.info({ topic: this.options.events_topic, group: this.options.group_id }, 'posting engine consuming');
  }

  /** Finishes the batch in flight (and commits it), then leaves the group. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.consumer.disconnect();
    await this.producer.disconnect();
    this.logger.info('posting engine stopped');
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0 || this.halted) return;
    const started_ns = process.hrtime.bigint();
    const inputs: PostingInput[] = batch.messages.map((message) => ({
      value: message.value,
      key: message.key,
      source: { topic: batch.topic, partition: batch.partition, offset: message.offset },
    }));
    const posted = await this.postUntilAnswered(inputs, payload);
    if (posted === undefined) return; // stopping, or the partition moved: the next owner reads it again.

    const dead_letters = posted.dead_letters.map(({ key, letter }) => deadLetterMessage(letter, key));
    await sendMessages(this.producer, this.options.dlq_topic, dead_letters);
    const last_offset = batch.messages[batch.messages.length - 1]!.offset;
    payload.resolveOffset(last_offset);
    await this.consumer.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: (BigInt(last_offset) + 1n).toString() },
    ]);
    this.count(posted.counts);
    this.metrics.batch_size.observe(batch.messages.length);
    this.metrics.consumer_lag.set({ partition: String(batch.partition) }, Number(batch.offsetLag()));
    const duration_ms = Number(process.hrtime.bigint() - started_ns) / 1e6;
    this.metrics.batch_duration.observe(duration_ms / 1000);
    this.options.on_batch_committed?.({ events: batch.messages.length, duration_ms });
  }

  /**
   * Posts the batch, waiting out a ledger that does not answer: the partition is paused (no more
   * fetching), heartbeats keep the membership, and the same batch is retried with back-off.
   */
  private async postUntilAnswered(
    inputs: readonly PostingInput[],
    payload: EachBatchPayload,
  ): Promise<PostedBatch | undefined> {
    let backoff_ms = retry_backoff_ms_min;
    let resume: (() => void) | undefined;
    for (;;) {
      try {
        const posted = await postInputs(inputs, this.poster, this.registry);
        if (resume !== undefined) {
          resume();
          this.metrics.ledger_available.set(1);
          this.logger.info({ partition: payload.batch.partition }, 'ledger answers again: partition resumed');
        }
        return posted;
      } catch (error) {
        if (isInvariantBroken(error)) return this.stopOnBug(error, payload);
        if (resume === undefined) {
          resume = payload.pause();
          this.metrics.ledger_available.set(0);
        }
        this.logger.warn(
          { partition: payload.batch.partition, retry_in_ms: backoff_ms, error: describeError(error) },
          'ledger did not answer: partition paused',
        );
        await sleep(backoff_ms * (0.5 + Math.random() / 2));
        backoff_ms = Math.min(backoff_ms * 2, this.options.retry_backoff_ms_max ?? 5_000);
        if (!this.running || !payload.isRunning() || payload.isStale()) {
          // Given up on this batch (stopping, or the partition moved): a partition left paused would never be fetched again.
          resume();
          return undefined;
        }
        await payload.heartbeat();
      }
    }
  }

  /** A bug is not retried: nothing more is fetched or committed, and whoever runs the engine is told. */
  private stopOnBug(error: Error, payload: EachBatchPayload): undefined {
    this.halted = true;
    // Every partition, not only this one: no other batch is fetched only to be left uncommitted.
    this.consumer.pause([{ topic: payload.batch.topic }]);
    this.logger.fatal(
      { partition: payload.batch.partition, error: describeError(error) },
      'broken invariant: the posting engine stops',
    );
    this.report_failure(error);
    return undefined;
  }

  private count(counts: PostingCounts): void {
    this.metrics.events_consumed.inc(counts.read);
    this.metrics.events_posted.inc(counts.posted);
    this.metrics.transfers_created.inc(counts.transfers);
    this.metrics.events_duplicate.inc(counts.duplicates);
    this.metrics.events_without_transfers.inc(counts.no_transfers);
    for (const [reason, count] of Object.entries(counts.failed))
      if (count > 0) this.metrics.events_dead_lettered.inc({ reason }, count);
    this.metrics.conflicts.inc(counts.failed.conflict);
  }
}

/** The ledger with the latency of every request observed, by operation. */
function timedLedger(ledger: Ledger, metrics: EngineMetrics): Ledger {
  const timed =
    <A extends unknown[], R>(operation: string, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const stop = metrics.ledger_latency.startTimer({ operation });
      try {
        return await call(...args);
      } finally {
        stop();
      }
    };
  return {
    name: ledger.name,
    createAccounts: timed('create_accounts', (accounts) => ledger.createAccounts(accounts)),
    createTransfers: timed('create_transfers', (transfers) => ledger.createTransfers(transfers)),
    lookupAccounts: timed('lookup_accounts', (ids) => ledger.lookupAccounts(ids)),
    lookupTransfers: timed('lookup_transfers', (ids) => ledger.lookupTransfers(ids)),
    getAccountTransfers: timed('get_account_transfers', (filter) => ledger.getAccountTransfers(filter)),
    getAccountBalances: timed('get_account_balances', (filter) => ledger.getAccountBalances(filter)),
    queryAccounts: timed('query_accounts', (filter) => ledger.queryAccounts(filter)),
    queryTransfers: timed('query_transfers', (filter) => ledger.queryTransfers(filter)),
    close: () => ledger.close(),
  };
}

function sleep(duration_ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, duration_ms));
}
