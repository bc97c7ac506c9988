// The lot report: what the lot engine says about a set of events, in the reporting currency.
// Money and quantities are exact decimal strings (shortest form), times ISO-8601 UTC. A value that
// could not be priced is null with `unpriced: true`, never zero. The CSV export of disposals is
// here too, pure, so the command and the audit service print the same bytes.
import type { RecordedSettings } from './lot-settings.js';
import type { Term } from './holding-period.js';

/** What made a lot, or what took one. */
export type AcquisitionKind = 'trade' | 'rebate' | 'income' | 'funding' | 'settlement' | 'deposit';
export type DisposalKind = 'trade' | 'fee' | 'income' | 'funding' | 'settlement' | 'deposit_fee' | 'withdrawal_fee';

/** One row per (disposal, lot) pair. */
export type DisposalRow = {
  event_id: string;
  kind: DisposalKind;
  venue: string;
  account: string;
  asset: string;
  quantity: string;
  acquired_at: string;
  disposed_at: string;
  proceeds: string | null;
  cost_basis: string | null;
  gain: string | null;
  term: Term;
  lot_id: string;
  acquisition_event_id: string;
  unpriced?: true;
};

export type AcquisitionRow = {
  lot_id: string;
  event_id: string;
  kind: AcquisitionKind;
  venue: string;
  account: string;
  asset: string;
  quantity: string;
  cost_basis: string | null;
  acquired_at: string;
  unpriced?: true;
};

export type OpenLotRow = {
  lot_id: string;
  venue: string;
  account: string;
  asset: string;
  quantity: string;
  cost_basis: string | null;
  acquired_at: string;
  acquisition_event_id: string;
  unpriced?: true;
};

/** A quantity that left a pool with no lot to take it from: proceeds are set for disposals, null otherwise. */
export type MissingBasisRow = {
  event_id: string;
  kind: DisposalKind | 'withdrawal' | 'transfer';
  venue: string;
  account: string;
  asset: string;
  quantity: string;
  proceeds: string | null;
};

export type WithdrawnRow = {
  event_id: string;
  venue: string;
  account: string;
  asset: string;
  quantity: string;
  cost_basis: string | null;
  acquired_at: string;
  withdrawn_at: string;
  lot_id: string;
  acquisition_event_id: string;
};

export type TransferredRow = {
  event_id: string;
  asset: string;
  quantity: string;
  cost_basis: string | null;
  acquired_at: string;
  lot_id: string;
  new_lot_id: string;
  from_venue: string;
  from_account: string;
  to_venue: string;
  to_account: string;
};

export type UnpricedRow = { event_id: string; time: string; asset: string; quantity: string; role: string };

export type DepositWithoutBasisRow = {
  event_id: string;
  venue: string;
  account: string;
  asset: string;
  quantity: string;
};

export type ConflictRow = { event_id: string; reason: string };

export type DerivativeRow = {
  venue: string;
  account: string;
  instrument: string;
  kind: 'perpetual' | 'future';
  settle_asset: string;
  contract_size: string;
  inverse: boolean;
  trades: number;
  contracts_closed: string;
  /** Contracts still open: positive long, negative short. */
  open_position: string;
  realised_pnl_computed: string;
  /** Sum of the venue's settlement events for the instrument in the settle asset; null when it sent none. */
  venue_settlements_total: string | null;
  settlements: number;
  /** computed − venue; null when the venue sent no settlements. */
  difference: string | null;
  funding_total: string;
  fees: { asset: string; amount: string }[];
  notes: string[];
};

export type LotReport = {
  settings: RecordedSettings;
  disposals: DisposalRow[];
  acquisitions: AcquisitionRow[];
  open_lots: OpenLotRow[];
  missing_basis: MissingBasisRow[];
  withdrawn: WithdrawnRow[];
  transferred: TransferredRow[];
  unpriced: UnpricedRow[];
  deposits_without_basis: DepositWithoutBasisRow[];
  derivatives: DerivativeRow[];
  /** Events given twice with the same id and different content: the first in (time, id) order is used. */
  conflicts: ConflictRow[];
};

export const disposal_csv_columns = [
  'event_id',
  'kind',
  'venue',
  'account',
  'asset',
  'quantity',
  'acquired_at',
  'disposed_at',
  'proceeds',
  'cost_basis',
  'gain',
  'term',
  'lot_id',
  'acquisition_event_id',
  'unpriced',
  'method',
  'pool',
  'reporting_currency',
] as const;

/** Columns that hold free text from the input: these are neutralised against spreadsheet formulas. */
const text_columns = new Set<string>(['event_id', 'venue', 'account', 'asset', 'lot_id', 'acquisition_event_id']);

/**
 * The disposals as CSV (RFC 4180: CRLF line ends, quotes doubled, a header row). Every row names
 * the method, pool and reporting currency in force, so a row copied out of the file keeps them.
 */
export function renderDisposalsCsv(report: LotReport): string {
  const lines = [disposal_csv_columns.join(',')];
  for (const row of report.disposals) {
    const values: Record<(typeof disposal_csv_columns)[number], string> = {
      ...row,
      proceeds: row.proceeds ?? '',
      cost_basis: row.cost_basis ?? '',
      gain: row.gain ?? '',
      unpriced: row.unpriced ? 'true' : '',
      method: report.settings.method,
      pool: report.settings.pool,
      reporting_currency: report.settings.reporting_currency,
    };
    lines.push(disposal_csv_columns.map((column) => csvCell(values[column], text_columns.has(column))).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * One RFC 4180 cell. A text cell starting with = + - @ (or a tab or carriage return) would run as
 * a formula in a spreadsheet; it is prefixed with ' so it shows as the text it is. Numbers are
 * left alone: a negative gain must stay a number.
 */
export function csvCell(value: string, is_text: boolean): string {
  const safe = is_text && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
