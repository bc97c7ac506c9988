// The audit storing step, shared by the Kafka audit consumer and the embedded pipeline: a batch
// of inputs as read is decoded by the engine's decoder (so a message the engine dead-letters is
// never stored here, I2), its valid events are stored once each, and every conflict (an id
// repeated with other content) is appended to the audit log, all in ONE transaction: a failure
// anywhere leaves neither events nor entries behind, and the batch is read again. When PostgreSQL
// refuses the batch for its data (not for being unavailable), the events are stored one by one and
// the ones it refuses are quarantined with its reason (`quarantine-store.ts`): the others are kept.
import { decodeEvent } from '../engine/event-decode.js';
import type { KeelEvent } from '../engine/event-schema.js';
import { describeError } from '../platform/errors.js';
import { inTransaction, type Session } from '../platform/postgres.js';
import { audit_error_codes } from './audit-errors.js';
import { appendAuditEntriesInTransaction } from './audit-log.js';
import { storeEvents, type EventSource, type StoredEvents } from './audit-store.js';
import { quarantine } from './quarantine-store.js';

/** One input as read: the message value (or log record) and where it was read. */
export type StoreInput = { value: Uint8Array | string | null; source: EventSource };

/** What was stored, quarantined, and the latest event time among the batch's valid events (the consumer's position in event time). */
export type StoredBatch = StoredEvents & { latest_event_time_ms: number; quarantined: number };

type StoreItem = { event: KeelEvent; source: EventSource };

/** SQLSTATE classes of a statement refused for its data: data exception, integrity constraint, program limit. */
const data_error_classes = new Set(['22', '23', '54']);

function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length === 5 && data_error_classes.has(code.slice(0, 2));
}

export async function storeBatch(session: Session, inputs: readonly StoreInput[]): Promise<StoredBatch> {
  const items: StoreItem[] = [];
  for (const input of inputs) {
    const decoded = decodeEvent(input.value);
    // Invalid events are the posting engine's to dead-letter; the audit store keeps valid ones only.
    if (decoded.ok) items.push({ event: decoded.event, source: input.source });
  }
  const latest_event_time_ms = items.reduce(
    (latest, item) => Math.max(latest, Date.parse(item.event.time)),
    Number.NEGATIVE_INFINITY,
  );
  try {
    return {
      ...(await inTransaction(session, () => storeItems(session, items))),
      latest_event_time_ms,
      quarantined: 0,
    };
  } catch (error) {
    if (!isDataError(error)) throw error;
    return { ...(await inTransaction(session, () => storeOneByOne(session, items))), latest_event_time_ms };
  }
}

async function storeItems(session: Session, items: readonly StoreItem[]): Promise<StoredEvents> {
  const stored = await storeEvents(session, items);
  // Each conflict is recorded as of its own event time, so a replay writes the same entry.
  for (const conflict of stored.conflicts) {
    await appendAuditEntriesInTransaction(session, [{ kind: 'event_conflict', payload: conflict }], {
      recorded_at: conflict.event_time,
    });
  }
  return stored;
}

/** Each event behind its own savepoint: one PostgreSQL refuses is quarantined, as of its event time, and the next is stored. */
async function storeOneByOne(
  session: Session,
  items: readonly StoreItem[],
): Promise<StoredEvents & { quarantined: number }> {
  const total = { stored: 0, duplicates: 0, conflicts: [] as StoredEvents['conflicts'], quarantined: 0 };
  for (const item of items) {
    await session.query('savepoint keel_store_one');
    try {
      const stored = await storeItems(session, [item]);
      await session.query('release savepoint keel_store_one');
      total.stored += stored.stored;
      total.duplicates += stored.duplicates;
      total.conflicts.push(...stored.conflicts);
    } catch (error) {
      if (!isDataError(error)) throw error;
      await session.query('rollback to savepoint keel_store_one');
      const entry = {
        code: audit_error_codes.event_unstorable,
        reason: `PostgreSQL refused it: ${describeError(error)}`,
        original: JSON.stringify(item.event),
        source: item.source,
        from_store_id: null,
      };
      await quarantine(session, entry, item.event.time);
      total.quarantined += 1;
    }
  }
  return total;
}
