// Sealing: from the events in the store, recompute lots and trade records, keep the records that
// changed as new versions, and append one audit entry per changed record, all in one transaction.
// The recompute is a pure function of the stored events, so a late event re-matches lots from its
// time on simply by being there; records it changes are superseded, never edited.
//
// Audit entries carry `recorded_at` = the store's event-time watermark, not the wall clock: a
// replay of the same log into an empty store then rebuilds exactly the same chain.
import { getHeapStatistics } from 'node:v8';
import type { AssetRegistry } from '../ledger/asset-registry.js';
import type { Session } from '../platform/postgres.js';
import { audit_error_codes, auditError } from './audit-errors.js';
import { appendAuditEntriesInTransaction, auditHead, type AuditHead } from './audit-log.js';
import {
  changedRecords,
  currentRecordVersions,
  eventWatermark,
  linkRecordsToAudit,
  loadEvents,
  syncLots,
  storeChangedRecords,
  type ChangedRecord,
  type ChangedRecordSummary,
} from './audit-store.js';
import { lotFactsOf, lotReport } from './lot-facts.js';
import { loadPriceRows } from './price-store.js';
import type { LotSettings } from './lots/lot-settings.js';
import { tradeRecords } from './trade-records.js';

export type SealResult = { changed: ChangedRecordSummary[]; head: AuditHead; events: number; lot_rows: { written: number; deleted: number } };
export type SealOptions = { events_max?: number };

/**
 * Heap a seal needs per stored event: events, lot report, the lot tables' rows and the records
 * being hashed, measured at about 9 KB on generated mixed events (100,000 in PostgreSQL).
 */
const seal_heap_bytes_per_event = 10 * 1024;

/** The most events a seal takes on by default: as many as the process's heap limit holds. */
export function sealEventsMaxDefault(): number {
  return Math.floor(getHeapStatistics().heap_size_limit / seal_heap_bytes_per_event);
}

/** Changed records are stored, chained and published this many at a time. */
const seal_chunk_records = 1_000;

/**
 * Recomputes and stores; `before_commit` runs inside the transaction once per chunk of changed
 * records (publishing, so a failed publish rolls the whole seal back).
 */
export async function seal(
  session: Session,
  registry: AssetRegistry,
  settings: Partial<LotSettings>,
  before_commit: (changed: readonly ChangedRecord[]) => Promise<void> = async () => undefined,
  options: SealOptions = {},
): Promise<SealResult> {
  await session.query('begin');
  try {
    // One sealer at a time: two would compute versions from the same current records.
    await session.query('select pg_advisory_xact_lock(7241900002)');
    await assertSealFits(session, options.events_max ?? sealEventsMaxDefault());
    const events = await loadEvents(session);
    const report = lotReport(events, settings, await loadPriceRows(session, settings.reporting_currency ?? 'USD'));
    const lot_rows = await syncLots(session, report, new Map(events.map((event) => [event.id, event.time])));
    const watermark = (await eventWatermark(session)) ?? new Date(0).toISOString();
    const changed = changedRecords(tradeRecords(events, lotFactsOf(report), registry), await currentRecordVersions(session));
    const summaries: ChangedRecordSummary[] = [];
    for (const chunk of chunks(changed, seal_chunk_records)) {
      await storeChangedRecords(session, chunk);
      const entries = await appendAuditEntriesInTransaction(
        session,
        chunk.map((entry) => ({
          kind: 'trade_record',
          payload: { trade_id: entry.trade_id, version: entry.version, record_hash: entry.record_hash, supersedes: entry.version > 1 ? entry.version - 1 : null },
        })),
        { recorded_at: watermark },
      );
      await linkRecordsToAudit(session, chunk.map((entry, index) => ({ trade_id: entry.trade_id, version: entry.version, sequence: entries[index]!.sequence })));
      await before_commit(chunk);
      for (const { trade_id, version, record_hash } of chunk) summaries.push({ trade_id, version, record_hash });
    }
    const head = await auditHead(session);
    await session.query('commit');
    return { changed: summaries, head, events: events.length, lot_rows };
  } catch (error) {
    await session.query('rollback');
    throw error;
  }
}

/**
 * A seal recomputes from every stored event in memory: past the limit it stops with a coded error
 * saying what to raise, rather than run the process out of heap mid-seal.
 */
async function assertSealFits(session: Session, events_max: number): Promise<void> {
  const { rows } = await session.query<{ events: string }>('select count(*)::text as events from events');
  const stored = Number(rows[0]!.events);
  if (stored > events_max) {
    throw auditError(
      audit_error_codes.too_many_events,
      `the audit store holds ${stored} events, more than the ${events_max} one seal may recompute in memory; ` +
        'raise the heap (NODE_OPTIONS=--max-old-space-size=MiB, the default limit follows it) or KEEL_AUDIT_SEAL_EVENTS_MAX',
    );
  }
}

function* chunks<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let chunk: T[] = [];
  for (const item of items) {
    chunk.push(item);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}
