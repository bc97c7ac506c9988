// Cursors in PostgreSQL (table `connector_cursors`, read and written by audit/cursor-store.ts): one
// row per (venue, account, stream). Written with an upsert after Kafka acknowledged the page, so
// the row always points at or before what is durable in the log.
import { readCursor, writeCursor } from '../audit/cursor-store.js';
import type { Pool } from '../platform/postgres.js';
import { parseStreamCursor, type CursorStore, type StreamCursor } from './cursor-store.js';
import type { StreamName } from './venue-mapping.js';

export class PostgresCursorStore implements CursorStore {
  constructor(private readonly pool: Pool) {}

  async get(venue: string, account: string, stream: StreamName): Promise<StreamCursor | undefined> {
    const stored = await readCursor(this.pool, { venue, account, stream });
    return stored === undefined ? undefined : parseStreamCursor(stored, `${venue}/${account}/${stream}`);
  }

  async set(venue: string, account: string, stream: StreamName, cursor: StreamCursor): Promise<void> {
    const checked = parseStreamCursor(cursor, `${venue}/${account}/${stream}`);
    const written = await writeCursor(this.pool, { venue, account, stream }, checked);
    // One row written, or the cursor did not move and a restart would re-read more than it should.
    if (written !== 1) throw new Error(`cursor ${venue}/${account}/${stream}: ${written} rows written, expected 1`);
  }
}
