import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { example_events } from '../test/support/example-events.js';
import { runKeel } from '../test/support/run-keel.js';

/** Runs the real `keel` entry point in its own process, as a user would. */
const keel = runKeel;

describe('keel post', () => {
  it('posts a file, reports bad lines with their numbers, and posts nothing new the second time', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-cli-'));
    const input = join(directory, 'events.jsonl');
    writeFileSync(
      input,
      [
        JSON.stringify(example_events.deposit),
        JSON.stringify({ ...example_events.trade, fees: [{ asset: 'BNB', amount: '0.000000001' }] }),
        'not json',
        JSON.stringify(example_events.trade),
        JSON.stringify(example_events.decision),
        JSON.stringify(example_events.deposit),
      ].join('\n'),
    );
    const env = { KEEL_DATA_DIR: join(directory, 'data') };
    const first = await keel(['post', '--input', input], env);
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report.events).toEqual({ read: 6, posted: 2, duplicates: 1, no_transfers: 1, rejected: 2 });
    expect(report.rejections).toEqual([
      { line: 2, id: example_events.trade.id, reason: expect.stringContaining('fees.0.amount') },
      { line: 3, id: null, reason: expect.stringContaining('malformed JSON') },
    ]);
    expect(report.accounts).toContainEqual({
      venue: 'binance',
      account: 'spot-main',
      type: 'cash',
      asset: 'BTC',
      debits: '1.5',
      credits: '0.0001',
      balance: '1.4999',
    });
    expect(report.accounts).toContainEqual({
      venue: 'binance',
      account: 'spot-main',
      type: 'cash',
      asset: 'USDT',
      debits: '0',
      credits: '30000',
      balance: '-30000',
    });

    const second = JSON.parse((await keel(['post', '--input', input], env)).stdout);
    expect(second.events).toEqual({ read: 6, posted: 0, duplicates: 3, no_transfers: 1, rejected: 2 });
    expect(second.accounts).toEqual(report.accounts);
  });

  it('prints a table for people', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-cli-'));
    const result = await keel(
      ['post', '--input', join(import.meta.dirname, '..', 'examples', 'events.jsonl'), '--format', 'table'],
      {
        KEEL_DATA_DIR: directory,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^events: 18 read, 14 posted, 0 duplicates, 4 without transfers, 0 rejected/);
    expect(result.stdout).toMatch(/binance\s+spot-main\s+cash\s+USDT\s+56653\.21\s+45009\.65\s+11643\.56/);
    expect(
      readFileSync(join(directory, 'ledger', 'ledger.journal'))
        .subarray(0, 8)
        .toString(),
    ).toBe('KEELJNL1');
  });

  it('explains wrong usage and bad configuration with exit code 2', async () => {
    const missing = await keel(['post']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--input FILE.jsonl is required');
    const bad_env = await keel(['post', '--input', 'x.jsonl'], { KEEL_LEDGER: 'oracle', TB_REQUEST_TIMEOUT_MS: '-5' });
    expect(bad_env.code).toBe(2);
    expect(bad_env.stderr).toMatch(/KEEL_LEDGER/);
    expect(bad_env.stderr).toMatch(/TB_REQUEST_TIMEOUT_MS/);
    const no_file = await keel(['post', '--input', '/nonexistent/events.jsonl'], {
      KEEL_DATA_DIR: mkdtempSync(join(tmpdir(), 'keel-cli-')),
    });
    expect(no_file.code).toBe(2);
    expect(no_file.stderr).toContain('KEEL_ERR_INPUT_FILE_NOT_FOUND: /nonexistent/events.jsonl');
    const no_assets = await keel(['post', '--input', 'x.jsonl'], {
      KEEL_DATA_DIR: mkdtempSync(join(tmpdir(), 'keel-cli-')),
      KEEL_ASSETS_FILE: '/nonexistent/assets.json',
    });
    expect(no_assets.code).toBe(2);
    expect(no_assets.stderr).toContain('KEEL_ERR_INPUT_FILE_NOT_FOUND: /nonexistent/assets.json: no such file');
  });
});
