// `keel export tax-lots` end to end in a child process: Form 8949-style CSV, open lots CSV and
// JSON, from a file of events and from a real audit store.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssetRegistry } from '../ledger/asset-registry.js';
import { parseCsv } from '../test/support/pdf-reader.js';
import {
  example_events_path,
  example_prices_path,
  exampleInputs,
  spotTrade,
  usdDeposit,
} from '../test/support/report-fixtures.js';
import { fillAuditStore } from '../test/support/report-store.js';
import { createTestDatabase, type TestDatabase } from '../test/support/postgres-test-kit.js';
import { runKeel } from '../test/support/run-keel.js';

const directory = mkdtempSync(join(tmpdir(), 'keel-export-'));

function keel(args: string[], env: Record<string, string | undefined> = {}) {
  return runKeel(args, { DATABASE_URL: undefined, KAFKA_BROKERS: undefined, ...env });
}

describe('keel export tax-lots, from a file of events', () => {
  it('writes the Form 8949-style CSV and the open lots, with formulas neutralised', async () => {
    const input = join(directory, 'events.jsonl');
    writeFileSync(
      input,
      [
        usdDeposit('d', '2024-01-01T00:00:00.000Z', '100000', '@venue'),
        spotTrade({
          id: '=1+1',
          time: '2024-02-01T00:00:00.000Z',
          side: 'buy',
          quantity: '1',
          price: '40000',
          venue: '@venue',
        }),
        spotTrade({
          id: 's',
          time: '2024-03-01T00:00:00.000Z',
          side: 'sell',
          quantity: '0.25',
          price: '48000',
          venue: '@venue',
        }),
      ]
        .map((event) => JSON.stringify(event))
        .join('\n'),
    );
    const out = join(directory, '8949.csv');
    const open = join(directory, 'open.csv');
    const result = await keel([
      'export',
      'tax-lots',
      '--year',
      '2024',
      '--format',
      'csv',
      '--out',
      out,
      '--open-lots',
      open,
      '--input',
      input,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      out,
      open_lots_out: open,
      tax_year: 2024,
      short_term_rows: 1,
      long_term_rows: 0,
      missing_basis_rows: 0,
      unpriced_rows: 0,
      open_lots: 1,
    });
    const records = parseCsv(readFileSync(out, 'utf8'));
    expect(records.find((record) => record[0] === 'method')?.[1]).toBe('fifo');
    const header = records.findIndex((record) => record[0] === 'description');
    expect(records[header + 1]!.slice(0, 12)).toEqual([
      '0.25 BTC',
      '02/01/2024',
      '03/01/2024',
      '12000',
      '10000',
      '',
      '',
      '2000',
      '',
      "'@venue",
      'main',
      'BTC',
    ]);
    expect(records[header + 1]!.slice(-3)).toEqual(["'=1+1#base", 's', "'=1+1"]);
    const lots = parseCsv(readFileSync(open, 'utf8'));
    expect(lots.at(-1)!.slice(0, 6)).toEqual(["'@venue", 'main', 'BTC', '0.75', '02/01/2024', '30000']);
  });

  it('writes JSON for the example day', async () => {
    const out = join(directory, 'lots.json');
    const result = await keel([
      'export',
      'tax-lots',
      '--year',
      '2024',
      '--format',
      'json',
      '--out',
      out,
      '--input',
      example_events_path,
      '--prices',
      example_prices_path,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json).toMatchObject({
      export: 'keel.tax-lots',
      tax_year: 2024,
      settings: { method: 'fifo', pool: 'account', reporting_currency: 'USD' },
    });
    expect(json.part_i_short_term.totals).toEqual({
      rows: 8,
      proceeds: '36657.39875',
      cost_basis: '36015.48375',
      adjustment_amount: '0',
      gain_or_loss: '641.915',
      unpriced_rows: 0,
    });
    const empty = await keel([
      'export',
      'tax-lots',
      '--year',
      '2023',
      '--format',
      'json',
      '--out',
      join(directory, 'empty.json'),
      '--input',
      example_events_path,
    ]);
    expect(empty.code, empty.stderr).toBe(0);
    expect(JSON.parse(empty.stdout)).toMatchObject({ short_term_rows: 0, long_term_rows: 0 });
  });

  it('exits 2 on wrong usage', async () => {
    const cases: [string[], string][] = [
      [['export', 'tax-lots', '--format', 'csv', '--out', 'x'], '--year must be a year'],
      [
        ['export', 'tax-lots', '--year', '9999', '--format', 'csv', '--out', 'x', '--input', 'x'],
        '--year must be a year',
      ],
      [['export', 'tax-lots', '--year', '2024', '--format', 'xlsx', '--out', 'x'], '--format must be csv or json'],
      [
        ['export', 'tax-lots', '--year', '2024', '--format', 'json', '--out', 'x', '--open-lots', 'y'],
        '--open-lots goes with --format csv',
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => keel(args)));
    cases.forEach(([args, message], index) => {
      expect(results[index]!.code, args.join(' ')).toBe(2);
      expect(results[index]!.stderr).toContain(message);
    });
  }, 120_000);
});

describe('keel export tax-lots, from the audit store (real PostgreSQL)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase({ migrated: true });
    const { events, price_rows } = await exampleInputs();
    await fillAuditStore(database.pool, events, price_rows, new AssetRegistry());
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('exports the stored events with the stored prices, naming the chain head as its source', async () => {
    const out = join(directory, 'store.json');
    const result = await keel(['export', 'tax-lots', '--year', '2024', '--format', 'json', '--out', out], {
      DATABASE_URL: database.url,
    });
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.source).toMatch(/^the audit store at .*, audit chain head #4 [0-9a-f]{64}$/);
    expect(json.part_i_short_term.totals.gain_or_loss).toBe('641.915');
  });
});
