// Decoding one canonical event from the bytes or text it arrived as, beside the schema it is
// checked against. Every way in (a Kafka message, a file line, the in-process log) decodes here,
// so the engine and the audit consumer cannot disagree about a message: bytes that are not UTF-8
// are a coded rejection (never repaired with U+FFFD), then JSON, then the schema. Never throws.
import { engine_error_codes } from './engine-errors.js';
import { describeIssues, parseEvent, type KeelEvent } from './event-schema.js';
import { storableExcerpt } from './event-shape.js';

/** An event longer than this (in characters) is rejected unread: no canonical event comes near it. */
export const event_length_max = 1024 * 1024;

/** A validated event, or why the input is not one (with the event id when it could be read). */
export type DecodedEvent =
  { ok: true; event: KeelEvent } | { ok: false; id: string | undefined; code: string; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** How much of the JSON parser's message a rejection quotes. */
const json_error_length_max = 200;

/** Decodes one event from a message value or a line: bytes must be UTF-8, nothing (null) is a rejection. */
export function decodeEvent(value: Uint8Array | string | null): DecodedEvent {
  if (value === null) return malformed('empty message (no value)');
  if (typeof value === 'string') return decodeEventText(value);
  const text = utf8Text(value);
  return text === null ? malformed('message value is not UTF-8 text') : decodeEventText(text);
}

/** The bytes as text when they are valid UTF-8, otherwise null: the one UTF-8 rule. */
export function utf8Text(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

function decodeEventText(text: string): DecodedEvent {
  if (text.length > event_length_max)
    return malformed(`event is ${text.length} characters, more than ${event_length_max}`);
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    // The parser's message quotes the input, which may hold NUL or a lone surrogate.
    return malformed(`malformed JSON: ${storableExcerpt((error as Error).message, json_error_length_max)}`);
  }
  const parsed = parseEvent(input);
  if (parsed.ok) return parsed;
  return { ok: false, id: idOf(input), code: engine_error_codes.event_invalid, reason: describeIssues(parsed.issues) };
}

function malformed(reason: string): DecodedEvent {
  return { ok: false, id: undefined, code: engine_error_codes.event_malformed, reason };
}

function idOf(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const id = (input as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}
