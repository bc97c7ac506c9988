// The audit storing step, shared by the Kafka audit consumer and the embedded pipeline: a batch
// of inputs as read is decoded by the engine's decoder (so a message the engine dead-letters is
// never stored here, I2), its valid events are stored once each, and every conflict (an id
// repeated with other content) is appended to the audit log, all in ONE transaction: a failure
// anywhere leaves neither events nor entries behind, and the batch is read again.
import { decodeEvent } from '../engine/event-decode.js';
import type { KeelEvent } from '../engine/event-schema.js';
import { inTransaction, type Session } from '../platform/postgres.js';
import { appendAuditEntriesInTransaction } from './audit-log.js';
import { storeEvents, type EventSource, type StoredEvents } from './audit-store.js';

/** One input as read: the message value (or log record) and where it was read. */
export type StoreInput = { value: Uint8Array | string | null; source: EventSource };

/** What was stored, and the latest event time among the batch's valid events (the consumer's position in event time). */
export type StoredBatch = StoredEvents & { latest_event_time_ms: number };

export async function storeBatch(session: Session, inputs: readonly StoreInput[]): Promise<StoredBatch> {
  const items: { event: KeelEvent; source: EventSource }[] = [];
  for (const input of inputs) {
    const decoded = decodeEvent(input.value);
    // Invalid events are the posting engine's to dead-letter; the audit store keeps valid ones only.
    if (decoded.ok) items.push({ event: decoded.event, source: input.source });
  }
  return inTransaction(session, async () => {
    const stored = await storeEvents(session, items);
    // Each conflict is recorded as of its own event time, so a replay writes the same entry.
    for (const conflict of stored.conflicts) {
      await appendAuditEntriesInTransaction(session, [{ kind: 'event_conflict', payload: conflict }], { recorded_at: conflict.event_time });
    }
    const latest_event_time_ms = items.reduce((latest, item) => Math.max(latest, Date.parse(item.event.time)), Number.NEGATIVE_INFINITY);
    return { ...stored, latest_event_time_ms };
  });
}
