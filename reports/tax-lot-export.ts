// Tax-lot exports for a tax year (pure): Form 8949-style rows (Part I short-term, Part II
// long-term), the open lots at the year's end, and the same as JSON. Every export states the lot
// settings it was made with. Disposals are those whose `disposed_at` falls in the year (UTC).
//
// Nothing is silently zero: a row whose proceeds or cost could not be priced keeps an empty cell
// and says so in its note (and stays out of the totals, which count it); a quantity disposed of
// with no lot to take it from is listed under "missing basis" with its proceeds and an unknown
// cost, outside Part I and II, since its holding period cannot be known either.
//
// CSV is RFC 4180 (CRLF, quotes doubled, fields with , " CR LF quoted); text cells that start
// with = + - @ (or a tab or CR) are prefixed with ' so a spreadsheet shows them as text instead of
// running them as formulas. Figures are plain decimals, never neutralised (a loss stays a number).
import type { DisposalRow, LotReport, MissingBasisRow, OpenLotRow } from '../audit/lots/lot-report.js';
import { csvCell } from '../audit/lots/lot-report.js';
import type { RecordedSettings } from '../audit/lots/lot-settings.js';
import { parseExact } from '../audit/lots/decimal-math.js';
import { addDecimals, formatDecimal, zero_decimal } from '../ledger/money.js';
import type { Decimal } from '../ledger/money.js';
import type { AdjustmentLine, PeriodCloseFacts } from '../audit/close-store.js';
import { report_error_codes, reportError } from './report-errors.js';

export const tax_lot_export_version = 1;

export type Form8949Row = {
  /** (a) Description of property: quantity and asset, e.g. "0.1 BTC". */
  description: string;
  /** (b) Date acquired, MM/DD/YYYY (UTC). */
  date_acquired: string;
  /** (c) Date sold or disposed of, MM/DD/YYYY (UTC). */
  date_sold: string;
  /** (d) Proceeds; null when unpriced. */
  proceeds: string | null;
  /** (e) Cost or other basis; null when unpriced. */
  cost_basis: string | null;
  /** (f) Adjustment code(s); empty when none. */
  adjustment_code: string;
  /** (g) Amount of adjustment; null when none. */
  adjustment_amount: string | null;
  /** (h) Gain or (loss) = (d) − (e) + (g); null when (d) or (e) is unknown. */
  gain_or_loss: string | null;
  note: string;
  venue: string;
  account: string;
  asset: string;
  quantity: string;
  term: 'short' | 'long';
  kind: string;
  acquired_at: string;
  disposed_at: string;
  lot_id: string;
  event_id: string;
  acquisition_event_id: string;
};

export type PartTotals = {
  rows: number;
  proceeds: string;
  cost_basis: string;
  adjustment_amount: string;
  gain_or_loss: string;
  unpriced_rows: number;
};

export type MissingBasisExportRow = MissingBasisRow & { time: string; note: string };

export type TaxLotExport = {
  export: 'keel.tax-lots';
  version: number;
  tax_year: number;
  /** [from, to) in UTC. */
  period: { from: string; to: string };
  settings: RecordedSettings;
  source: string;
  part_i_short_term: { rows: Form8949Row[]; totals: PartTotals };
  part_ii_long_term: { rows: Form8949Row[]; totals: PartTotals };
  missing_basis: MissingBasisExportRow[];
  open_lots: { as_of: string; rows: (OpenLotRow & { note: string })[] };
  /** The date the books are closed through (audit store), and the prior-period adjustments dated or applied in the year, with their original events. */
  period_close: { closed_through: string | null; adjustments: AdjustmentLine[] };
};

export const unpriced_note =
  'UNPRICED: no price in the reporting currency was found; the empty value is unknown, not zero';
export const missing_basis_note =
  'MISSING BASIS: no acquisition was recorded for this quantity; cost basis and acquisition date are unknown, not zero';

export function taxYearPeriod(tax_year: number): { from: string; to: string } {
  if (!Number.isInteger(tax_year) || tax_year < 1970 || tax_year > 9998) {
    throw reportError(
      report_error_codes.tax_year_invalid,
      `tax year must be a whole number from 1970 to 9998, got ${tax_year}`,
      { field: 'tax_year' },
    );
  }
  return { from: `${tax_year}-01-01T00:00:00.000Z`, to: `${tax_year + 1}-01-01T00:00:00.000Z` };
}

/**
 * The export of `report` for `tax_year`. `report` should cover the events up to the year's end
 * (then its open lots are those at the year's end); `event_times` gives the time of each event,
 * for missing-basis rows, which carry none.
 */
export function buildTaxLotExport(
  report: LotReport,
  tax_year: number,
  event_times: ReadonlyMap<string, string>,
  source: string,
  period_close: Omit<PeriodCloseFacts, 'closes'> = { closed_through: null, adjustments: [] },
): TaxLotExport {
  const period = taxYearPeriod(tax_year);
  const inYear = (time: string) => time >= period.from && time < period.to;
  const applied_at = new Map(period_close.adjustments.map((line) => [line.event_id, line.applied_at]));
  const rows = report.disposals
    .filter((row) => inYear(row.disposed_at))
    .map(form8949Row)
    .map((row) =>
      applied_at.has(row.event_id)
        ? {
            ...row,
            note: [adjustmentNote(applied_at.get(row.event_id)!), row.note].filter((text) => text !== '').join('; '),
          }
        : row,
    );
  const short_rows = rows.filter((row) => row.term === 'short');
  const long_rows = rows.filter((row) => row.term === 'long');
  return {
    export: 'keel.tax-lots',
    version: tax_lot_export_version,
    tax_year,
    period,
    settings: report.settings,
    source,
    part_i_short_term: { rows: short_rows, totals: partTotals(short_rows) },
    part_ii_long_term: { rows: long_rows, totals: partTotals(long_rows) },
    missing_basis: report.missing_basis
      .map((row) => ({ ...row, time: event_times.get(row.event_id) ?? '', note: missing_basis_note }))
      .filter((row) => inYear(row.time)),
    open_lots: {
      as_of: period.to,
      rows: report.open_lots.map((row) => ({
        ...row,
        note: row.unpriced || row.cost_basis === null ? unpriced_note : '',
      })),
    },
    period_close: {
      closed_through: period_close.closed_through,
      adjustments: period_close.adjustments.filter((line) => inYear(line.applied_at) || inYear(line.event_time)),
    },
  };
}

/** A disposal made by a prior-period adjustment keeps its own date; the note says where it was booked. */
export function adjustmentNote(applied_at: string): string {
  return `PRIOR-PERIOD ADJUSTMENT: dated in a closed period, booked at ${applied_at}`;
}

function form8949Row(row: DisposalRow): Form8949Row {
  const unpriced = row.proceeds === null || row.cost_basis === null || row.gain === null;
  return {
    description: `${row.quantity} ${row.asset}`,
    date_acquired: usDate(row.acquired_at),
    date_sold: usDate(row.disposed_at),
    proceeds: row.proceeds,
    cost_basis: row.cost_basis,
    adjustment_code: '',
    adjustment_amount: null,
    gain_or_loss: unpriced ? null : row.gain,
    note: unpriced ? unpriced_note : row.kind === 'trade' ? '' : `disposal by ${row.kind.replace('_', ' ')}`,
    venue: row.venue,
    account: row.account,
    asset: row.asset,
    quantity: row.quantity,
    term: row.term,
    kind: row.kind,
    acquired_at: row.acquired_at,
    disposed_at: row.disposed_at,
    lot_id: row.lot_id,
    event_id: row.event_id,
    acquisition_event_id: row.acquisition_event_id,
  };
}

function partTotals(rows: readonly Form8949Row[]): PartTotals {
  let proceeds: Decimal = zero_decimal;
  let cost_basis: Decimal = zero_decimal;
  let adjustment: Decimal = zero_decimal;
  let gain: Decimal = zero_decimal;
  let unpriced_rows = 0;
  for (const row of rows) {
    if (row.proceeds === null || row.cost_basis === null || row.gain_or_loss === null) {
      unpriced_rows += 1;
      continue;
    }
    proceeds = addDecimals(proceeds, parseExact(row.proceeds, 'proceeds'));
    cost_basis = addDecimals(cost_basis, parseExact(row.cost_basis, 'cost_basis'));
    if (row.adjustment_amount !== null)
      adjustment = addDecimals(adjustment, parseExact(row.adjustment_amount, 'adjustment'));
    gain = addDecimals(gain, parseExact(row.gain_or_loss, 'gain'));
  }
  return {
    rows: rows.length,
    proceeds: formatDecimal(proceeds),
    cost_basis: formatDecimal(cost_basis),
    adjustment_amount: formatDecimal(adjustment),
    gain_or_loss: formatDecimal(gain),
    unpriced_rows,
  };
}

/** `2024-03-05T14:20:00.000Z` → `03/05/2024`, as Form 8949 writes dates (UTC). */
function usDate(iso: string): string {
  return `${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(0, 4)}`;
}

export const form8949_columns = [
  'description',
  'date_acquired',
  'date_sold',
  'proceeds',
  'cost_basis',
  'adjustment_code',
  'adjustment_amount',
  'gain_or_loss',
  'note',
  'venue',
  'account',
  'asset',
  'quantity',
  'term',
  'kind',
  'acquired_at',
  'disposed_at',
  'lot_id',
  'event_id',
  'acquisition_event_id',
] as const;

const numeric_columns = new Set<string>(['proceeds', 'cost_basis', 'adjustment_amount', 'gain_or_loss', 'quantity']);

export const open_lot_columns = [
  'venue',
  'account',
  'asset',
  'quantity',
  'date_acquired',
  'cost_basis',
  'note',
  'acquired_at',
  'lot_id',
  'acquisition_event_id',
] as const;

/** One CSV line; every cell that is not a figure is neutralised against formulas. */
function csvLine(cells: readonly (string | null)[], numeric: readonly boolean[] = []): string {
  return cells.map((cell, index) => csvCell(cell ?? '', numeric[index] !== true)).join(',');
}

function settingsLines(title: string, data: TaxLotExport): string[] {
  const settings = data.settings;
  return [
    csvLine([title, `tax year ${data.tax_year}`]),
    csvLine(['period', `${data.period.from} to ${data.period.to} (end excluded, UTC)`]),
    csvLine(['source', data.source]),
    csvLine(['closed_through', data.period_close.closed_through ?? 'no period closed']),
    csvLine(['prior_period_adjustments', String(data.period_close.adjustments.length)]),
    csvLine(['setting', 'value']),
    csvLine(['method', settings.method]),
    csvLine(['pool', settings.pool]),
    csvLine(['reporting_currency', settings.reporting_currency]),
    csvLine([
      'pegs',
      Object.entries(settings.pegs)
        .map(([asset, price]) => `${asset}=${price}`)
        .join(' ') || 'none',
    ]),
    csvLine(['pegs_used', settings.pegs_used.join(' ') || 'none']),
    csvLine(['price_age_max_ms', String(settings.price_age_max_ms)]),
    csvLine(['rounding_scale', String(settings.rounding_scale)]),
    csvLine(['fee_policy', settings.fee_policy]),
    csvLine(['holding_period', settings.holding_period]),
    csvLine(['same_time_order', settings.same_time_order]),
    csvLine(['price_sources', settings.price_sources]),
    csvLine(['rounding', settings.rounding]),
    csvLine(['deposits_without_basis', settings.deposits_without_basis]),
    csvLine(['transfers', settings.transfers]),
    csvLine(['withdrawals', settings.withdrawals]),
    csvLine(['derivatives', settings.derivatives]),
    csvLine([
      'adjustments',
      'none are made (column f empty, g empty); an unpriced or missing-basis row is marked in its note and left out of the totals',
    ]),
  ];
}

/**
 * The Form 8949-style CSV: a block of settings, then Part I (short-term) and Part II (long-term),
 * each with its column header, its rows and a totals row, then the missing-basis rows. Blocks are
 * separated by an empty line.
 */
export function renderForm8949Csv(data: TaxLotExport): string {
  const numeric = form8949_columns.map((column) => numeric_columns.has(column));
  const part = (title: string, rows: readonly Form8949Row[], totals: PartTotals) => [
    csvLine([title]),
    csvLine([...form8949_columns]),
    ...rows.map((row) =>
      csvLine(
        form8949_columns.map((column) => row[column]),
        numeric,
      ),
    ),
    csvLine(
      [
        `Totals: ${totals.rows} rows`,
        '',
        '',
        totals.proceeds,
        totals.cost_basis,
        '',
        totals.adjustment_amount,
        totals.gain_or_loss,
        totals.unpriced_rows === 0 ? '' : `${totals.unpriced_rows} unpriced rows not in the totals`,
      ],
      [false, false, false, true, true, false, true, true, false],
    ),
  ];
  const missing_columns = [
    'description',
    'date_sold',
    'proceeds',
    'cost_basis',
    'note',
    'venue',
    'account',
    'asset',
    'quantity',
    'kind',
    'disposed_at',
    'event_id',
  ];
  const lines = [
    ...settingsLines('Keel tax lots: Form 8949-style disposals', data),
    '',
    ...part('Part I: short-term (held one year or less)', data.part_i_short_term.rows, data.part_i_short_term.totals),
    '',
    ...part('Part II: long-term (held more than one year)', data.part_ii_long_term.rows, data.part_ii_long_term.totals),
    '',
    csvLine([
      'Missing basis: quantities disposed of with no recorded acquisition (holding period unknown; not in Part I or II)',
    ]),
    csvLine(missing_columns),
    ...data.missing_basis.map((row) =>
      csvLine(
        [
          `${row.quantity} ${row.asset}`,
          row.time === '' ? '' : usDate(row.time),
          row.proceeds,
          null,
          row.note,
          row.venue,
          row.account,
          row.asset,
          row.quantity,
          row.kind,
          row.time,
          row.event_id,
        ],
        [false, false, true, true, false, false, false, false, true, false, false, false],
      ),
    ),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** The open lots at the year's end as CSV: the settings block, then one row per lot. */
export function renderOpenLotsCsv(data: TaxLotExport): string {
  const numeric = open_lot_columns.map((column) => column === 'quantity' || column === 'cost_basis');
  const lines = [
    ...settingsLines('Keel tax lots: open lots', data),
    csvLine(['as_of', `${data.open_lots.as_of} (lots still open at the end of the tax year)`]),
    '',
    csvLine([...open_lot_columns]),
    ...data.open_lots.rows.map((row) =>
      csvLine(
        [
          row.venue,
          row.account,
          row.asset,
          row.quantity,
          usDate(row.acquired_at),
          row.cost_basis,
          row.note,
          row.acquired_at,
          row.lot_id,
          row.acquisition_event_id,
        ],
        numeric,
      ),
    ),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

export function renderTaxLotJson(data: TaxLotExport): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}
