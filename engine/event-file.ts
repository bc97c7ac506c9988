// Reading a file of canonical events (JSON Lines). A bad line never stops the file: it is
// reported with its line number and the reading goes on, so one typo cannot hide a day of fills.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { engine_error_codes } from './engine-errors.js';
import { describeIssues, parseEvent, type KeelEvent } from './event-schema.js';

/** A line longer than this is rejected unread: no canonical event comes near it. */
export const line_length_max = 1024 * 1024;

/** A validated event, or why the text is not one (with the event id when it could be read). */
export type DecodedEvent = { ok: true; event: KeelEvent } | { ok: false; id: string | undefined; code: string; reason: string };
export type EventLine = DecodedEvent & { line: number };
/** A line of a file that is not a valid event: where, which event when it could tell, and why. */
export type Rejection = { line: number; id: string | null; reason: string };

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

/** Every non-blank line of the file, numbered from 1, in order. */
export async function* readEventFile(file_path: string): AsyncGenerator<EventLine> {
  const lines = createInterface({ input: createReadStream(file_path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (text.trim().length === 0) continue;
    yield parseEventLine(text, line);
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

/** Rejections listed by `readEvents`; beyond, they are only counted. */
export const rejections_listed_max = 10_000;

/** The valid events of a file, and its bad lines (listed up to `rejections_listed_max`, then counted). */
export async function readEvents(file_path: string): Promise<{ events: KeelEvent[]; rejections: Rejection[]; rejections_not_listed: number }> {
  const events: KeelEvent[] = [];
  const rejections: Rejection[] = [];
  let rejections_not_listed = 0;
  for await (const line of readEventFile(file_path)) {
    if (line.ok) events.push(line.event);
    else if (rejections.length < rejections_listed_max) rejections.push({ line: line.line, id: line.id ?? null, reason: line.reason });
    else rejections_not_listed += 1;
  }
  return { events, rejections, rejections_not_listed };
}
