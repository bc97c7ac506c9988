// Cursors in PostgreSQL (table `connector_cursors`, migrations/0001_audit_store.sql): one row per
// (venue, account, stream), the stream's positions as JSON. Written with an upsert after Kafka
// acknowledged the page, so the row always points at or before what is durable in the log.
import type { Pool } from '../platform/postgres.js';
import { parseStreamCursor, type CursorStore, type StreamCursor } from './cursor-store.js';
import type { StreamName } from './venue-mapping.js';

export class PostgresCursorStore implements CursorStore {
  constructor(private readonly pool: Pool) {}

  async get(venue: string, account: string, stream: StreamName): Promise<StreamCursor | undefined> {
    const result = await this.pool.query<{ cursor: unknown }>('select cursor from connector_cursors where venue = $1 and account = $2 and stream = $3', [venue, account, stream]);
    const row = result.rows[0];
    return row === undefined ? undefined : parseStreamCursor(row.cursor, `${venue}/${account}/${stream}`);
  }

  async set(venue: string, account: string, stream: StreamName, cursor: StreamCursor): Promise<void> {
    const checked = parseStreamCursor(cursor, `${venue}/${account}/${stream}`);
    const result = await this.pool.query(
      `insert into connector_cursors (venue, account, stream, cursor) values ($1, $2, $3, $4)
       on conflict (venue, account, stream) do update set cursor = excluded.cursor, updated_at = now()`,
      [venue, account, stream, JSON.stringify(checked)],
    );
    // One row written, or the cursor did not move and a restart would re-read more than it should.
    if (result.rowCount !== 1) throw new Error(`cursor ${venue}/${account}/${stream}: ${result.rowCount} rows written, expected 1`);
  }
}
