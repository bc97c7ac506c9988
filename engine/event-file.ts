// Reading a file of canonical events (JSON Lines). A bad line never stops the file: it is
// reported with its line number and the reading goes on, so one typo cannot hide a day of fills.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { describeIssues, parseEvent, type KeelEvent } from './event-schema.js';

/** A line longer than this is rejected unread: no canonical event comes near it. */
export const line_length_max = 1024 * 1024;

export type EventLine =
  | { ok: true; line: number; event: KeelEvent; text: string }
  | { ok: false; line: number; id: string | undefined; reason: string };

/** Parses one line of a JSONL file into a validated event or a reason (never throws). */
export function parseEventLine(text: string, line: number): EventLine {
  if (text.length > line_length_max) {
    return { ok: false, line, id: undefined, reason: `line is ${text.length} characters, more than ${line_length_max}` };
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    return { ok: false, line, id: undefined, reason: `malformed JSON: ${(error as Error).message}` };
  }
  const parsed = parseEvent(input);
  if (parsed.ok) return { ok: true, line, event: parsed.event, text };
  return { ok: false, line, id: idOf(input), reason: describeIssues(parsed.issues) };
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
