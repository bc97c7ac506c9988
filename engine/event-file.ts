// Reading a file of canonical events (JSON Lines). A bad line never stops the file: it is
// reported with its line number and the reading goes on, so one typo cannot hide a day of fills.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { engine_error_codes } from './engine-errors.js';
import { describeIssues, parseEvent, type KeelEvent } from './event-schema.js';
import { storableExcerpt } from './event-shape.js';

/** A line longer than this is rejected unread: no canonical event comes near it. */
export const line_length_max = 1024 * 1024;
const json_error_length_max = 200;

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
    // The parser's message quotes the input, which may hold NUL or a lone surrogate.
    const message = storableExcerpt((error as Error).message, json_error_length_max);
    return { ok: false, id: undefined, code: engine_error_codes.event_malformed, reason: `malformed JSON: ${message}` };
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
