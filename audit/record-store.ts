// Reading trade records from the audit store (table `trade_records`): one version of a record, or
// the current records a page at a time. The seal writes them (audit-store.ts: storeChangedRecords,
// linkRecordsToAudit); a changed record is a new version, never an edit.
import type { Queryable } from '../platform/postgres.js';
import type { TradeRecord } from './trade-records.js';

/** A row of `trade_records`: one version of one trade's record, and where it sits in the audit chain. */
export type StoredTradeRecord = {
  trade_id: string;
  version: number;
  is_current: boolean;
  superseded_by: number | null;
  record_hash: string;
  /** The audit log entry that sealed this version; null only between its insert and its link. */
  audit_sequence: number | null;
  record: TradeRecord;
};

/** Current records of a venue, account and opening-time range [from, to); every field optional. */
export type TradeRecordFilter = { venue?: string; account?: string; from?: string; to?: string };
/** A page's sort key: the trade's opening time (ISO-8601 UTC with ms), then its id. */
export type TradeRecordKey = readonly [trade_time: string, trade_id: string];

type Row = Omit<StoredTradeRecord, 'audit_sequence'> & { audit_sequence: string | null; trade_time: Date };

// The sequence is bigint in the table: read as text, whatever int8 parser the process set.
const columns =
  'trade_id, version, is_current, superseded_by, record_hash, audit_sequence::text as audit_sequence, record, trade_time';

/** The current version of a trade's record, or the given version; null when there is none. */
export async function loadTradeRecord(
  db: Queryable,
  trade_id: string,
  version?: number,
): Promise<StoredTradeRecord | null> {
  const { rows } =
    version === undefined
      ? await db.query<Row>(`select ${columns} from trade_records where trade_id = $1 and is_current`, [trade_id])
      : await db.query<Row>(`select ${columns} from trade_records where trade_id = $1 and version = $2`, [
          trade_id,
          version,
        ]);
  return rows[0] === undefined ? null : storedRecord(rows[0]);
}

/**
 * Up to `rows_max` current records after `after`, in (opening time, trade id) order, each with its
 * sort key for the next page.
 */
export async function currentTradeRecordsAfter(
  db: Queryable,
  filter: TradeRecordFilter,
  after: TradeRecordKey | undefined,
  rows_max: number,
): Promise<{ key: TradeRecordKey; stored: StoredTradeRecord }[]> {
  const { rows } = await db.query<Row>(
    `select ${columns} from trade_records
      where is_current
        and ($1::text is null or venue = $1) and ($2::text is null or account = $2)
        and ($3::timestamptz is null or trade_time >= $3) and ($4::timestamptz is null or trade_time < $4)
        and ($5::timestamptz is null or (trade_time, trade_id) > ($5::timestamptz, $6::text))
      order by trade_time, trade_id
      limit $7`,
    [
      filter.venue ?? null,
      filter.account ?? null,
      filter.from ?? null,
      filter.to ?? null,
      after?.[0] ?? null,
      after?.[1] ?? null,
      rows_max,
    ],
  );
  return rows.map((row) => ({ key: [row.trade_time.toISOString(), row.trade_id] as const, stored: storedRecord(row) }));
}

function storedRecord(row: Row): StoredTradeRecord {
  return {
    trade_id: row.trade_id,
    version: row.version,
    is_current: row.is_current,
    superseded_by: row.superseded_by,
    record_hash: row.record_hash,
    audit_sequence: row.audit_sequence === null ? null : Number(row.audit_sequence),
    record: row.record,
  };
}
