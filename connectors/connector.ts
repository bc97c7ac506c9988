// One venue account's connector: reads each stream page by page from its cursor, normalises every
// record (pure), publishes the events and dead letters, waits for Kafka's acknowledgement, and only
// then advances the cursor. Backfill walks history from a start date to now (or a fixed end, for
// replays), reporting progress; `run` then keeps polling from the cursor.
import type { Exchange } from 'ccxt';
import type { KeelEvent } from '../engine/event-schema.js';
import { deadLetter, type DeadLetter } from '../engine/dead-letter.js';
import type { Logger } from '../platform/logger.js';
import { connector_error_codes, connectorError } from './connector-errors.js';
import type { ConnectorMetrics } from './connector-metrics.js';
import { seen_records_max, type CursorPosition, type CursorStore, type StreamCursor } from './cursor-store.js';
import type { EventSink } from './event-sink.js';
import { marketLookup } from './markets.js';
import {
  normaliseFunding,
  normaliseLedgerEntry,
  normaliseTrade,
  normaliseTransaction,
  normaliseTransfer,
  type NormaliseContext,
  type RecordOutcome,
  type VenueAccountRef,
} from './normalise.js';
import {
  default_retry_policy,
  real_retry_environment,
  withRetry,
  type RetryEnvironment,
  type RetryPolicy,
} from './retry.js';
import type { StreamName } from './venue-mapping.js';
import {
  streamRequests,
  type AccountSettings,
  type RecordKind,
  type StreamRequest,
  type VenueSpec,
} from './venue-registry.js';
import type { CcxtFunding, CcxtLedgerEntry, CcxtTrade, CcxtTransaction, CcxtTransfer } from './venue-records.js';

export type ConnectorProgress = {
  venue: string;
  account: string;
  stream: StreamName;
  request: string;
  /** How far this request's history has been read (its cursor). */
  position_time: string;
  pages: number;
  events_published: number;
  dead_letters: number;
  caught_up: boolean;
};

export type ConnectorOptions = {
  spec: VenueSpec;
  account: string;
  settings: AccountSettings;
  streams: readonly StreamName[];
  /** Where history starts for a stream without a cursor. */
  since_ms: number;
  /** Where backfill ends; default: the clock at each page (live). Replays fix it. */
  until_ms?: number | undefined;
  wallet_accounts?: Readonly<Record<string, VenueAccountRef>>;
  page_limit?: number | undefined;
  poll_interval_ms?: number;
  retry?: RetryPolicy;
  retry_environment?: RetryEnvironment;
  now_ms?: () => number;
  metrics?: ConnectorMetrics | undefined;
  logger?: Logger | undefined;
  on_progress?: (progress: ConnectorProgress) => void;
};

export type StreamReport = {
  stream: StreamName;
  pages: number;
  records: number;
  events_published: number;
  skipped: number;
  dead_letters: number;
  pending: number;
};

/** A hard bound on pages per request and backfill: a venue that never stops paging is a bug, not a workload. */
const pages_per_request_max = 1_000_000;

export class Connector {
  private readonly context: NormaliseContext;
  private readonly now_ms: () => number;

  constructor(
    private readonly exchange: Exchange,
    private readonly cursors: CursorStore,
    private readonly sink: EventSink,
    private readonly options: ConnectorOptions,
  ) {
    this.now_ms = options.now_ms ?? Date.now;
    this.context = {
      venue: options.spec.venue,
      account: options.account,
      mapping: options.spec.mapping,
      market: marketLookup(exchange),
      wallet: options.spec.wallet,
      wallet_accounts: options.wallet_accounts ?? {},
    };
  }

  /** Reads every stream up to now (or `until_ms`) and returns what each produced. */
  async backfill(signal?: AbortSignal): Promise<StreamReport[]> {
    const reports: StreamReport[] = [];
    for (const stream of this.options.streams) {
      if (signal?.aborted) break;
      reports.push(await this.readStream(stream, signal));
    }
    return reports;
  }

  /** Backfill, then poll every `poll_interval_ms` until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const interval_ms = this.options.poll_interval_ms ?? 60_000;
    while (!signal.aborted) {
      await this.backfill(signal);
      await abortableSleep(interval_ms, signal);
    }
  }

  private async readStream(stream: StreamName, signal?: AbortSignal): Promise<StreamReport> {
    const report: StreamReport = {
      stream,
      pages: 0,
      records: 0,
      events_published: 0,
      skipped: 0,
      dead_letters: 0,
      pending: 0,
    };
    const cursor: StreamCursor = (await this.cursors.get(this.options.spec.venue, this.options.account, stream)) ?? {
      positions: {},
    };
    for (const request of streamRequests(this.options.spec, stream, this.options.settings)) {
      let position: CursorPosition = cursor.positions[request.key] ?? { since_ms: this.options.since_ms, seen: {} };
      for (let page = 0; page < pages_per_request_max && !signal?.aborted; page += 1) {
        const step = await this.readPage(stream, request, position, report);
        position = step.position;
        cursor.positions[request.key] = position;
        // Kafka has acknowledged the page's output (readPage awaited it): now the cursor may move.
        await this.cursors.set(this.options.spec.venue, this.options.account, stream, cursor);
        this.options.on_progress?.({
          venue: this.options.spec.venue,
          account: this.options.account,
          stream,
          request: request.key,
          position_time: new Date(position.since_ms).toISOString(),
          pages: report.pages,
          events_published: report.events_published,
          dead_letters: report.dead_letters,
          caught_up: step.caught_up,
        });
        if (step.caught_up) break;
      }
    }
    return report;
  }

  private async readPage(
    stream: StreamName,
    request: StreamRequest,
    position: CursorPosition,
    report: StreamReport,
  ): Promise<{ position: CursorPosition; caught_up: boolean }> {
    const end_ms = this.options.until_ms ?? this.now_ms();
    const window_ms = this.options.spec.window_ms?.[stream];
    const until_ms = window_ms === undefined ? this.options.until_ms : Math.min(position.since_ms + window_ms, end_ms);
    const limit = this.options.page_limit ?? this.options.spec.page_limit[stream] ?? 100;
    const records = await this.fetchRecords(stream, request, position.since_ms, until_ms, limit);
    report.pages += 1;
    report.records += records.length;
    this.options.metrics?.events_fetched.inc({ venue: this.options.spec.venue, stream }, records.length);

    const outcomes = records.map((item) => this.normalise(request.record_kind, item));
    const fresh = outcomes.filter((outcome) => position.seen[outcome.key] === undefined);
    const events: KeelEvent[] = [];
    const dead_letters: DeadLetter[] = [];
    for (const outcome of fresh) {
      if (outcome.kind === 'event') events.push(outcome.event);
      else if (outcome.kind === 'dead_letter') dead_letters.push(this.deadLetter(stream, request, position, outcome));
      else if (outcome.kind === 'skipped') report.skipped += 1;
      else report.pending += 1;
    }
    await this.sink.publish(events, dead_letters);
    report.events_published += events.length;
    report.dead_letters += dead_letters.length;
    this.count(
      stream,
      events.length,
      fresh.filter((outcome) => outcome.kind === 'skipped').length,
      dead_letters.length,
    );

    const full_page = records.length >= limit;
    if (full_page && fresh.length === 0) {
      throw connectorError(
        connector_error_codes.page_stalled,
        `${this.options.spec.venue}/${this.options.account} ${request.key}: a full page of ${limit} records at ${new Date(position.since_ms).toISOString()} brought nothing new`,
      );
    }
    const next = nextPosition(position, outcomes, full_page ? undefined : until_ms);
    const window_end_reached = until_ms === undefined || until_ms >= end_ms;
    return { position: next, caught_up: !full_page && window_end_reached };
  }

  private async fetchRecords(
    stream: StreamName,
    request: StreamRequest,
    since_ms: number,
    until_ms: number | undefined,
    limit: number,
  ): Promise<unknown[]> {
    const venue = this.options.spec.venue;
    const method = (this.exchange as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[
      request.method
    ];
    if (typeof method !== 'function')
      throw connectorError(
        connector_error_codes.stream_unsupported,
        `ccxt ${this.options.spec.ccxt_id} has no ${request.method}`,
      );
    const params = { ...(request.params ?? {}), ...(until_ms === undefined ? {} : { until: until_ms }) };
    const result = await withRetry(
      () => method.call(this.exchange, request.first_argument, since_ms, limit, params),
      `${venue}/${this.options.account} ${request.key}`,
      this.options.retry ?? default_retry_policy,
      this.options.retry_environment ?? real_retry_environment,
      (kind, error, retry_in_ms) => {
        this.options.metrics?.errors.inc({ venue, stream, kind });
        this.options.logger?.warn(
          {
            venue,
            account: this.options.account,
            stream,
            request: request.key,
            kind,
            retry_in_ms,
            error: error.message,
          },
          'venue request failed',
        );
      },
    );
    if (!Array.isArray(result))
      throw connectorError(connector_error_codes.venue_error, `${venue} ${request.method} did not answer a list`);
    return result;
  }

  private normalise(kind: RecordKind, item: unknown): RecordOutcome {
    const source = (typeof item === 'object' && item !== null ? item : { info: item }) as {
      info: Record<string, unknown>;
    };
    if (typeof source.info !== 'object' || source.info === null) source.info = {};
    switch (kind) {
      case 'trade':
        return normaliseTrade(source as CcxtTrade, this.context);
      case 'funding':
        return normaliseFunding(source as CcxtFunding, this.context);
      case 'ledger':
        return normaliseLedgerEntry(source as CcxtLedgerEntry, this.context);
      case 'transaction':
        return normaliseTransaction(source as CcxtTransaction, this.context);
      case 'transfer':
        return normaliseTransfer(source as CcxtTransfer, this.context);
    }
  }

  private deadLetter(
    stream: StreamName,
    request: StreamRequest,
    position: CursorPosition,
    outcome: Extract<RecordOutcome, { kind: 'dead_letter' }>,
  ): DeadLetter {
    // Not a Kafka position: the venue account, stream and request the record was read from, and where.
    const source = {
      topic: `connector/${this.options.spec.venue}/${this.options.account}/${stream}`,
      partition: 0,
      offset: `${request.key}@${position.since_ms}`,
    };
    const failure = {
      kind: 'invalid' as const,
      code: outcome.code,
      reason: outcome.reason,
      event_id: outcome.event_id,
    };
    return deadLetter(failure, source, JSON.stringify(outcome.payload) ?? null, new Date(this.now_ms()));
  }

  private count(stream: StreamName, published: number, skipped: number, dead_letters: number): void {
    const metrics = this.options.metrics;
    if (metrics === undefined) return;
    const labels = { venue: this.options.spec.venue, stream };
    metrics.events_published.inc(labels, published);
    metrics.records_skipped.inc(labels, skipped);
    metrics.records_dead_lettered.inc(labels, dead_letters);
  }
}

/**
 * Where to read from next. Pending records (a deposit not yet credited) hold the position at the
 * earliest of them so that they are read again; otherwise it moves to the newest record read, or to
 * the end of the window when the window was read completely. Records already handled at or after
 * the new position are remembered, so the inclusive re-read publishes nothing twice.
 */
export function nextPosition(
  position: CursorPosition,
  outcomes: readonly RecordOutcome[],
  window_end_ms: number | undefined,
): CursorPosition {
  const times = outcomes.map((outcome) => outcome.time_ms ?? position.since_ms);
  const pending_times = outcomes.flatMap((outcome, index) => (outcome.kind === 'pending' ? [times[index]!] : []));
  let since_ms: number;
  if (pending_times.length > 0) since_ms = Math.min(...pending_times);
  else if (window_end_ms !== undefined) since_ms = Math.max(position.since_ms, window_end_ms);
  else since_ms = Math.max(position.since_ms, ...times);
  const seen: Record<string, number> = {};
  for (const [key, time_ms] of Object.entries(position.seen)) if (time_ms >= since_ms) seen[key] = time_ms;
  outcomes.forEach((outcome, index) => {
    if (outcome.kind !== 'pending' && times[index]! >= since_ms) seen[outcome.key] = times[index]!;
  });
  if (Object.keys(seen).length > seen_records_max) {
    throw connectorError(
      connector_error_codes.page_stalled,
      `more than ${seen_records_max} records held at ${new Date(since_ms).toISOString()} (a pending record that never settles?)`,
    );
  }
  return { since_ms, seen };
}

function abortableSleep(duration_ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, duration_ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
