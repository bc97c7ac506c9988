// Tax-lot exports: Form 8949-style parts and columns, RFC 4180 quoting, formula neutralisation,
// unpriced and missing-basis rows that are never zero, the open lots, and the JSON shape.
import { describe, expect, it } from 'vitest';
import type { KeelEvent } from '../engine/event-schema.js';
import { taxLotExportOf } from './load-report-data.js';
import { checkPeriod } from './report-data.js';
import { report_error_codes } from './report-errors.js';
import {
  form8949_columns,
  missing_basis_note,
  open_lot_columns,
  renderForm8949Csv,
  renderOpenLotsCsv,
  renderTaxLotJson,
  taxYearPeriod,
  unpriced_note,
} from './tax-lot-export.js';
import { parseCsv } from '../test/support/pdf-reader.js';
import { spotTrade, usdDeposit } from '../test/support/report-fixtures.js';

const events: KeelEvent[] = [
  usdDeposit('d1', '2022-01-01T00:00:00.000Z', '1000000'),
  spotTrade({
    id: 'b-2022',
    time: '2022-06-01T00:00:00.000Z',
    side: 'buy',
    quantity: '1',
    price: '30000',
    fee: { asset: 'USD', amount: '10' },
  }),
  spotTrade({ id: 'b-2024', time: '2024-01-10T00:00:00.000Z', side: 'buy', quantity: '1', price: '45000' }),
  // Long-term: the 2022 lot, held more than a year.
  spotTrade({
    id: 's-long',
    time: '2024-02-01T00:00:00.000Z',
    side: 'sell',
    quantity: '1',
    price: '43000',
    fee: { asset: 'USD', amount: '5' },
  }),
  // Short-term, on a venue account whose name would run as a formula in a spreadsheet.
  usdDeposit('d2', '2024-01-01T00:00:00.000Z', '100000', '=HYPERLINK("http://evil","x")', '+main, "quoted"'),
  spotTrade({
    id: '@b',
    time: '2024-03-01T00:00:00.000Z',
    side: 'buy',
    quantity: '1',
    price: '60000',
    venue: '=HYPERLINK("http://evil","x")',
    account: '+main, "quoted"',
  }),
  spotTrade({
    id: '-s',
    time: '2024-03-02T00:00:00.000Z',
    side: 'sell',
    quantity: '0.4',
    price: '55000',
    venue: '=HYPERLINK("http://evil","x")',
    account: '+main, "quoted"',
  }),
  // Missing basis: more BTC sold than the account ever bought.
  spotTrade({ id: 's-short', time: '2024-04-01T00:00:00.000Z', side: 'sell', quantity: '1.5', price: '70000' }),
  // Unpriced: XYZ bought with USD (priced), sold for ABC a week later, when nothing prices either.
  spotTrade({ id: 'x-buy', time: '2024-05-01T00:00:00.000Z', side: 'buy', quantity: '10', price: '3', base: 'XYZ' }),
  spotTrade({
    id: 'x-sell',
    time: '2024-05-09T00:00:00.000Z',
    side: 'sell',
    quantity: '10',
    price: '7',
    base: 'XYZ',
    quote: 'ABC',
  }),
  // Another year: not in the 2024 export.
  spotTrade({ id: 's-2025', time: '2025-01-02T00:00:00.000Z', side: 'sell', quantity: '0.1', price: '90000' }),
];

const data = taxLotExportOf(events, [], {}, 2024, 'test events');

describe('tax-lot export', () => {
  it("splits the year's disposals into Part I (short-term) and Part II (long-term) with totals", () => {
    expect(
      data.part_ii_long_term.rows.map((row) => [
        row.event_id,
        row.description,
        row.date_acquired,
        row.date_sold,
        row.proceeds,
        row.cost_basis,
        row.gain_or_loss,
      ]),
    ).toEqual([['s-long', '1 BTC', '06/01/2022', '02/01/2024', '42995', '30010', '12985']]);
    expect(data.part_ii_long_term.totals).toEqual({
      rows: 1,
      proceeds: '42995',
      cost_basis: '30010',
      adjustment_amount: '0',
      gain_or_loss: '12985',
      unpriced_rows: 0,
    });
    const short = data.part_i_short_term.rows;
    expect(short.map((row) => row.event_id)).toEqual(['-s', 's-short', 'x-sell']);
    expect(
      short.every((row) => row.term === 'short' && row.adjustment_code === '' && row.adjustment_amount === null),
    ).toBe(true);
    expect(short.find((row) => row.event_id === 'x-sell')).toMatchObject({
      asset: 'XYZ',
      proceeds: null,
      gain_or_loss: null,
      note: unpriced_note,
    });
    expect(data.part_i_short_term.totals.unpriced_rows).toBe(1);
    expect(data.missing_basis).toEqual([
      expect.objectContaining({
        event_id: 's-short',
        asset: 'BTC',
        quantity: '0.5',
        proceeds: '35000',
        note: missing_basis_note,
      }),
    ]);
    expect([...short, ...data.part_ii_long_term.rows].some((row) => row.disposed_at.startsWith('2025'))).toBe(false);
  });

  it('writes the 8949 CSV: settings first, RFC 4180 quoting, formulas neutralised, unpriced cells empty', () => {
    const text = renderForm8949Csv(data);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replaceAll('\r\n', '')).not.toContain('\n');
    const records = parseCsv(text);
    expect(records[0]).toEqual(['Keel tax lots: Form 8949-style disposals', 'tax year 2024']);
    const setting = (name: string) => records.find((record) => record[0] === name)?.[1];
    expect(setting('method')).toBe('fifo');
    expect(setting('pool')).toBe('account');
    expect(setting('reporting_currency')).toBe('USD');
    expect(setting('holding_period')).toContain('long-term when');
    const part_i = records.findIndex((record) => record[0] === 'Part I: short-term (held one year or less)');
    const part_ii = records.findIndex((record) => record[0] === 'Part II: long-term (held more than one year)');
    const missing = records.findIndex((record) => record[0]!.startsWith('Missing basis:'));
    expect(part_i).toBeGreaterThan(0);
    expect(part_ii).toBeGreaterThan(part_i);
    expect(missing).toBeGreaterThan(part_ii);
    expect(records[part_i + 1]).toEqual([...form8949_columns]);
    expect(form8949_columns.slice(0, 8)).toEqual([
      'description',
      'date_acquired',
      'date_sold',
      'proceeds',
      'cost_basis',
      'adjustment_code',
      'adjustment_amount',
      'gain_or_loss',
    ]);
    const rows = records
      .slice(part_i + 2, part_ii - 2)
      .map((record) => Object.fromEntries(form8949_columns.map((column, index) => [column, record[index]])));
    const hostile = rows.find((row) => row.event_id === "'-s")!;
    expect(hostile).toMatchObject({
      venue: `'=HYPERLINK("http://evil","x")`,
      account: `'+main, "quoted"`,
      lot_id: "'@b#base",
      acquisition_event_id: "'@b",
      proceeds: '22000',
      cost_basis: '24000',
      gain_or_loss: '-2000',
    });
    // In the file itself: the quotes are doubled and the cell quoted, because of the comma and quotes.
    expect(text).toContain(`"'=HYPERLINK(""http://evil"",""x"")","'+main, ""quoted"""`);
    const unpriced = rows.find((row) => row.event_id === 'x-sell')!;
    expect(unpriced).toMatchObject({ proceeds: '', gain_or_loss: '', note: unpriced_note, cost_basis: '30' });
    expect(records[part_ii - 2]).toEqual([
      'Totals: 3 rows',
      '',
      '',
      '92000',
      '69000',
      '',
      '0',
      '23000',
      '1 unpriced rows not in the totals',
    ]);
    expect(records[part_ii + 2]![0]).toBe('1 BTC');
    expect(records[missing + 2]).toEqual([
      '0.5 BTC',
      '04/01/2024',
      '35000',
      '',
      missing_basis_note,
      'binance',
      'main',
      'BTC',
      '0.5',
      'trade',
      '2024-04-01T00:00:00.000Z',
      's-short',
    ]);
  });

  it('writes the open lots at the year end as CSV, with the settings', () => {
    const records = parseCsv(renderOpenLotsCsv(data));
    expect(records[0]).toEqual(['Keel tax lots: open lots', 'tax year 2024']);
    expect(records.find((record) => record[0] === 'method')?.[1]).toBe('fifo');
    const header = records.findIndex((record) => record[0] === 'venue' && record[1] === 'account');
    expect(records[header]).toEqual([...open_lot_columns]);
    const lots = records
      .slice(header + 1)
      .map((record) => Object.fromEntries(open_lot_columns.map((column, index) => [column, record[index]])));
    expect(lots).toContainEqual(
      expect.objectContaining({
        venue: `'=HYPERLINK("http://evil","x")`,
        asset: 'BTC',
        quantity: '0.6',
        date_acquired: '03/01/2024',
        cost_basis: '36000',
        lot_id: "'@b#base",
      }),
    );
    // The 2025 sale is after the year: the 2024 BTC lot is not open any more (the missing-basis sale took it), the hostile one is.
    expect(lots.filter((lot) => lot.asset === 'BTC')).toHaveLength(1);
    // ABC came from the unpriced sale: its lot has no cost, and says why.
    expect(lots).toContainEqual(
      expect.objectContaining({ asset: 'ABC', quantity: '70', cost_basis: '', note: unpriced_note }),
    );
  });

  it('writes JSON with the settings, both parts, missing basis and open lots', () => {
    const json = JSON.parse(renderTaxLotJson(data));
    expect(Object.keys(json)).toEqual([
      'export',
      'version',
      'tax_year',
      'period',
      'settings',
      'source',
      'part_i_short_term',
      'part_ii_long_term',
      'missing_basis',
      'open_lots',
      'period_close',
    ]);
    expect(json).toMatchObject({
      export: 'keel.tax-lots',
      version: 1,
      tax_year: 2024,
      period: { from: '2024-01-01T00:00:00.000Z', to: '2025-01-01T00:00:00.000Z' },
      source: 'test events',
    });
    expect(json.settings).toMatchObject({ method: 'fifo', pool: 'account', reporting_currency: 'USD' });
    expect(json.part_i_short_term.rows[0]).toEqual(
      expect.objectContaining({ event_id: '-s', venue: '=HYPERLINK("http://evil","x")' }),
    );
    expect(
      json.part_i_short_term.rows.find((row: { event_id: string }) => row.event_id === 'x-sell').proceeds,
    ).toBeNull();
    expect(json.open_lots.as_of).toBe('2025-01-01T00:00:00.000Z');
  });

  it('states other settings when asked for them', () => {
    const hifo = taxLotExportOf(events, [], { method: 'hifo', pool: 'global' }, 2024, 'test events');
    const records = parseCsv(renderForm8949Csv(hifo));
    expect(records.find((record) => record[0] === 'method')?.[1]).toBe('hifo');
    expect(records.find((record) => record[0] === 'pool')?.[1]).toBe('global');
  });

  it('refuses a tax year or a report period it cannot cover with a coded error', () => {
    for (const tax_year of [1969, 9999, 2024.5]) {
      expect(() => taxYearPeriod(tax_year)).toThrow(
        expect.objectContaining({ code: report_error_codes.tax_year_invalid, field: 'tax_year' }),
      );
    }
    expect(() => checkPeriod({ from: '2024-01-01', to: '2025-01-01T00:00:00.000Z' })).toThrow(
      expect.objectContaining({ code: report_error_codes.period_invalid }),
    );
    expect(() => checkPeriod({ from: '2025-01-01T00:00:00.000Z', to: '2024-01-01T00:00:00.000Z' })).toThrow(
      expect.objectContaining({ code: report_error_codes.period_invalid }),
    );
  });
});
