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
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { AssetRegistry } from '../ledger/asset-registry.js';
import type { Ledger } from '../ledger/ledger-port.js';
import { describeError } from '../platform/errors.js';
import { ensureTopics } from '../platform/kafka.js';
import type { Logger } from '../platform/logger.js';
import { engine_error_codes } from './engine-errors.js';
import type { EngineMetrics } from './engine-metrics.js';
import { decodeEvent, type DecodedEvent } from './event-file.js';
import { LedgerPoster } from './ledger-poster.js';
import { isFailed, postBatch, type EventOutcome } from './post-batch.js';

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

export type DeadLetter = {
  reason: string;
  code: string;
  kind: 'invalid' | 'conflict' | 'rejected';
  event_id: string | null;
  source: { topic: string; partition: number; offset: string };
  /** The original message value: as text when it is UTF-8, otherwise base64 in `payload_base64`. */
  payload: string | null;
  payload_base64?: string;
  dead_lettered_at: string;
};

const retry_backoff_ms_min = 100;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export class PostingEngine {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly poster: LedgerPoster;
  private running = false;

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
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
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
    if (batch.messages.length === 0) return;
    const started_ns = process.hrtime.bigint();
    const decoded = batch.messages.map(decodeMessage);
    const outcomes = await this.postUntilAnswered(decoded, payload);
    if (outcomes === undefined) return; // stopping, or the partition moved: the next owner reads it again.

    const dead_letters = outcomes.flatMap((outcome, index) => deadLetterOf(outcome, batch.topic, batch.partition, batch.messages[index]!));
    if (dead_letters.length > 0) {
      await this.producer.send({
        topic: this.options.dlq_topic,
        acks: -1,
        messages: dead_letters.map(({ key, letter }) => ({ key, value: JSON.stringify(letter), headers: { 'keel-dlq-code': letter.code } })),
      });
    }
    const last_offset = batch.messages[batch.messages.length - 1]!.offset;
    payload.resolveOffset(last_offset);
    await this.consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last_offset) + 1n).toString() }]);
    this.count(outcomes);
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
  private async postUntilAnswered(decoded: DecodedEvent[], payload: EachBatchPayload): Promise<EventOutcome[] | undefined> {
    let backoff_ms = retry_backoff_ms_min;
    let resume: (() => void) | undefined;
    for (;;) {
      try {
        const outcomes = await postBatch(decoded, this.poster, this.registry);
        if (resume !== undefined) {
          resume();
          this.metrics.ledger_available.set(1);
          this.logger.info({ partition: payload.batch.partition }, 'ledger answers again: partition resumed');
        }
        return outcomes;
      } catch (error) {
        if (resume === undefined) {
          resume = payload.pause();
          this.metrics.ledger_available.set(0);
        }
        this.logger.warn({ partition: payload.batch.partition, retry_in_ms: backoff_ms, error: describeError(error) }, 'ledger did not answer: partition paused');
        await sleep(backoff_ms * (0.5 + Math.random() / 2));
        backoff_ms = Math.min(backoff_ms * 2, this.options.retry_backoff_ms_max ?? 5_000);
        if (!this.running || !payload.isRunning() || payload.isStale()) return undefined;
        await payload.heartbeat();
      }
    }
  }

  private count(outcomes: readonly EventOutcome[]): void {
    this.metrics.events_consumed.inc(outcomes.length);
    for (const outcome of outcomes) {
      if (outcome.status === 'posted') {
        this.metrics.events_posted.inc();
        this.metrics.transfers_created.inc(outcome.transfers);
      } else if (outcome.status === 'duplicate') this.metrics.events_duplicate.inc();
      else if (outcome.status === 'no_transfers') this.metrics.events_without_transfers.inc();
      else {
        this.metrics.events_dead_lettered.inc({ reason: outcome.status });
        if (outcome.status === 'conflict') this.metrics.conflicts.inc();
      }
    }
  }
}

function decodeMessage(message: KafkaMessage): DecodedEvent {
  if (message.value === null) return { ok: false, id: undefined, code: engine_error_codes.event_malformed, reason: 'empty message (no value)' };
  let text: string;
  try {
    text = utf8.decode(message.value);
  } catch {
    return { ok: false, id: undefined, code: engine_error_codes.event_malformed, reason: 'message value is not UTF-8 text' };
  }
  return decodeEvent(text);
}

function deadLetterOf(outcome: EventOutcome, topic: string, partition: number, message: KafkaMessage): { key: Buffer | null; letter: DeadLetter }[] {
  if (!isFailed(outcome)) return [];
  const text = message.value === null ? null : safeText(message.value);
  const letter: DeadLetter = {
    reason: outcome.reason,
    code: outcome.code,
    kind: outcome.status,
    event_id: outcome.event_id ?? null,
    source: { topic, partition, offset: message.offset },
    payload: text,
    ...(text === null && message.value !== null ? { payload_base64: message.value.toString('base64') } : {}),
    dead_lettered_at: new Date().toISOString(),
  };
  return [{ key: message.key, letter }];
}

function safeText(value: Buffer): string | null {
  try {
    return utf8.decode(value);
  } catch {
    return null;
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
