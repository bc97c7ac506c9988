// `keel report` end to end, as a user runs it: a child process writing PDFs from a file of events
// (no server) and from a real audit store and ledger; the PDFs read back with a PDF parser.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SealResult } from '../audit/audit-seal.js';
import { AssetRegistry } from '../ledger/asset-registry.js';
import { readPdfText, unbroken } from '../test/support/pdf-reader.js';
import { example_events_path, example_prices_path, exampleInputs } from '../test/support/report-fixtures.js';
import { fillAuditStore } from '../test/support/report-store.js';
import { createTestDatabase, type TestDatabase } from '../test/support/postgres-test-kit.js';
import { parsePeriod, settingsOption } from './report-command.js';
import { runKeel } from '../test/support/run-keel.js';

function keel(args: string[], env: Record<string, string | undefined> = {}) {
  return runKeel(args, { DATABASE_URL: undefined, KAFKA_BROKERS: undefined, ...env });
}

const directory = mkdtempSync(join(tmpdir(), 'keel-report-'));
const file_source = ['--input', example_events_path, '--prices', example_prices_path];

describe('keel report, from a file of events', () => {
  it('writes the audit report of a period, the same bytes on every run', async () => {
    const out = join(directory, 'march.pdf');
    const result = await keel([
      'report',
      'audit',
      '--from',
      '2024-03-01',
      '--to',
      '2024-03-31',
      '--out',
      out,
      ...file_source,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({
      out,
      period: { from: '2024-03-01T00:00:00.000Z', to: '2024-04-01T00:00:00.000Z' },
      chain: null,
      trades: 4,
      disposals: 7,
    });
    const bytes = readFileSync(out);
    expect(summary.bytes).toBe(bytes.length);
    const { pages } = await readPdfText(bytes);
    expect(pages).toHaveLength(5);
    expect(pages[0]).toContain(
      'No audit chain head: this report was made from a file of events, not from the audit store',
    );
    expect(unbroken(pages[0]!)).toContain(
      unbroken(`Events the file ${example_events_path} with prices from ${example_prices_path}`),
    );
    expect(pages[0]).toContain('Method fifo');
    const again = await keel([
      'report',
      'audit',
      '--from',
      '2024-03-01',
      '--to',
      '2024-03-31',
      '--out',
      join(directory, 'march-again.pdf'),
      ...file_source,
    ]);
    expect(JSON.parse(again.stdout).sha256).toBe(summary.sha256);
    expect(readFileSync(join(directory, 'march-again.pdf')).equals(bytes)).toBe(true);
  });

  it('takes the settings and a reconciliation file, and prints both', async () => {
    const reconciliation = join(directory, 'reconcile.json');
    writeFileSync(
      reconciliation,
      JSON.stringify({
        venue: 'binance',
        account: 'spot-main',
        matched: [],
        differences: [{ asset: 'BTC', ledger: '0.4', venue: '0.41', difference: '0.01' }],
      }),
    );
    const out = join(directory, 'hifo.pdf');
    const result = await keel([
      'report',
      'audit',
      '--from',
      '2024-03-01T00:00:00.000Z',
      '--to',
      '2024-03-03T00:00:00.000Z',
      '--out',
      out,
      '--method',
      'hifo',
      '--pool',
      'global',
      '--reconciliation',
      reconciliation,
      ...file_source,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const { pages, text } = await readPdfText(readFileSync(out));
    expect(pages[0]).toContain('Method hifo');
    expect(pages[0]).toContain('Pool global (one pool per asset)');
    expect(text).toContain('binance / spot-main: 0 assets match, 1 differ.');
    expect(text).toContain('BTC 0.4 0.41 0.01');
  });

  it('writes a one-page explanation of a trade', async () => {
    const out = join(directory, 'trade.pdf');
    const result = await keel(['report', 'trade', 'binance:spot-main:order:8812001', '--out', out, ...file_source]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ out, trade_id: 'binance:spot-main:order:8812001' });
    const { pages } = await readPdfText(readFileSync(out));
    expect(pages).toHaveLength(1);
    expect(pages[0]).toContain(
      'Why: strategy momentum (version 2.1.0) decided at 2024-03-01 09:59:59.500 UTC to buy 0.5',
    );
  });

  it('exits 2 on wrong usage, saying what is wrong', async () => {
    const cases: [string[], string][] = [
      [['report', 'audit', '--from', '2024-03-01', '--to', '2024-03-31', ...file_source], '--out FILE.pdf is required'],
      [
        ['report', 'audit', '--from', '2024-3-1', '--to', '2024-03-31', '--out', 'x.pdf', ...file_source],
        '--from must be YYYY-MM-DD',
      ],
      [['report', 'trade', 'nope', '--out', 'x.pdf', ...file_source], "no trade 'nope'"],
      [['report', 'summary', '--out', 'x.pdf'], "unknown report 'summary'"],
    ];
    const results = await Promise.all(cases.map(([args]) => keel(args)));
    cases.forEach(([args, message], index) => {
      expect(results[index]!.code, args.join(' ')).toBe(2);
      expect(results[index]!.stderr).toContain(message);
    });
  }, 120_000);

  it('reads --from and --to as a period whose end is excluded', () => {
    expect(parsePeriod('2024-03-01', '2024-03-31', 'usage')).toEqual({
      from: '2024-03-01T00:00:00.000Z',
      to: '2024-04-01T00:00:00.000Z',
    });
    expect(parsePeriod('2024-03-01T12:00:00.000Z', '2024-03-02T00:00:00.000Z', 'usage')).toEqual({
      from: '2024-03-01T12:00:00.000Z',
      to: '2024-03-02T00:00:00.000Z',
    });
    expect(() => parsePeriod('2024-02-30', '2024-03-31', 'usage')).toThrow("--from '2024-02-30' is not a real date");
    expect(() => parsePeriod('2024-04-01', '2024-03-31', 'usage')).toThrow(
      '--from 2024-04-01 must be before --to 2024-03-31',
    );
    expect(() => parsePeriod('2024-03-01', '2024-03-31T00:00:00Z', 'usage')).toThrow(
      '--to must be YYYY-MM-DD or an ISO-8601 UTC time with milliseconds',
    );
    expect(() => settingsOption('avg', 'account', 'usage')).toThrow("--method must be fifo, lifo or hifo, got 'avg'");
  });
});

describe('keel report, from the audit store and the ledger (real PostgreSQL)', () => {
  let database: TestDatabase;
  let sealed: SealResult;
  const data_dir = mkdtempSync(join(tmpdir(), 'keel-report-ledger-'));

  beforeAll(async () => {
    database = await createTestDatabase({ migrated: true });
    const { events, price_rows } = await exampleInputs();
    sealed = await fillAuditStore(database.pool, events, price_rows, new AssetRegistry());
    const posted = await keel(['post', '--input', example_events_path], { KEEL_DATA_DIR: data_dir });
    expect(posted.code, posted.stderr).toBe(0);
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('prints the chain head on the cover and the ledger balances at the period end', async () => {
    const out = join(directory, 'store.pdf');
    const result = await keel(['report', 'audit', '--from', '2024-03-01', '--to', '2024-03-31', '--out', out], {
      DATABASE_URL: database.url,
      KEEL_DATA_DIR: data_dir,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      chain: { sequence: sealed.head.sequence, hash: sealed.head.entry_hash, verified: true },
      trades: 4,
    });
    const { pages } = await readPdfText(readFileSync(out));
    expect(pages[0]).toContain(`Head hash (SHA-256) ${sealed.head.entry_hash}`);
    expect(unbroken(pages[0]!)).toContain(unbroken(`Ledger the embedded ledger in ${data_dir}`));
    expect(pages[1]).toContain('binance spot-main cash USDT 56,653.21 40,008.65 16,644.56');
  });

  it('explains a stored trade record, naming its version and hash', async () => {
    const out = join(directory, 'stored-trade.pdf');
    const result = await keel(['report', 'trade', 'bybit:unified:order:bb-790', '--out', out], {
      DATABASE_URL: database.url,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ trade_id: 'bybit:unified:order:bb-790', version: 1 });
    const { pages } = await readPdfText(readFileSync(out));
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatch(/Stored record version 1, SHA-256 [0-9a-f]{64}, audit entry #\d/);
    const missing = await keel(['report', 'trade', 'no-such-trade', '--out', out], { DATABASE_URL: database.url });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("the audit store has no trade record 'no-such-trade'");
  });
});
