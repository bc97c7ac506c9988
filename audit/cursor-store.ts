// Connector cursors in the audit store (table `connector_cursors`, migrations/0001_audit_store.sql):
// one row per (venue, account, stream), the stream's positions as JSON. What a cursor means and how
// it is validated is the connectors' (connectors/cursor-store.ts); here it is only read and written.
import type { Queryable } from '../platform/postgres.js';

/** Where a cursor is kept: one stream of one venue account. */
export type CursorKey = { venue: string; account: string; stream: string };

/** The stored cursor as it was written (unvalidated JSON), or undefined when there is none yet. */
export async function readCursor(db: Queryable, key: CursorKey): Promise<unknown> {
  const { rows } = await db.query<{ cursor: unknown }>(
    'select cursor from connector_cursors where venue = $1 and account = $2 and stream = $3',
    [key.venue, key.account, key.stream],
  );
  return rows[0]?.cursor;
}

/** Inserts or replaces the cursor; returns how many rows were written (1 unless something is wrong). */
export async function writeCursor(db: Queryable, key: CursorKey, cursor: unknown): Promise<number> {
  const result = await db.query(
    `insert into connector_cursors (venue, account, stream, cursor) values ($1, $2, $3, $4)
     on conflict (venue, account, stream) do update set cursor = excluded.cursor, updated_at = now()`,
    [key.venue, key.account, key.stream, JSON.stringify(cursor)],
  );
  return result.rowCount ?? 0;
}
