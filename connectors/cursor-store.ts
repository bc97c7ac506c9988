// Where each stream of a venue account has got to. A cursor is advanced only after Kafka
// acknowledged the events it covers, so a crash re-reads at most one page, and re-reading is a
// no-op downstream (stable ids). Positions are kept per ccxt request of the stream (one per symbol
// or currency where the venue pages them separately).
import { z } from 'zod';
import { connector_error_codes, connectorError } from './connector-errors.js';
import type { StreamName } from './venue-mapping.js';

/**
 * Read again from `since_ms` (inclusive, since venues answer inclusively and several records can
 * share a millisecond); `seen` holds the records at or after it that were already handled, with
 * their times, so they are not published twice.
 */
export type CursorPosition = { since_ms: number; seen: Record<string, number> };
export type StreamCursor = { positions: Record<string, CursorPosition> };

/** Bounds the records remembered per position (a pending deposit holds the position back). */
export const seen_records_max = 50_000;

export const stream_cursor_schema = z.strictObject({
  positions: z.record(
    z.string().max(512),
    z.strictObject({
      since_ms: z.number().int().min(0),
      seen: z.record(z.string().max(1024), z.number().int().min(0)),
    }),
  ),
});

export interface CursorStore {
  get(venue: string, account: string, stream: StreamName): Promise<StreamCursor | undefined>;
  set(venue: string, account: string, stream: StreamName, cursor: StreamCursor): Promise<void>;
}

export function parseStreamCursor(value: unknown, where: string): StreamCursor {
  const parsed = stream_cursor_schema.safeParse(value);
  if (!parsed.success)
    throw connectorError(
      connector_error_codes.cursor_invalid,
      `cursor ${where}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  return parsed.data;
}

/** For tests and replays: the same contract, kept in memory (copies in and out, like a database). */
export class MemoryCursorStore implements CursorStore {
  private readonly cursors = new Map<string, string>();

  async get(venue: string, account: string, stream: StreamName): Promise<StreamCursor | undefined> {
    const stored = this.cursors.get(this.key(venue, account, stream));
    return stored === undefined ? undefined : parseStreamCursor(JSON.parse(stored), this.key(venue, account, stream));
  }

  async set(venue: string, account: string, stream: StreamName, cursor: StreamCursor): Promise<void> {
    this.cursors.set(
      this.key(venue, account, stream),
      JSON.stringify(parseStreamCursor(cursor, this.key(venue, account, stream))),
    );
  }

  private key(venue: string, account: string, stream: StreamName): string {
    return JSON.stringify([venue, account, stream]);
  }
}
