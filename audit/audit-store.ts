// The audit store in PostgreSQL: events as received (each id once; a changed repeat is a
// conflict) and versioned trade records, as the seal writes them: trade records are never edited,
// a changed record is a new version that supersedes the old one. The lots and disposals the fold
// derives are written by fold-store.ts. Every SQL
// statement on the store's tables lives in audit/: reading records is record-store.ts, reading
// lots and disposals lot-store.ts, prices price-store.ts, connector cursors cursor-store.ts, the
// hash-chained log audit-log.ts.
import { createHash } from 'node:crypto';
import { parseEvent, type KeelEvent } from '../engine/event-schema.js';
import { canonicalJson } from '../platform/canonical-json.js';
import { inTransaction, type Queryable, type Session } from '../platform/postgres.js';
import { auditHead, type AuditHead } from './audit-log.js';
import type { PriceRow } from './lots/pricing.js';
import { loadPriceRows } from './price-store.js';
import type { StoredTradeRecord } from './record-store.js';
import type { TradeRecord } from './trade-records.js';

export type EventSource = { topic: string; partition: number; offset: string };
export type StoredEvents = { stored: number; duplicates: number; conflicts: EventConflict[] };
export type EventConflict = {
  event_id: string;
  event_time: string;
  stored_hash: string;
  received_hash: string;
  source: EventSource | null;
};
/** A new version of a trade record, as the seal computes, stores and publishes it. */
export type ChangedRecord = Pick<StoredTradeRecord, 'trade_id' | 'version' | 'record_hash' | 'record'>;
/** A changed record without its content: what a seal reports. */
export type ChangedRecordSummary = Omit<ChangedRecord, 'record'>;

/** SHA-256 of an event's canonical JSON without `raw` (the venue's payload may be re-fetched with other formatting). */
export function eventContentHash(event: KeelEvent): string {
  const { raw, ...content } = event;
  return sha256(canonicalJson(content));
}

export function recordHash(record: TradeRecord): string {
  return sha256(canonicalJson(record));
}

/** Stores events once each; reports repeats, and repeats with other content (conflicts, not stored). */
export async function storeEvents(
  session: Session,
  items: readonly { event: KeelEvent; source: EventSource | null }[],
): Promise<StoredEvents> {
  if (items.length === 0) return { stored: 0, duplicates: 0, conflicts: [] };
  const hashes = items.map((item) => eventContentHash(item.event));
  const inserted = await session.query<{ event_id: string }>(
    `insert into events (event_id, type, event_time, venue, account, event, content_hash, source_topic, source_partition, source_offset)
     select * from unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::text[], $9::int[], $10::bigint[])
     on conflict (event_id) do nothing
     returning event_id`,
    [
      items.map((item) => item.event.id),
      items.map((item) => item.event.type),
      items.map((item) => item.event.time),
      items.map((item) => item.event.venue),
      items.map((item) => item.event.account),
      items.map((item) => canonicalJson(item.event)),
      hashes,
      items.map((item) => item.source?.topic ?? null),
      items.map((item) => item.source?.partition ?? null),
      items.map((item) => item.source?.offset ?? null),
    ],
  );
  const new_ids = new Set(inserted.rows.map((row) => row.event_id));
  const first_index = new Map<string, number>();
  items.forEach((item, index) => {
    if (!first_index.has(item.event.id)) first_index.set(item.event.id, index);
  });
  // A repeat: an id stored before this batch, or a later copy of an id inside it.
  const repeats = items
    .map((item, index) => ({ item, index, hash: hashes[index]! }))
    .filter(({ item, index }) => !new_ids.has(item.event.id) || first_index.get(item.event.id) !== index);
  if (repeats.length === 0) return { stored: new_ids.size, duplicates: 0, conflicts: [] };
  const stored = await session.query<{ event_id: string; content_hash: string }>(
    'select event_id, content_hash from events where event_id = any($1::text[])',
    [[...new Set(repeats.map(({ item }) => item.event.id))]],
  );
  const stored_hash = new Map(stored.rows.map((row) => [row.event_id, row.content_hash]));
  const conflicts = repeats
    .filter(({ item, hash }) => stored_hash.get(item.event.id) !== hash)
    .map(({ item, hash }) => ({
      event_id: item.event.id,
      event_time: item.event.time,
      stored_hash: stored_hash.get(item.event.id) ?? '',
      received_hash: hash,
      source: item.source,
    }));
  return { stored: new_ids.size, duplicates: repeats.length - conflicts.length, conflicts };
}

const load_chunk_rows_default = 10_000;

/**
 * Every stored event, in canonical order (event time, then id), validated again on the way out.
 * Read through a cursor in chunks, so the driver's rows of one chunk are dropped before the next:
 * only the validated events stay in memory. Must run inside a transaction (a cursor lives in one).
 */
export async function loadEvents(session: Session, chunk_rows = load_chunk_rows_default): Promise<KeelEvent[]> {
  if (!Number.isInteger(chunk_rows) || chunk_rows < 1)
    throw new RangeError(`chunk_rows must be a positive integer, got ${chunk_rows}`);
  const events: KeelEvent[] = [];
  // On an error the caller's rollback closes the cursor with the transaction.
  await session.query(
    'declare keel_events_cursor no scroll cursor for select event from events order by event_time, event_id',
  );
  for (let rows_fetched = chunk_rows; rows_fetched === chunk_rows;) {
    const { rows } = await session.query<{ event: unknown }>(`fetch ${chunk_rows} from keel_events_cursor`);
    for (const row of rows) {
      const parsed = parseEvent(row.event);
      if (!parsed.ok) throw new Error(`a stored event no longer validates: ${JSON.stringify(parsed.issues)}`);
      events.push(parsed.event);
    }
    rows_fetched = rows.length;
  }
  await session.query('close keel_events_cursor');
  return events;
}

/** How many events the store holds. */
export async function storedEventCount(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ count: string }>('select count(*)::text as count from events');
  return Number(rows[0]!.count);
}

/**
 * Up to `rows_max` events stored after `store_id` (the arrival order), each with its store id for
 * the next call; `event` is null for a stored event that no longer validates.
 */
export async function eventsStoredAfter(
  db: Queryable,
  store_id: string,
  rows_max: number,
): Promise<{ store_id: string; event: KeelEvent | null }[]> {
  const { rows } = await db.query<{ store_id: string; event: unknown }>(
    'select store_id::text as store_id, event from events where store_id > $1::bigint order by store_id limit $2',
    [store_id, rows_max],
  );
  return rows.map((row) => {
    const parsed = parseEvent(row.event);
    return { store_id: row.store_id, event: parsed.ok ? parsed.event : null };
  });
}

/** The latest event time in the store: the watermark an audit seal speaks as of. */
export async function eventWatermark(session: Session): Promise<string | null> {
  const { rows } = await session.query<{ watermark: Date | null }>('select max(event_time) as watermark from events');
  return rows[0]?.watermark?.toISOString() ?? null;
}

export type StoreSnapshot = { events: KeelEvent[]; price_rows: PriceRow[]; head: AuditHead };

/** Events, prices in `reporting_currency` and the chain head in one read-only snapshot, so they describe the same moment. */
export async function readStoreSnapshot(session: Session, reporting_currency: string): Promise<StoreSnapshot> {
  return inTransaction(
    session,
    async () => ({
      events: await loadEvents(session),
      price_rows: await loadPriceRows(session, reporting_currency),
      head: await auditHead(session),
    }),
    'begin isolation level repeatable read read only',
  );
}

/** The current version and hash of the records of some trades. */
export async function currentVersionsOf(
  session: Session,
  trade_ids: readonly string[],
): Promise<Map<string, { version: number; record_hash: string }>> {
  const { rows } = await session.query<{ trade_id: string; version: number; record_hash: string }>(
    'select trade_id, version, record_hash from trade_records where is_current and trade_id = any($1)',
    [trade_ids],
  );
  return new Map(rows.map((row) => [row.trade_id, { version: row.version, record_hash: row.record_hash }]));
}

/**
 * The records whose content differs from their current version, each as the next version. Lazy:
 * records are hashed as they come and unchanged ones dropped, so a seal holds only what changed.
 */
export function* changedRecords(
  records: Iterable<TradeRecord>,
  current: ReadonlyMap<string, { version: number; record_hash: string }>,
): Generator<ChangedRecord> {
  for (const record of records) {
    const hash = recordHash(record);
    const existing = current.get(record.trade_id);
    if (existing?.record_hash !== hash)
      yield { trade_id: record.trade_id, version: (existing?.version ?? 0) + 1, record_hash: hash, record };
  }
}

/** Stores changed records as new versions, marking the versions they supersede. */
export async function storeChangedRecords(session: Session, changed: readonly ChangedRecord[]): Promise<void> {
  if (changed.length === 0) return;
  const superseded = changed.filter((entry) => entry.version > 1);
  if (superseded.length > 0) {
    await session.query(
      `update trade_records set is_current = false, superseded_by = changed.version
       from unnest($1::text[], $2::int[]) as changed (trade_id, version)
       where trade_records.trade_id = changed.trade_id and trade_records.is_current`,
      [superseded.map((entry) => entry.trade_id), superseded.map((entry) => entry.version)],
    );
  }
  await session.query(
    `insert into trade_records (trade_id, version, venue, account, trade_time, record, record_hash)
     select * from unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::timestamptz[], $6::jsonb[], $7::text[])`,
    [
      changed.map((entry) => entry.trade_id),
      changed.map((entry) => entry.version),
      changed.map((entry) => entry.record.venue),
      changed.map((entry) => entry.record.account),
      changed.map((entry) => entry.record.opened_at),
      changed.map((entry) => canonicalJson(entry.record)),
      changed.map((entry) => entry.record_hash),
    ],
  );
}

export async function linkRecordsToAudit(
  session: Session,
  links: readonly { trade_id: string; version: number; sequence: number }[],
): Promise<void> {
  if (links.length === 0) return;
  await session.query(
    `update trade_records set audit_sequence = link.sequence
     from unnest($1::text[], $2::int[], $3::bigint[]) as link (trade_id, version, sequence)
     where trade_records.trade_id = link.trade_id and trade_records.version = link.version`,
    [links.map((link) => link.trade_id), links.map((link) => link.version), links.map((link) => link.sequence)],
  );
}

/** The current version of every record, without its chain columns: what a replay is compared by. */
export async function currentTradeRecords(
  session: Session,
): Promise<Pick<StoredTradeRecord, 'trade_id' | 'version' | 'record_hash' | 'record'>[]> {
  const { rows } = await session.query<ChangedRecord>(
    'select trade_id, version, record_hash, record from trade_records where is_current order by trade_time, trade_id',
  );
  return rows;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
