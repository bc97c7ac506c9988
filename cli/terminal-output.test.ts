// What reaches a terminal from event text: control characters and escape sequences printed escaped,
// in `keel explain` (the real command) and in every table.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runKeel } from '../test/support/run-keel.js';
import { renderTable } from './table.js';
import { printable } from './terminal-text.js';

const hostile = 'clear\u001b[2J\u001b[31mred\rover\u202eevil\u0007';

/** The control characters left in printed text (newlines aside), counted code unit by code unit. */
function controlsIn(text: string): number[] {
  const codes = [...text].map((character) => character.charCodeAt(0));
  return codes.filter((code) => code !== 0x0a && (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x202e));
}

describe('terminal output of event text', () => {
  it('escapes control characters, C1 controls and bidirectional overrides, keeping newlines only when asked', () => {
    expect(printable(hostile)).toBe('clear\\x1b[2J\\x1b[31mred\\x0dover\\u202eevil\\x07');
    expect(printable('a\nb\u0085c')).toBe('a\\x0ab\\x85c');
    expect(printable('a\nb', { keep_newlines: true })).toBe('a\nb');
    expect(printable('plain text, ünïcödé and 🚀')).toBe('plain text, ünïcödé and 🚀');
  });

  it('keeps each table row on its line and every cell free of escape sequences', () => {
    const table = renderTable(['venue', 'amount'], [[`bin\nance${hostile}`, '1']], [false, true]);
    expect(controlsIn(table)).toEqual([]);
    expect(table.split('\n')).toHaveLength(3);
    expect(table).toContain('bin\\x0aanceclear\\x1b[2J');
  });

  it('keel explain prints a rationale holding escape sequences escaped', async () => {
    const examples = readFileSync(join(import.meta.dirname, '..', 'examples', 'events.jsonl'), 'utf8')
      .trim()
      .split('\n');
    const lines = examples.map((line) => {
      const event = JSON.parse(line) as { type: string; rationale?: string };
      return event.type === 'decision' ? JSON.stringify({ ...event, rationale: hostile }) : line;
    });
    const input = join(mkdtempSync(join(tmpdir(), 'keel-explain-')), 'events.jsonl');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const result = await runKeel(['explain', '--input', input, '--trade', 'binance:spot-main:order:8812001'], {
      DATABASE_URL: undefined,
      KAFKA_BROKERS: undefined,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('clear\\x1b[2J\\x1b[31mred\\x0dover\\u202eevil\\x07');
    expect(controlsIn(result.stdout)).toEqual([]);
  });
});
