import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEventFile } from './event-file.js';
import { example_events } from '../test/support/example-events.js';

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

  it('rejects a line that is not UTF-8 with the decoder\'s code and line number, and reads the lines after it', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-jsonl-'));
    const file_path = join(directory, 'events.jsonl');
    const deposit = Buffer.from(JSON.stringify(example_events.deposit));
    writeFileSync(file_path, Buffer.concat([deposit, Buffer.from('\n'), Buffer.from([0x7b, 0xc0, 0xaf, 0x7d]), Buffer.from('\n\n'), deposit]));
    const lines = [];
    for await (const line of readEventFile(file_path)) lines.push(line);
    expect(lines.map((line) => [line.line, line.ok])).toEqual([
      [1, true],
      [2, false],
      [4, true],
    ]);
    expect(lines[1]).toMatchObject({ code: 'KEEL_ERR_ENGINE_EVENT_MALFORMED', reason: 'message value is not UTF-8 text' });
  });
});
