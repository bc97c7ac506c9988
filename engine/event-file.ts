// Reading a file of canonical events (JSON Lines). A bad line never stops the file: it is
// reported with its line number and the reading goes on, so one typo cannot hide a day of fills.
// Lines are split as bytes and each is decoded by `decodeEvent`, so a line that is not UTF-8 is
// rejected with the same code as such a Kafka message instead of being read with U+FFFD in it.
import { createReadStream } from 'node:fs';
import { decodeEvent, type DecodedEvent } from './event-decode.js';
import type { KeelEvent } from './event-schema.js';
import { rejections_listed_max } from './rejections.js';

export type EventLine = DecodedEvent & { line: number };
export type FileLine = { line: number; bytes: Buffer };
/** A line of a file that is not a valid event: where, which event when it could tell, and why. */
export type Rejection = { line: number; id: string | null; reason: string };

const newline = 0x0a;
const carriage_return = 0x0d;

/** Every non-blank line of the file as bytes (without its line break), numbered from 1, in order. */
export async function* readFileLines(file_path: string): AsyncGenerator<FileLine> {
  let line = 0;
  let pending: Buffer[] = [];
  for await (const chunk of createReadStream(file_path) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let end = chunk.indexOf(newline); end !== -1; end = chunk.indexOf(newline, start)) {
      line += 1;
      const tail = chunk.subarray(start, end);
      const bytes = withoutCarriageReturn(pending.length === 0 ? tail : Buffer.concat([...pending, tail]));
      pending = [];
      start = end + 1;
      if (!isBlank(bytes)) yield { line, bytes };
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  const last = withoutCarriageReturn(Buffer.concat(pending));
  if (!isBlank(last)) yield { line: line + 1, bytes: last };
}

/** Every non-blank line of the file decoded as an event, numbered from 1, in order. */
export async function* readEventFile(file_path: string): AsyncGenerator<EventLine> {
  for await (const { line, bytes } of readFileLines(file_path)) yield { ...decodeEvent(bytes), line };
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

function withoutCarriageReturn(bytes: Buffer): Buffer {
  return bytes.length > 0 && bytes[bytes.length - 1] === carriage_return ? bytes.subarray(0, -1) : bytes;
}

/** Only spaces, tabs and line breaks (what `trim` removes from a JSON line in practice). */
function isBlank(bytes: Buffer): boolean {
  return bytes.every((byte) => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0x0b || byte === 0x0c);
}

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
