// The audit report PDF, read back with a PDF parser: page count, the cover (settings, chain head),
// every section, a known trade's one-line explanation, figures that match the lot report, byte-
// identical re-renders, progress over a long period, and missing-basis and unpriced rows.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lotReport, tradeRecordsOf } from '../audit/lot-facts.js';
import { AssetRegistry } from '../ledger/asset-registry.js';
import type { KeelEvent } from '../engine/event-schema.js';
import { renderAuditReportPdf, type ReportProgress } from './audit-report-pdf.js';
import { fileAuditReportData } from './load-report-data.js';
import { oneLineExplanation } from './one-line-explanation.js';
import type { AuditReportData } from './report-data.js';
import { flat, readPdfText, renderPagePng } from '../test/support/pdf-reader.js';
import { validEvent } from '../test/support/event-builders.js';
import { exampleInputs, manyTrades, spotTrade, usdDeposit } from '../test/support/report-fixtures.js';

const march = { from: '2024-03-01T00:00:00.000Z', to: '2024-04-01T00:00:00.000Z' };
const registry = new AssetRegistry();
const chain = { sequence: 42, hash: 'ab'.repeat(32), verified: true, entries: 42, problem: null };
let data: AuditReportData;
let pdf: Buffer;

beforeAll(async () => {
  const { events, price_rows } = await exampleInputs();
  const from_file = await fileAuditReportData(march, {
    events,
    price_rows,
    registry,
    settings: {},
    events_description: 'examples/events.jsonl',
  });
  data = { ...from_file, chain, chain_note: null };
  pdf = renderAuditReportPdf(data);
});

describe('renderAuditReportPdf', () => {
  it('prints the period, the settings in force and the audit chain head on the cover', async () => {
    const { pages, info } = await readPdfText(pdf);
    const cover = pages[0]!;
    expect(cover).toContain('Keel audit report');
    expect(cover).toContain('Period: 2024-03-01 00:00:00.000 UTC up to 2024-04-01 00:00:00.000 UTC');
    expect(cover).toContain(`Head sequence 42`);
    expect(cover).toContain(`Head hash (SHA-256) ${'ab'.repeat(32)}`);
    expect(cover).toContain('verified end to end (42 entries)');
    expect(cover).toContain('Settings in force');
    expect(cover).toContain('Method fifo');
    expect(cover).toContain('Pool account (one pool per venue account and asset)');
    expect(cover).toContain('Reporting currency USD');
    expect(cover).toContain('Pegs USDT = 1, USDC = 1');
    expect(cover).toContain(flat(data.settings.holding_period.slice(0, 60)));
    expect(info.Title).toContain('Keel audit report');
  });

  it('has every section, on the pages expected', async () => {
    const { pages, text } = await readPdfText(pdf);
    expect(pages).toHaveLength(5);
    for (const title of [
      'Balances per venue account and asset',
      'Realised PnL by asset and term (USD)',
      'Derivatives: realised PnL in the settle asset',
      'Fees and funding',
      'Cumulative realised PnL (USD)',
      'Cumulative fees and funding (USD)',
      'Trades and their explanations',
      'Venue balances against the ledger (I7)',
      'Open lots against ledger cash (I6)',
      'Missing basis',
      'Unpriced rows',
      'Disposals in the period (USD)',
      'Open lots at the period end (USD)',
    ]) {
      expect(text, title).toContain(title);
    }
    pages.forEach((page, index) => expect(page).toContain(`page ${index + 1} of 5`));
  });

  it("lists each trade with its one-line explanation, the strategy's rationale included", async () => {
    const { events, price_rows } = await exampleInputs();
    const record = tradeRecordsOf(events, registry, {}, price_rows).find(
      (candidate) => candidate.trade_id === 'binance:spot-main:order:8812001',
    )!;
    const line = oneLineExplanation(record);
    expect(line).toBe(
      'BUY 0.5 BTC BTC/USDT in 2 fills, fees 0.0205 BNB; momentum 2.1.0: "4h momentum above 1.5 with volatility under the 0.04 cap"; risk approved (2/2 passed); realised 0.25625 USD.',
    );
    const { text } = await readPdfText(pdf);
    expect(text).toContain(line);
    expect(data.trades.map((trade) => trade.trade_id)).toEqual([
      'binance:spot-main:order:8812001',
      'bybit:unified:order:bb-771',
      'bybit:unified:order:bb-790',
      'binance:spot-main:order:8815000',
    ]);
  });

  it('prints figures that match the lot report, and the ledger balances at the period end', async () => {
    const { events, price_rows } = await exampleInputs();
    const report = lotReport(
      events.filter((event) => event.time < march.to),
      {},
      price_rows,
    );
    const btc = report.disposals.filter((row) => row.asset === 'BTC' && row.disposed_at >= march.from);
    expect(btc).toHaveLength(1);
    const pnl = data.realised_pnl.rows.find((row) => row.asset === 'BTC' && row.term === 'short')!;
    expect(pnl).toEqual({
      asset: 'BTC',
      term: 'short',
      rows: 1,
      quantity: '0.1',
      proceeds: btc[0]!.proceeds,
      cost_basis: btc[0]!.cost_basis,
      gain: btc[0]!.gain,
      unpriced_rows: 0,
    });
    expect(data.realised_pnl.totals.find((total) => total.term === 'all')!.gain).toBe('641.915');
    const { pages } = await readPdfText(pdf);
    expect(pages[1]).toContain('BTC short 1 0.1 6,643.35 6,001.69125 641.65875 0');
    expect(pages[1]).toContain('Total all 7 36,656.39875 36,014.48375 641.915 0');
    expect(pages[1]).toContain('bybit / unified BTC/USDT:USDT USDT 2 75 75 0 -0.915');
    expect(pages[0]).toContain('Realised gain, total 641.915 USD');
    // The USDT withdrawal of 1 April is after the period: cash at the end still holds it.
    expect(pages[1]).toContain('binance spot-main cash USDT 56,653.21 40,008.65 16,644.56');
    expect(data.reconciliation.lots_vs_ledger.every((row) => row.difference === '0')).toBe(true);
    expect(pages[3]).toContain('4 match, 0 differ.');
  });

  it('renders the same bytes every time, with a fixed creation date and document id', async () => {
    const again = renderAuditReportPdf(structuredClone(data));
    expect(again.equals(pdf)).toBe(true);
    const { events, price_rows } = await exampleInputs();
    const rebuilt = await fileAuditReportData(march, {
      events: [...events].reverse(),
      price_rows,
      registry,
      settings: {},
      events_description: 'examples/events.jsonl',
    });
    expect(renderAuditReportPdf({ ...rebuilt, chain, chain_note: null }).equals(pdf)).toBe(true);
    const { info } = await readPdfText(pdf);
    expect(info).toMatchObject({
      CreationDate: 'D:20240401000000Z',
      ModDate: 'D:20240401000000Z',
      Producer: 'Keel reports (pdfkit)',
    });
    // The trailer's document id is a hash of the info dictionary: the same on every render.
    expect(pdf.toString('latin1')).toMatch(/\/ID \[<([0-9a-f]{32})> <\1>\]/);
  });

  it('says on the cover when there is no audit chain', async () => {
    const without = renderAuditReportPdf({
      ...data,
      chain: null,
      chain_note: 'this report was made from a file of events',
    });
    const { pages } = await readPdfText(without);
    expect(pages[0]).toContain('No audit chain head: this report was made from a file of events.');
    expect(pages[0]).not.toContain('Head hash');
  });

  it('reports progress through a long period, with the trade table continued over many pages', async () => {
    const events = [usdDeposit('d1', '2023-12-31T00:00:00.000Z', '100000000'), ...manyTrades(2_400)];
    const year = { from: '2024-01-01T00:00:00.000Z', to: '2025-01-01T00:00:00.000Z' };
    const long = await fileAuditReportData(year, {
      events,
      price_rows: [],
      registry,
      settings: {},
      events_description: 'generated',
    });
    expect(long.counts.trades).toBe(2_400);
    const updates: ReportProgress[] = [];
    const bytes = renderAuditReportPdf(long, { on_progress: (update) => updates.push(update) });
    expect(updates[0]).toEqual({ section: 'cover', sections_done: 0, sections_total: 10 });
    expect(updates.at(-1)).toEqual({ section: 'done', sections_done: 10, sections_total: 10 });
    const trade_rows = updates
      .filter((update) => update.section === 'trades' && update.rows_done !== undefined)
      .map((update) => update.rows_done);
    expect(trade_rows).toEqual([500, 1000, 1500, 2000, 2400]);
    const { pages } = await readPdfText(bytes);
    expect(pages.length).toBeGreaterThan(60);
    const trade_pages = pages.filter((page) => page.includes('binance:main:order:o-t'));
    expect(trade_pages.length).toBeGreaterThan(20);
    for (const page of trade_pages.filter((page) => !page.includes('Disposed (UTC)')))
      expect(page).toContain('Time (UTC) Trade Explanation');
    expect(pages.join('\n')).toContain('binance:main:order:o-t002399');
  }, 120_000);

  it('lists missing-basis and unpriced rows, and keeps unpriced values out of the totals', async () => {
    const events: KeelEvent[] = [
      // ABC arrives with no cost basis, then buys XYZ: nothing prices either of them.
      validEvent({
        id: 'dep-abc',
        type: 'deposit',
        time: '2024-03-02T00:00:00.000Z',
        venue: 'kraken',
        account: 'main',
        asset: 'ABC',
        amount: '100',
      }),
      spotTrade({
        id: 'x1',
        time: '2024-03-03T00:00:00.000Z',
        side: 'buy',
        quantity: '10',
        price: '2',
        base: 'XYZ',
        quote: 'ABC',
        venue: 'kraken',
      }),
      validEvent({
        id: 'fund-xyz',
        type: 'funding',
        time: '2024-03-04T00:00:00.000Z',
        venue: 'kraken',
        account: 'main',
        instrument: { symbol: 'XYZ/ABC:XYZ', kind: 'perpetual', base: 'XYZ', quote: 'ABC', settle: 'XYZ' },
        asset: 'XYZ',
        amount: '-0.5',
      }),
    ];
    const odd = await fileAuditReportData(march, {
      events,
      price_rows: [],
      registry: AssetRegistry.withOverrides(
        {
          assets: [
            { code: 'ABC', ledger: 9001, scale: 8 },
            { code: 'XYZ', ledger: 9002, scale: 8 },
          ],
        },
        'test',
      ),
      settings: {},
      events_description: 'odd',
    });
    expect(odd.missing_basis).toEqual([
      expect.objectContaining({ event_id: 'x1', asset: 'ABC', quantity: '20', proceeds: null }),
    ]);
    expect(odd.unpriced.length).toBeGreaterThan(0);
    expect(odd.funding).toEqual([
      { asset: 'XYZ', rows: 1, received: '0', paid: '0.5', net: '-0.5', value: null, unpriced_rows: 1 },
    ]);
    const { text } = await readPdfText(renderAuditReportPdf(odd));
    expect(text).toMatch(/x1 trade kraken \/ main ABC 20 (unpriced|n\/a)/);
    expect(text).toContain('Unpriced rows');
    expect(text).toContain('XYZ 1 0 0.5 -0.5 unpriced 1');
  });

  it('can be looked at: page 1 and the charts page as PNG', async () => {
    const directory = join(tmpdir(), 'keel-report-pngs');
    mkdirSync(directory, { recursive: true });
    for (const page of [1, 3]) {
      const png = await renderPagePng(pdf, page);
      if (png === null) return; // the optional canvas package is not installed: nothing to look at
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      writeFileSync(join(directory, `audit-report-page-${page}.png`), png);
    }
  });
});
