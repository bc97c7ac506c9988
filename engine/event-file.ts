// Reading a file of canonical events (JSON Lines). A bad line never stops the file: it is
// reported with its line number and the reading goes on, so one typo cannot hide a day of fills.
import { readFileLines } from '../platform/line-file.js';
import { engine_error_codes } from './engine-errors.js';
import { describeIssues, parseEvent, type KeelEvent } from './event-schema.js';

/** A line longer than this is rejected unread: no canonical event comes near it. */
export const line_length_max = 1024 * 1024;

/** A validated event, or why the text is not one (with the event id when it could be read). */
export type DecodedEvent = { ok: true; event: KeelEvent } | { ok: false; id: string | undefined; code: string; reason: string };
export type EventLine = DecodedEvent & { line: number };

/** Decodes one event from its JSON text: the same rules for a file line and a Kafka message. Never throws. */
export function decodeEvent(text: string): DecodedEvent {
  if (text.length > line_length_max) {
    return { ok: false, id: undefined, code: engine_error_codes.event_malformed, reason: `event is ${text.length} characters, more than ${line_length_max}` };
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    return { ok: false, id: undefined, code: engine_error_codes.event_malformed, reason: `malformed JSON: ${(error as Error).message}` };
  }
  const parsed = parseEvent(input);
  if (parsed.ok) return parsed;
  return { ok: false, id: idOf(input), code: engine_error_codes.event_invalid, reason: describeIssues(parsed.issues) };
}

export function parseEventLine(text: string, line: number): EventLine {
  return { ...decodeEvent(text), line };
}

/**
 * Every non-blank line of the file, numbered from 1, in order. A line longer than `line_bytes_max`
 * (default: the longest event) or not UTF-8 is a rejection, and reading goes on; a missing file or
 * a directory is a coded error (platform/line-file.ts).
 */
export async function* readEventFile(file_path: string, line_bytes_max = line_length_max): AsyncGenerator<EventLine> {
  for await (const read of readFileLines(file_path, line_bytes_max)) {
    if (!read.ok) yield { ok: false, id: undefined, code: engine_error_codes.event_malformed, reason: read.reason, line: read.line };
    else if (read.text.trim().length > 0) yield parseEventLine(read.text, read.line);
  }
}

function idOf(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const id = (input as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
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
