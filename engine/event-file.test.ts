import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { readEventFile, type EventLine } from './event-file.js';
import { example_events } from '../test/support/example-events.js';

async function readAll(file_path: string, line_bytes_max?: number): Promise<EventLine[]> {
  const lines: EventLine[] = [];
  for await (const line of readEventFile(file_path, line_bytes_max)) lines.push(line);
  return lines;
}

function tempFile(name: string, content: string | Buffer): string {
  const file_path = join(mkdtempSync(join(tmpdir(), 'keel-jsonl-')), name);
  writeFileSync(file_path, content);
  return file_path;
}

describe('JSONL event file reader', () => {
  it('reports each bad line with its number and reason, and keeps reading', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-jsonl-'));
    const file_path = join(directory, 'events.jsonl');
    writeFileSync(
      file_path,
      [
        JSON.stringify(example_events.deposit),
        '{"id": "broken", ',
        '',
        JSON.stringify({ ...example_events.trade, fees: [{ asset: 'BNB' }] }),
        '[1, 2]',
        JSON.stringify(example_events.withdrawal),
      ].join('\r\n'),
    );
    const lines = [];
    for await (const line of readEventFile(file_path)) lines.push(line);
    expect(lines.map((line) => [line.line, line.ok])).toEqual([
      [1, true],
      [2, false],
      [4, false],
      [5, false],
      [6, true],
    ]);
    const bad = lines.filter((line) => !line.ok);
    expect(bad[0]).toMatchObject({ id: undefined, reason: expect.stringMatching(/^malformed JSON/) });
    expect(bad[1]).toMatchObject({ id: example_events.trade.id, reason: expect.stringContaining('fees.0.amount') });
    expect(bad[2]).toMatchObject({ reason: expect.stringMatching(/expected object/) });
  });

  it('skips a UTF-8 byte-order mark at the start of the file: line 1 is valid', async () => {
    const text = [JSON.stringify(example_events.deposit), JSON.stringify(example_events.withdrawal)].join('\n');
    const lines = await readAll(
      tempFile('bom.jsonl', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])),
    );
    expect(lines.map((line) => [line.line, line.ok])).toEqual([
      [1, true],
      [2, true],
    ]);
  });

  it('rejects a line longer than the limit by its number, without reading it, and goes on', async () => {
    const long = JSON.stringify({ ...example_events.deposit, id: 'long', raw: { note: 'x'.repeat(5_000) } });
    const file_path = tempFile(
      'long.jsonl',
      [JSON.stringify(example_events.deposit), long, JSON.stringify(example_events.withdrawal), long].join('\n'),
    );
    const lines = await readAll(file_path, 1_000);
    expect(lines.map((line) => [line.line, line.ok])).toEqual([
      [1, true],
      [2, false],
      [3, true],
      [4, false],
    ]);
    expect(lines[1]).toMatchObject({
      code: 'KEEL_ERR_ENGINE_EVENT_MALFORMED',
      reason: expect.stringContaining('more than 1000 bytes'),
    });
  });

  it('rejects a line that is not UTF-8 and goes on', async () => {
    const file_path = tempFile(
      'latin1.jsonl',
      Buffer.concat([
        Buffer.from('{"id": "caf'),
        Buffer.from([0xe9]),
        Buffer.from('"}\n'),
        Buffer.from(JSON.stringify(example_events.deposit)),
      ]),
    );
    const lines = await readAll(file_path);
    expect(lines.map((line) => [line.line, line.ok])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(lines[0]).toMatchObject({ code: 'KEEL_ERR_ENGINE_EVENT_MALFORMED', reason: 'line is not valid UTF-8' });
  });

  it('reads past a 600 MB line (longer than any JS string) as one rejected line', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-jsonl-'));
    const file_path = join(directory, 'huge.jsonl');
    const output = createWriteStream(file_path);
    output.write(`${JSON.stringify(example_events.deposit)}\n{"id": "huge", "raw": "`);
    const megabyte = Buffer.alloc(1024 * 1024, 'a');
    for (let written = 0; written < 600; written += 1) if (!output.write(megabyte)) await once(output, 'drain');
    output.end(`"}\n${JSON.stringify(example_events.withdrawal)}\n`);
    await once(output, 'finish');
    try {
      const lines = await readAll(file_path);
      expect(lines.map((line) => [line.line, line.ok])).toEqual([
        [1, true],
        [2, false],
        [3, true],
      ]);
      expect(lines[1]).toMatchObject({ reason: expect.stringMatching(/^line is more than 1048576 bytes long/) });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }, 120_000);

  it('names a missing path and a directory with coded errors', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-jsonl-'));
    await expect(readAll(join(directory, 'absent.jsonl'))).rejects.toMatchObject({
      code: 'KEEL_ERR_INPUT_FILE_NOT_FOUND',
      message: expect.stringContaining('absent.jsonl'),
    });
    await expect(readAll(directory)).rejects.toMatchObject({
      code: 'KEEL_ERR_INPUT_NOT_A_FILE',
      message: expect.stringContaining('is a directory'),
    });
  });
});
