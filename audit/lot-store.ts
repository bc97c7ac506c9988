// Reading the derived lot tables of the audit store (`lots`, `disposals`) a page at a time. They
// are what the streaming fold wrote (fold-store.ts: writeFoldOutput, rewound from a time when a
// late event re-folds); here they are only read. Quantities and money come back as exact decimal strings
// (numeric::text), times as ISO-8601 UTC with milliseconds.
import type { Queryable } from '../platform/postgres.js';

/** A row of `lots`: an acquisition (or a lot moved in by a transfer) and what remains of it. */
export type StoredLot = {
  lot_id: string;
  pool: string;
  asset: string;
  acquired_at: string;
  acquisition_event_id: string;
  quantity: string;
  remaining_quantity: string;
  /** Null when unknown (missing basis or unpriced): never zero silently. */
  cost_basis: string | null;
  currency: string;
  basis_source: string | null;
};

/** A row of `disposals`: one lot's part of a disposal, or a quantity disposed of with no lot (missing_basis). */
export type StoredDisposal = {
  disposal_id: string;
  disposal_event_id: string;
  lot_id: string | null;
  pool: string;
  asset: string;
  disposed_at: string;
  acquired_at: string | null;
  quantity: string;
  proceeds: string | null;
  cost_basis: string | null;
  gain: string | null;
  currency: string;
  holding_period: 'short' | 'long' | null;
  missing_basis: boolean;
};

/** `open` true: lots with quantity remaining; false: fully disposed ones; absent: all. */
export type LotFilter = { open?: boolean; pool?: string; asset?: string };
/** Disposals in [from, to) by disposal time, of a pool and asset; every field optional. */
export type DisposalFilter = { from?: string; to?: string; pool?: string; asset?: string };
/** A page's sort key: a time (acquisition or disposal, ISO-8601 UTC with ms), then the row's id. */
export type LotTableKey = readonly [time: string, id: string];

type LotRow = Omit<StoredLot, 'acquired_at'> & { acquired_at: Date };
type DisposalRow = Omit<StoredDisposal, 'disposed_at' | 'acquired_at'> & {
  disposed_at: Date;
  acquired_at: Date | null;
};

/** Up to `rows_max` lots after `after`, in (acquisition time, lot id) order. */
export async function lotsAfter(
  db: Queryable,
  filter: LotFilter,
  after: LotTableKey | undefined,
  rows_max: number,
): Promise<StoredLot[]> {
  const { rows } = await db.query<LotRow>(
    `select lot_id, pool, asset, acquired_at, acquisition_event_id, quantity::text as quantity, remaining_quantity::text as remaining_quantity,
            cost_basis::text as cost_basis, currency, basis_source
       from lots
      where ($1::boolean is null or (remaining_quantity > 0) = $1)
        and ($2::text is null or pool = $2) and ($3::text is null or asset = $3)
        and ($4::timestamptz is null or (acquired_at, lot_id) > ($4::timestamptz, $5::text))
      order by acquired_at, lot_id
      limit $6`,
    [filter.open ?? null, filter.pool ?? null, filter.asset ?? null, after?.[0] ?? null, after?.[1] ?? null, rows_max],
  );
  return rows.map((row) => ({ ...row, acquired_at: row.acquired_at.toISOString() }));
}

/** Up to `rows_max` disposals after `after`, in (disposal time, disposal id) order. */
export async function disposalsAfter(
  db: Queryable,
  filter: DisposalFilter,
  after: LotTableKey | undefined,
  rows_max: number,
): Promise<StoredDisposal[]> {
  const { rows } = await db.query<DisposalRow>(
    `select disposal_id, disposal_event_id, lot_id, pool, asset, disposed_at, acquired_at, quantity::text as quantity, proceeds::text as proceeds,
            cost_basis::text as cost_basis, gain::text as gain, currency, holding_period, missing_basis
       from disposals
      where ($1::timestamptz is null or disposed_at >= $1) and ($2::timestamptz is null or disposed_at < $2)
        and ($3::text is null or pool = $3) and ($4::text is null or asset = $4)
        and ($5::timestamptz is null or (disposed_at, disposal_id) > ($5::timestamptz, $6::text))
      order by disposed_at, disposal_id
      limit $7`,
    [
      filter.from ?? null,
      filter.to ?? null,
      filter.pool ?? null,
      filter.asset ?? null,
      after?.[0] ?? null,
      after?.[1] ?? null,
      rows_max,
    ],
  );
  return rows.map((row) => ({
    ...row,
    disposed_at: row.disposed_at.toISOString(),
    acquired_at: row.acquired_at?.toISOString() ?? null,
  }));
}
