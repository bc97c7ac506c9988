// The quarantine's SQL (migrations/0004_quarantine.sql): an event the audit store cannot store or
// fold is kept aside with its code and reason, and each move in or out is appended to the audit
// log. `original` is JSON text (JSON.stringify escapes NUL and lone surrogates, which PostgreSQL
// text refuses raw); audit entries name the row and the original's SHA-256, never the text itself.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../platform/canonical-json.js';
import type { Session } from '../platform/postgres.js';
import { appendAuditEntriesInTransaction } from './audit-log.js';
import { auditError, audit_error_codes } from './audit-errors.js';
import type { EventSource } from './audit-store.js';
import { storeEvents } from './audit-store.js';
import { parseEvent } from '../engine/event-schema.js';

export type QuarantineEntry = {
  code: string;
  reason: string;
  original: string;
  source: EventSource | null;
  from_store_id: number | null;
};
export type QuarantinedEvent = QuarantineEntry & {
  quarantine_id: number;
  quarantined_at: string;
  released_at: string | null;
  release_reason: string | null;
};

const reason_length_max = 2_000;
const list_rows_max = 10_000;

/** Keeps `entry` aside and audits it; runs inside the caller's transaction. */
export async function quarantine(session: Session, entry: QuarantineEntry, recorded_at?: string): Promise<number> {
  const reason = entry.reason.slice(0, reason_length_max) || '(no reason given)';
  const { rows } = await session.query<{ quarantine_id: string }>(
    `insert into quarantined_events (code, reason, original, source_topic, source_partition, source_offset, from_store_id)
     values ($1, $2, $3, $4, $5, $6, $7) returning quarantine_id::text`,
    [
      entry.code,
      reason,
      entry.original,
      entry.source?.topic ?? null,
      entry.source?.partition ?? null,
      entry.source?.offset ?? null,
      entry.from_store_id,
    ],
  );
  const quarantine_id = Number(rows[0]!.quarantine_id);
  const payload = {
    quarantine_id,
    code: entry.code,
    reason,
    original_sha256: sha256(entry.original),
    from_store_id: entry.from_store_id,
  };
  await appendAuditEntriesInTransaction(session, [{ kind: 'event_quarantined', payload }], { recorded_at });
  return quarantine_id;
}

/** Moves a stored event out of `events` (and so out of the fold) into the quarantine. */
export async function quarantineStored(
  session: Session,
  store_id: number,
  code: string,
  reason: string,
): Promise<number> {
  const { rows } = await session.query<{
    event: unknown;
    source_topic: string | null;
    source_partition: number | null;
    source_offset: string | null;
  }>('delete from events where store_id = $1 returning event, source_topic, source_partition, source_offset::text', [
    store_id,
  ]);
  const row = rows[0]!;
  const source =
    row.source_topic === null
      ? null
      : { topic: row.source_topic, partition: row.source_partition!, offset: row.source_offset! };
  return quarantine(session, { code, reason, original: JSON.stringify(row.event), source, from_store_id: store_id });
}

/** The quarantined events not released, oldest first (at most `list_rows_max`). */
export async function listQuarantined(session: Session): Promise<QuarantinedEvent[]> {
  const { rows } = await session.query<{
    quarantine_id: string;
    code: string;
    reason: string;
    original: string;
    source_topic: string | null;
    source_partition: number | null;
    source_offset: string | null;
    from_store_id: string | null;
    quarantined_at: Date;
    released_at: Date | null;
    release_reason: string | null;
  }>(
    `select quarantine_id::text, code, reason, original, source_topic, source_partition, source_offset::text, from_store_id::text,
            quarantined_at, released_at, release_reason
     from quarantined_events where released_at is null order by quarantine_id limit $1`,
    [list_rows_max],
  );
  return rows.map((row) => ({
    quarantine_id: Number(row.quarantine_id),
    code: row.code,
    reason: row.reason,
    original: row.original,
    source:
      row.source_topic === null
        ? null
        : { topic: row.source_topic, partition: row.source_partition!, offset: row.source_offset! },
    from_store_id: row.from_store_id === null ? null : Number(row.from_store_id),
    quarantined_at: row.quarantined_at.toISOString(),
    released_at: row.released_at?.toISOString() ?? null,
    release_reason: row.release_reason,
  }));
}

/**
 * Puts a quarantined event back into `events` (the next seal folds it) if it validates now, and
 * audits the release; runs inside the caller's transaction. A coded error when it is unknown,
 * already released, still invalid, or its id is stored meanwhile with other content.
 */
export async function releaseQuarantined(
  session: Session,
  quarantine_id: number,
  release_reason: string,
): Promise<{ event_id: string }> {
  const { rows } = await session.query<{
    original: string;
    source_topic: string | null;
    source_partition: number | null;
    source_offset: string | null;
  }>(
    'select original, source_topic, source_partition, source_offset::text from quarantined_events where quarantine_id = $1 and released_at is null for update',
    [quarantine_id],
  );
  const row = rows[0];
  if (row === undefined)
    throw auditError(
      audit_error_codes.quarantine_not_found,
      `no quarantined event ${quarantine_id} waits for release`,
      { field: 'id' },
    );
  const parsed = parseEvent(parseOriginal(row.original));
  if (!parsed.ok) {
    const issues = canonicalJson(parsed.issues).slice(0, 500);
    throw auditError(
      audit_error_codes.quarantine_still_invalid,
      `quarantined event ${quarantine_id} still does not validate: ${issues}`,
      { field: 'id' },
    );
  }
  const source =
    row.source_topic === null
      ? null
      : { topic: row.source_topic, partition: row.source_partition!, offset: row.source_offset! };
  const stored = await storeEvents(session, [{ event: parsed.event, source }]);
  if (stored.conflicts.length > 0) {
    throw auditError(
      audit_error_codes.quarantine_release_conflict,
      `event ${parsed.event.id} is stored meanwhile with other content`,
      { field: 'id' },
    );
  }
  const reason = release_reason.slice(0, reason_length_max);
  await session.query(
    'update quarantined_events set released_at = now(), release_reason = $2 where quarantine_id = $1',
    [quarantine_id, reason],
  );
  await appendAuditEntriesInTransaction(session, [
    { kind: 'event_released', payload: { quarantine_id, event_id: parsed.event.id, reason } },
  ]);
  return { event_id: parsed.event.id };
}

function parseOriginal(original: string): unknown {
  try {
    return JSON.parse(original);
  } catch {
    return original;
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
