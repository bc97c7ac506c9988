// Reading a file of canonical events (JSON Lines). A bad line never stops the file: it is
// reported with its line number and the reading goes on, so one typo cannot hide a day of fills.
// Lines are read as bytes by `platform/line-file.ts` (bounded, a byte-order mark skipped, a line
// that is not UTF-8 rejected, never repaired with U+FFFD) and each is decoded by `decodeEvent`,
// the decoder every Kafka message goes through.
import { readFileLines } from '../platform/line-file.js';
import { engine_error_codes } from './engine-errors.js';
import { decodeEvent, event_length_max, type DecodedEvent } from './event-decode.js';
import type { KeelEvent } from './event-schema.js';
import { rejections_listed_max } from './rejections.js';

export type EventLine = DecodedEvent & { line: number };
/** A line of a file that is not a valid event: where, which event when it could tell, and why. */
export type Rejection = { line: number; id: string | null; reason: string };

/**
 * Every non-blank line of the file decoded as an event, numbered from 1, in order. A line longer
 * than `line_bytes_max` (default: the longest event) or not UTF-8 is a rejection, and reading goes
 * on; a missing file or a directory is a coded error (platform/line-file.ts).
 */
export async function* readEventFile(file_path: string, line_bytes_max = event_length_max): AsyncGenerator<EventLine> {
  for await (const read of readFileLines(file_path, line_bytes_max)) {
    if (!read.ok)
      yield {
        ok: false,
        id: undefined,
        code: engine_error_codes.event_malformed,
        reason: read.reason,
        line: read.line,
      };
    else if (read.text.trim().length > 0) yield { ...decodeEvent(read.text), line: read.line };
  }
}

/** Every event of a file that must be valid throughout (examples, fixtures): the first bad line is an error naming it. */
export async function readValidEventFile(file_path: string): Promise<KeelEvent[]> {
  const events: KeelEvent[] = [];
  for await (const line of readEventFile(file_path)) {
    if (!line.ok) throw new Error(`${file_path} line ${line.line}: ${line.reason}`);
    events.push(line.event);
  }
  return events;
}

/** The valid events of a file, and its bad lines (listed up to `rejections_listed_max`, then counted). */
export async function readEvents(
  file_path: string,
): Promise<{ events: KeelEvent[]; rejections: Rejection[]; rejections_not_listed: number }> {
  const events: KeelEvent[] = [];
  const rejections: Rejection[] = [];
  let rejections_not_listed = 0;
  for await (const line of readEventFile(file_path)) {
    if (line.ok) events.push(line.event);
    else if (rejections.length < rejections_listed_max)
      rejections.push({ line: line.line, id: line.id ?? null, reason: line.reason });
    else rejections_not_listed += 1;
  }
  return { events, rejections, rejections_not_listed };
}
