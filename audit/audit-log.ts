// The audit log in PostgreSQL (table `audit_log`, migrations/0001_audit_store.sql): appending
// under a lock so that concurrent appenders extend one chain, reading the head, and verifying the
// whole chain in bounded batches. The hashing itself is pure, in audit/audit-chain.ts.
import type { Session } from '../platform/postgres.js';
import { inTransaction } from '../platform/postgres.js';
import { audit_error_codes, auditError } from './audit-errors.js';
import {
  chainEntries,
  ChainVerifier,
  genesis_hash,
  type AuditEntry,
  type ChainAnchor,
  type ChainReport,
  type JsonValue,
} from './audit-chain.js';

export type NewAuditEntry = { kind: string; payload: unknown };
export type AuditHead = { sequence: number; entry_hash: string };

export const audit_log_defaults = {
  /** How long an appender waits for another to finish before giving up. */
  lock_timeout_ms: 10_000,
  verify_batch_rows: 1_000,
} as const;
const verify_batch_rows_max = 10_000;

/** Appends entries as one transaction on `session` (which must not be inside one already). */
export type AppendOptions = {
  lock_timeout_ms?: number;
  /**
   * The time written (and hashed) with the entries. Default: the database's clock. A consumer
   * that must rebuild the same chain on a replay passes a time derived from its input instead.
   */
  recorded_at?: string;
};

export async function appendAuditEntries(
  session: Session,
  entries: readonly NewAuditEntry[],
  options: AppendOptions = {},
): Promise<AuditEntry[]> {
  if (entries.length === 0) return [];
  return inTransaction(session, () => appendAuditEntriesInTransaction(session, entries, options));
}

/**
 * Appends entries inside the caller's transaction, so that a consumer can store an event, its
 * trade record and their audit entries atomically. The exclusive table lock (readers still read)
 * makes appenders take turns: each computes its links from the head the previous one committed.
 * The lock and its `lock_timeout` last until the caller's transaction ends: keep it short.
 */
export async function appendAuditEntriesInTransaction(
  session: Session,
  entries: readonly NewAuditEntry[],
  options: AppendOptions = {},
): Promise<AuditEntry[]> {
  if (entries.length === 0) return [];
  const lock_timeout_ms = options.lock_timeout_ms ?? audit_log_defaults.lock_timeout_ms;
  assertWholeNumber(lock_timeout_ms, 'lock_timeout_ms', 1, 600_000);
  await session.query(`set local lock_timeout = ${lock_timeout_ms}`);
  await session.query('lock table audit_log in exclusive mode');
  const head = await auditHead(session);
  const chained = chainEntries(head, entries, options.recorded_at ?? (await databaseNow(session)));
  const inserted = await insertEntries(session, chained);
  if (inserted !== chained.length) throw new Error(`audit log append: inserted ${inserted} rows of ${chained.length}`);
  return chained;
}

/** The last entry's sequence and hash; sequence 0 and 64 zeros when the log is empty. */
export async function auditHead(session: Session): Promise<AuditHead> {
  // Sequences are read as text (whatever int8 parser the process set) and ordered by the table's
  // column, named in full: a bare `order by sequence` would sort the text output column.
  const { rows } = await session.query<{ sequence: string; entry_hash: string }>(
    'select sequence::text, entry_hash from audit_log order by audit_log.sequence desc limit 1',
  );
  const row = rows[0];
  if (row === undefined) return { sequence: 0, entry_hash: genesis_hash };
  return { sequence: sequenceNumber(row.sequence), entry_hash: row.entry_hash };
}

/** The database's clock, to the millisecond the hash covers: one clock for every appending host. */
async function databaseNow(session: Session): Promise<string> {
  const { rows } = await session.query<{ now: Date }>(`select date_trunc('milliseconds', clock_timestamp()) as now`);
  return rows[0]!.now.toISOString();
}

async function insertEntries(session: Session, chained: AuditEntry[]): Promise<number> {
  // One statement for the whole batch; rows go in sequence order, which the insert trigger checks.
  const result = await session.query(
    `insert into audit_log (sequence, kind, entry, previous_hash, entry_hash, recorded_at)
     select sequence, kind, entry, previous_hash, entry_hash, recorded_at
       from unnest($1::bigint[], $2::text[], $3::jsonb[], $4::text[], $5::text[], $6::timestamptz[])
              with ordinality as batch (sequence, kind, entry, previous_hash, entry_hash, recorded_at, position)
      order by position`,
    [
      chained.map((entry) => String(entry.sequence)),
      chained.map((entry) => entry.kind),
      chained.map((entry) => JSON.stringify(entry.payload)),
      chained.map((entry) => entry.previous_hash),
      chained.map((entry) => entry.entry_hash),
      chained.map((entry) => entry.recorded_at),
    ],
  );
  return result.rowCount ?? 0;
}

export type VerifyOptions = {
  batch_rows?: number;
  /** A head recorded earlier (e.g. published elsewhere): the chain must still contain it, unchanged. */
  anchor?: ChainAnchor;
  on_progress?: (progress: { entries: number; sequence: number }) => void;
};

/**
 * Reads the whole log in sequence order, `batch_rows` at a time (keyset pagination: memory stays
 * bounded however long the log), in one read-only snapshot so concurrent appends cannot tear the
 * view, and checks every link and hash. Reports the first problem at its exact position.
 * `session` must not be inside a transaction: the snapshot is this function's own.
 */
export async function verifyAuditChain(session: Session, options: VerifyOptions = {}): Promise<ChainReport> {
  const batch_rows = options.batch_rows ?? audit_log_defaults.verify_batch_rows;
  assertWholeNumber(batch_rows, 'batch_rows', 1, verify_batch_rows_max);
  const verifier = new ChainVerifier(options.anchor);
  let entries = 0;
  await inTransaction(
    session,
    async () => {
      for await (const batch of readAuditBatches(session, batch_rows)) {
        for (const entry of batch) verifier.push(entry);
        entries += batch.length;
        options.on_progress?.({ entries, sequence: batch[batch.length - 1]!.sequence });
      }
    },
    'begin isolation level repeatable read read only',
  );
  return verifier.finish();
}

type StoredRow = {
  sequence: string;
  kind: string;
  entry: JsonValue;
  previous_hash: string;
  entry_hash: string;
  recorded_at: Date;
  row_position: string;
};

/**
 * Batches of stored entries in sequence order. The key is (sequence, ctid), not sequence alone:
 * someone able to drop the primary key could store two rows with one sequence, and paging by
 * sequence alone would skip the second one instead of showing it.
 */
export async function* readAuditBatches(session: Session, batch_rows: number): AsyncGenerator<AuditEntry[]> {
  let after: { sequence: string; row_position: string } = { sequence: '0', row_position: '(0,0)' };
  for (;;) {
    const { rows } = await session.query<StoredRow>(
      `select sequence::text, kind, entry, previous_hash, entry_hash, recorded_at, ctid::text as row_position
         from audit_log
        where sequence >= $1::bigint and (sequence, ctid) > ($1::bigint, $2::tid)
        order by audit_log.sequence, audit_log.ctid
        limit $3`,
      [after.sequence, after.row_position, batch_rows],
    );
    if (rows.length === 0) return;
    yield rows.map(storedEntry);
    const last = rows[rows.length - 1]!;
    after = { sequence: last.sequence, row_position: last.row_position };
    if (rows.length < batch_rows) return;
  }
}

function storedEntry(row: StoredRow): AuditEntry {
  return {
    sequence: sequenceNumber(row.sequence),
    kind: row.kind,
    payload: row.entry,
    previous_hash: row.previous_hash,
    entry_hash: row.entry_hash,
    recorded_at: row.recorded_at.toISOString(),
  };
}

/** Sequences are bigint in the table; past 2^53 a JS number would silently round, so that is refused. */
function sequenceNumber(text: string): number {
  const sequence = Number(text);
  if (!Number.isSafeInteger(sequence))
    throw auditError(audit_error_codes.log_row_invalid, `audit log sequence ${text} is beyond 2^53`);
  return sequence;
}

function assertWholeNumber(value: number, name: string, minimum: number, maximum: number): void {
  if (!Number.isInteger(value) || value < minimum || value > maximum)
    throw new RangeError(`${name} ${value} not a whole number in ${minimum}..${maximum}`);
}
