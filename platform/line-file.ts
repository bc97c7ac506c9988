// Reading a text file line by line (JSON Lines: events, prices), as bytes. A line is decoded only
// once it is known to be within the limit, so a single huge line costs a bounded buffer and becomes
// a rejection with its number instead of `RangeError: Invalid string length`; the next line is read
// as usual. A UTF-8 byte-order mark at the start (editors on Windows write one) is skipped, and a
// missing path or a directory is a coded error, not a raw ENOENT or EISDIR.
import { readFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { TextDecoder } from 'node:util';
import { KeelError } from './errors.js';
import { platform_error_codes } from './platform-errors.js';

/** A line as text (without its line break), or why it was not read: too long, or not UTF-8. Numbered from 1. */
export type FileLine = { line: number; ok: true; text: string } | { line: number; ok: false; reason: string };

const chunk_bytes = 64 * 1024;
const newline = 0x0a;
const carriage_return = 0x0d;
const byte_order_mark = Buffer.from([0xef, 0xbb, 0xbf]);

/** Opens a file for reading, or a coded error naming the path (missing, a directory, not permitted). */
async function openForReading(file_path: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(file_path, 'r');
  } catch (error) {
    throw openError(file_path, error as NodeJS.ErrnoException);
  }
  // open(2) succeeds on a directory; reading it would fail later with EISDIR.
  if ((await handle.stat()).isDirectory()) {
    await handle.close();
    throw new KeelError(platform_error_codes.input_not_a_file, `${file_path} is a directory, not a file`, {
      field: 'file',
    });
  }
  return handle;
}

function openError(file_path: string, error: NodeJS.ErrnoException): KeelError {
  if (error.code === 'ENOENT')
    return new KeelError(platform_error_codes.input_file_not_found, `${file_path}: no such file`, { field: 'file' });
  if (error.code === 'EISDIR')
    return new KeelError(platform_error_codes.input_not_a_file, `${file_path} is a directory, not a file`, {
      field: 'file',
    });
  return new KeelError(
    platform_error_codes.input_file_unreadable,
    `${file_path}: cannot read (${error.code ?? error.message})`,
    { field: 'file', cause: error },
  );
}

/** One line being gathered: its pieces while within the limit, only its length once past it. */
class LineBuffer {
  private pieces: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly line_bytes_max: number) {}

  add(piece: Buffer): void {
    this.bytes += piece.length;
    if (this.bytes > this.line_bytes_max) this.pieces = [];
    else if (piece.length > 0) this.pieces.push(Buffer.from(piece));
  }

  /** The finished line (numbered `line`), and the buffer emptied for the next. */
  take(line: number, decoder: TextDecoder): FileLine {
    const bytes = this.bytes;
    const content = this.pieces.length === 1 ? this.pieces[0]! : Buffer.concat(this.pieces);
    this.pieces = [];
    this.bytes = 0;
    if (bytes > this.line_bytes_max)
      return { line, ok: false, reason: `line is more than ${this.line_bytes_max} bytes long (${bytes}); not read` };
    const end =
      content.length > 0 && content[content.length - 1] === carriage_return ? content.length - 1 : content.length;
    const start = line === 1 && content.subarray(0, 3).equals(byte_order_mark) ? 3 : 0;
    try {
      return { line, ok: true, text: decoder.decode(content.subarray(start, end)) };
    } catch {
      return { line, ok: false, reason: 'line is not valid UTF-8' };
    }
  }

  get empty(): boolean {
    return this.bytes === 0;
  }
}

/**
 * Every line of the file in order, blank ones included (the caller decides what they mean). A line
 * longer than `line_bytes_max` bytes is skipped unread and reported; its bytes are never joined.
 */
export async function* readFileLines(file_path: string, line_bytes_max: number): AsyncGenerator<FileLine> {
  if (!Number.isInteger(line_bytes_max) || line_bytes_max < 1)
    throw new RangeError(`line_bytes_max must be a positive integer, not ${line_bytes_max}`);
  const handle = await openForReading(file_path);
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const current = new LineBuffer(line_bytes_max);
  const chunk = Buffer.alloc(chunk_bytes);
  let line = 1;
  try {
    for (;;) {
      const { bytesRead: bytes_read } = await readChunk(handle, chunk, file_path);
      if (bytes_read === 0) break;
      const filled = chunk.subarray(0, bytes_read);
      let start = 0;
      for (let end = filled.indexOf(newline, start); end >= 0; end = filled.indexOf(newline, start)) {
        current.add(filled.subarray(start, end));
        yield current.take(line, decoder);
        line += 1;
        start = end + 1;
      }
      current.add(filled.subarray(start));
    }
    if (!current.empty) yield current.take(line, decoder);
  } finally {
    await handle.close();
  }
}

async function readChunk(handle: FileHandle, chunk: Buffer, file_path: string): Promise<{ bytesRead: number }> {
  try {
    return await handle.read(chunk, 0, chunk.length, null);
  } catch (error) {
    throw openError(file_path, error as NodeJS.ErrnoException);
  }
}

/** A whole small text file (settings, a registry), with the same coded errors for a missing path or a directory. */
export function readSmallTextFile(file_path: string): string {
  try {
    return readFileSync(file_path, 'utf8');
  } catch (error) {
    throw openError(file_path, error as NodeJS.ErrnoException);
  }
}
