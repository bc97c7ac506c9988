import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runKeel } from '../test/support/run-keel.js';

const examples_path = join(import.meta.dirname, '..', 'examples', 'events.jsonl');

/** Runs the real `keel` entry point in its own process, as a user would; `keel lots` needs no servers, so their settings are left out. */
function keel(args: string[]) {
  return runKeel(args, { DATABASE_URL: undefined, KAFKA_BROKERS: undefined });
}

const trade = (id: string, time: string, side: 'buy' | 'sell', quantity: string, price: string) => ({
  id,
  type: 'trade',
  time,
  venue: 'binance',
  account: 'main',
  instrument: { symbol: 'BTC/USD', kind: 'spot', base: 'BTC', quote: 'USD' },
  side,
  quantity,
  price,
  fees: [{ asset: 'USD', amount: '1' }],
  order_id: `o-${id}`,
  trade_id: `t-${id}`,
});

function eventFile(): string {
  const input = join(mkdtempSync(join(tmpdir(), 'keel-lots-')), 'events.jsonl');
  writeFileSync(
    input,
    [
      JSON.stringify(trade('b1', '2024-01-01T00:00:00.000Z', 'buy', '1', '30000')),
      'not json',
      JSON.stringify(trade('b2', '2024-01-02T00:00:00.000Z', 'buy', '1', '50000')),
      JSON.stringify({ ...trade('bad', '2024-01-02T00:00:00.000Z', 'buy', '1', '1'), quantity: 'one' }),
      '',
      JSON.stringify(trade('=s1', '2024-01-03T00:00:00.000Z', 'sell', '1.5', '40000')),
    ].join('\n'),
  );
  return input;
}

describe('keel lots', () => {
  it('prints the lot report as JSON, with the settings and the rejected lines', async () => {
    const result = await keel(['lots', '--input', eventFile()]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report)).toEqual(
      expect.arrayContaining([
        'settings',
        'disposals',
        'open_lots',
        'missing_basis',
        'withdrawn',
        'unpriced',
        'derivatives',
        'rejections',
      ]),
    );
    expect(report.settings).toMatchObject({ method: 'fifo', pool: 'account', reporting_currency: 'USD' });
    expect(report.rejections).toEqual([
      { line: 2, id: null, reason: expect.stringContaining('malformed JSON') },
      { line: 4, id: 'bad', reason: expect.stringContaining('quantity') },
    ]);
    expect(
      report.disposals.map(
        (row: { lot_id: string; quantity: string; proceeds: string; cost_basis: string; gain: string }) => [
          row.lot_id,
          row.quantity,
          row.proceeds,
          row.cost_basis,
          row.gain,
        ],
      ),
    ).toEqual([
      ['b1#base', '1', '39999.333333333333', '30001', '9998.333333333333'],
      ['b2#base', '0.5', '19999.666666666667', '25000.5', '-5000.833333333333'],
    ]);
    expect(report.open_lots).toEqual([
      expect.objectContaining({ lot_id: 'b2#base', quantity: '0.5', cost_basis: '25000.5' }),
    ]);
  });

  it('takes --method and --pool, and prints the disposals as CSV with formulas neutralised', async () => {
    const result = await keel([
      'lots',
      '--input',
      eventFile(),
      '--method',
      'hifo',
      '--pool',
      'global',
      '--format',
      'csv',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\r\n');
    expect(lines[0]).toMatch(
      /^event_id,kind,venue,account,asset,quantity,acquired_at,disposed_at,proceeds,cost_basis,gain,term,lot_id,/,
    );
    expect(
      lines
        .slice(1, 3)
        .map((line) => line.split(',').slice(0, 1).concat(line.split(',').slice(12, 13), line.split(',').slice(-3))),
    ).toEqual([
      ["'=s1", 'b2#base', 'hifo', 'global', 'USD'],
      ["'=s1", 'b1#base', 'hifo', 'global', 'USD'],
    ]);
    expect(lines[3]).toBe('');
  });

  it('computes the example day, derivatives reconciled with the venue', async () => {
    const result = await keel(['lots', '--input', examples_path]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.rejections).toEqual([]);
    expect(report.derivatives).toEqual([
      expect.objectContaining({
        instrument: 'BTC/USDT:USDT',
        realised_pnl_computed: '75',
        venue_settlements_total: '75',
        difference: '0',
      }),
    ]);
    expect(report.deposits_without_basis).toEqual([]);
    expect(report.acquisitions).toContainEqual(
      expect.objectContaining({ kind: 'deposit', asset: 'USDT', quantity: '50000', cost_basis: '50000' }),
    );
  });

  it('explains wrong usage, a missing file and a directory with exit code 2 and a coded error', async () => {
    const missing = await keel(['lots']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--input FILE.jsonl is required');
    const method = await keel(['lots', '--input', 'x.jsonl', '--method', 'average']);
    expect(method.code).toBe(2);
    expect(method.stderr).toContain('--method must be fifo, lifo or hifo');
    const no_file = await keel(['lots', '--input', '/nonexistent/events.jsonl']);
    expect(no_file.code).toBe(2);
    expect(no_file.stderr).toBe('keel lots: KEEL_ERR_INPUT_FILE_NOT_FOUND: /nonexistent/events.jsonl: no such file\n');
    const directory = mkdtempSync(join(tmpdir(), 'keel-lots-'));
    const not_a_file = await keel(['lots', '--input', directory]);
    expect(not_a_file.code).toBe(2);
    expect(not_a_file.stderr).toBe(`keel lots: KEEL_ERR_INPUT_NOT_A_FILE: ${directory} is a directory, not a file\n`);
    const prices = await keel(['lots', '--input', examples_path, '--prices', directory]);
    expect(prices.code).toBe(2);
    expect(prices.stderr).toContain('KEEL_ERR_INPUT_NOT_A_FILE');
  });

  it('reads a file that starts with a UTF-8 byte-order mark: the first event is not lost', async () => {
    const input = join(mkdtempSync(join(tmpdir(), 'keel-lots-')), 'bom.jsonl');
    const lines = [
      trade('b1', '2024-01-01T00:00:00.000Z', 'buy', '1', '30000'),
      trade('s1', '2024-01-03T00:00:00.000Z', 'sell', '1', '40000'),
    ];
    writeFileSync(input, `\ufeff${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
    const result = await keel(['lots', '--input', input]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.rejections).toEqual([]);
    expect(report.disposals).toEqual([expect.objectContaining({ lot_id: 'b1#base', quantity: '1' })]);
  });
});
