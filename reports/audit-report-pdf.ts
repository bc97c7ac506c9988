// The audit report as a PDF (pure: data in, bytes out). Cover with the period, the settings in
// force and the audit chain's head; then balances per venue account and asset, realised PnL by
// asset and term, fees and funding, charts, every trade with its one-line explanation,
// reconciliation, missing basis and unpriced rows, and the disposals and open lots behind the
// figures. The same data gives the same bytes: the file's dates are the period's end.
import type { RecordedSettings } from '../audit/lots/lot-settings.js';
import { drawStepChart } from './charts.js';
import {
  colors,
  contentWidth,
  createPdf,
  ensureSpace,
  finishPdf,
  fonts,
  footers,
  heading,
  heading_keep_with_next_pt,
  keyValues,
  pageBottom,
  paragraph,
  table,
  type Column,
  type Pdf,
} from './pdf-document.js';
import { groupDigits, humanTime, money } from './pdf-text.js';
import type { AuditReportData } from './report-data.js';

export type ReportProgress = {
  section: string;
  sections_done: number;
  sections_total: number;
  rows_done?: number;
  rows_total?: number;
};
export type AuditReportOptions = { on_progress?: (progress: ReportProgress) => void };

/** Rows between two progress reports inside a long table. */
const progress_rows_interval = 500;

type Section = {
  name: string;
  draw: (doc: Pdf, data: AuditReportData, rows: (done: number, total: number) => void) => void;
};

const sections: readonly Section[] = [
  { name: 'cover', draw: drawCover },
  { name: 'balances', draw: drawBalances },
  { name: 'realised PnL', draw: drawRealisedPnl },
  { name: 'fees and funding', draw: drawFeesAndFunding },
  { name: 'charts', draw: drawCharts },
  { name: 'trades', draw: drawTrades },
  { name: 'reconciliation', draw: drawReconciliation },
  { name: 'missing basis and unpriced', draw: drawExceptions },
  { name: 'prior-period adjustments', draw: drawAdjustments },
  { name: 'disposals and open lots', draw: drawLots },
];

export function renderAuditReportPdf(data: AuditReportData, options: AuditReportOptions = {}): Buffer {
  const doc = createPdf({
    title: `Keel audit report ${periodText(data)}`,
    subject: 'Audit report: balances, realised PnL, fees and funding, trades, reconciliation',
    keywords: `keel audit ${data.period.from} ${data.period.to}`,
    created_at: data.period.to,
  });
  sections.forEach((section, index) => {
    options.on_progress?.({ section: section.name, sections_done: index, sections_total: sections.length });
    section.draw(doc, data, (done, total) => {
      if (done % progress_rows_interval === 0 || done === total)
        options.on_progress?.({
          section: section.name,
          sections_done: index,
          sections_total: sections.length,
          rows_done: done,
          rows_total: total,
        });
    });
  });
  footers(
    doc,
    `Keel audit report, ${periodText(data)}, chain head ${data.chain === null ? 'none' : `#${data.chain.sequence} ${data.chain.hash.slice(0, 16)}`}`,
  );
  options.on_progress?.({ section: 'done', sections_done: sections.length, sections_total: sections.length });
  return finishPdf(doc);
}

function periodText(data: AuditReportData): string {
  return `${data.period.from.slice(0, 10)} to ${data.period.to.slice(0, 10)} (end excluded)`;
}

function drawCover(doc: Pdf, data: AuditReportData): void {
  doc
    .font(fonts.bold)
    .fontSize(22)
    .text('Keel audit report', { width: contentWidth(doc) });
  doc.moveDown(0.2);
  paragraph(doc, `Period: ${humanTime(data.period.from)} up to ${humanTime(data.period.to)} (the end is excluded).`, {
    size: 11,
  });
  paragraph(
    doc,
    `This file is dated at the period's end, ${humanTime(data.period.to)}, so the same inputs always give the same file.`,
    { size: 8, color: colors.muted },
  );
  heading(doc, 'Audit chain', 12);
  if (data.chain === null) {
    paragraph(doc, `No audit chain head: ${data.chain_note ?? 'none was read'}.`, { color: colors.warning });
  } else {
    const verified =
      data.chain.verified === null
        ? 'not checked'
        : data.chain.verified
          ? `verified end to end (${data.chain.entries ?? '?'} entries)`
          : `BROKEN: ${data.chain.problem ?? 'see keel verify'}`;
    keyValues(doc, [
      ['Head sequence', String(data.chain.sequence)],
      ['Head hash (SHA-256)', data.chain.hash],
      ['Verification', verified],
    ]);
  }
  heading(doc, 'Sources', 12);
  keyValues(doc, [
    ['Events', data.source.events],
    ['Ledger', data.source.ledger],
    ['Balances as of', `${humanTime(data.balances.as_of)} (event time)`],
    ['Events to period end', String(data.counts.events_to_period_end)],
    ['Events in period', String(data.counts.events_in_period)],
    ['Trades in period', String(data.counts.trades)],
    ['Disposals in period', String(data.counts.disposals)],
    [
      'Books closed through',
      data.period_close.closed_through === null
        ? 'no period closed'
        : `${data.period_close.closed_through} (UTC, inclusive)`,
    ],
    ['Prior-period adjustments', String(data.period_close.adjustments.length)],
  ]);
  heading(doc, 'Summary', 12);
  const currency = data.settings.reporting_currency;
  const totals = new Map(data.realised_pnl.totals.map((total) => [total.term, total]));
  const unpriced = totals.get('all')?.unpriced_rows ?? 0;
  keyValues(doc, [
    ['Realised gain, short-term', `${money(totals.get('short')?.gain ?? '0')} ${currency}`],
    ['Realised gain, long-term', `${money(totals.get('long')?.gain ?? '0')} ${currency}`],
    [
      'Realised gain, total',
      `${money(totals.get('all')?.gain ?? '0')} ${currency}${unpriced > 0 ? ` (${unpriced} unpriced rows not included)` : ''}`,
    ],
    ['Fees (valued)', `${money(lastValue(data.series.fees))} ${currency}`],
    ['Funding, net (valued)', `${money(lastValue(data.series.funding))} ${currency}`],
    ['Missing basis rows', String(data.missing_basis.length)],
    ['Unpriced rows', String(data.unpriced.length)],
  ]);
  heading(doc, 'Settings in force', 12);
  keyValues(doc, settingsRows(data.settings), { size: 7.5 });
}

export function settingsRows(settings: RecordedSettings): [string, string][] {
  return [
    ['Method', settings.method],
    [
      'Pool',
      settings.pool === 'account' ? 'account (one pool per venue account and asset)' : 'global (one pool per asset)',
    ],
    ['Reporting currency', settings.reporting_currency],
    [
      'Pegs',
      Object.entries(settings.pegs)
        .map(([asset, price]) => `${asset} = ${price}`)
        .join(', ') || 'none',
    ],
    ['Pegs used', settings.pegs_used.join(', ') || 'none'],
    ['Price age limit', `${settings.price_age_max_ms} ms`],
    ['Rounding scale', String(settings.rounding_scale)],
    ['Fee policy', settings.fee_policy],
    ['Holding period', settings.holding_period],
    ['Same-time order', settings.same_time_order],
    ['Price sources', settings.price_sources],
    ['Rounding', settings.rounding],
    ['Deposits without basis', settings.deposits_without_basis],
    ['Transfers', settings.transfers],
    ['Withdrawals', settings.withdrawals],
    ['Derivatives', settings.derivatives],
  ];
}

function lastValue(points: readonly { value: string }[]): string {
  return points.length === 0 ? '0' : points[points.length - 1]!.value;
}

function drawBalances(doc: Pdf, data: AuditReportData): void {
  doc.addPage();
  heading(doc, 'Balances per venue account and asset');
  note(
    doc,
    `From the ledger at the period's end (transfers with event time up to ${humanTime(data.balances.as_of)}). Balance = debits - credits.`,
  );
  tableOrNone(
    doc,
    'No ledger accounts had any movement.',
    [
      { header: 'Venue', width: 12 },
      { header: 'Account', width: 14 },
      { header: 'Type', width: 11 },
      { header: 'Asset', width: 14 },
      { header: 'Debits', width: 16, align: 'right' },
      { header: 'Credits', width: 16, align: 'right' },
      { header: 'Balance', width: 17, align: 'right' },
    ],
    data.balances.rows.map((row) => [
      row.venue,
      row.account,
      row.type,
      row.asset,
      groupDigits(row.debits),
      groupDigits(row.credits),
      groupDigits(row.balance),
    ]),
  );
}

function drawRealisedPnl(doc: Pdf, data: AuditReportData): void {
  const currency = data.settings.reporting_currency;
  heading(doc, `Realised PnL by asset and term (${currency})`);
  note(
    doc,
    'Disposals in the period, by the asset disposed of and the holding term. Unpriced rows have no proceeds or gain; they are counted, not added as zero.',
  );
  // The totals rows are always there (short, long, all): whether there is a table depends on the rows.
  if (data.realised_pnl.rows.length === 0) paragraph(doc, 'No disposals in the period.');
  else {
    table(
      doc,
      [
        { header: 'Asset', width: 12 },
        { header: 'Term', width: 9 },
        { header: 'Rows', width: 7, align: 'right' },
        { header: 'Quantity', width: 15, align: 'right' },
        { header: 'Proceeds', width: 16, align: 'right' },
        { header: 'Cost basis', width: 16, align: 'right' },
        { header: 'Gain', width: 16, align: 'right' },
        { header: 'Unpriced', width: 9, align: 'right' },
      ],
      [
        ...data.realised_pnl.rows.map((row) => [
          row.asset,
          row.term,
          String(row.rows),
          groupDigits(row.quantity),
          groupDigits(row.proceeds),
          groupDigits(row.cost_basis),
          groupDigits(row.gain),
          String(row.unpriced_rows),
        ]),
        ...data.realised_pnl.totals.map((total) => [
          `Total`,
          total.term,
          String(total.rows),
          '',
          groupDigits(total.proceeds),
          groupDigits(total.cost_basis),
          groupDigits(total.gain),
          String(total.unpriced_rows),
        ]),
      ],
    );
  }
  heading(doc, 'Derivatives: realised PnL in the settle asset', 11);
  if (data.derivatives.length === 0) return paragraph(doc, 'No derivative activity in the period.');
  note(
    doc,
    "Computed from entry and exit prices on positions closed in the period, beside the venue's own settlements (difference = computed - venue).",
  );
  table(
    doc,
    [
      { header: 'Venue / account', width: 18 },
      { header: 'Instrument', width: 16 },
      { header: 'Settle', width: 8 },
      { header: 'Trades', width: 7, align: 'right' },
      { header: 'Computed', width: 13, align: 'right' },
      { header: 'Venue', width: 13, align: 'right' },
      { header: 'Difference', width: 12, align: 'right' },
      { header: 'Funding', width: 13, align: 'right' },
    ],
    data.derivatives.map((row) => [
      `${row.venue} / ${row.account}`,
      row.instrument,
      row.settle_asset,
      String(row.trades),
      groupDigits(row.realised_pnl_computed),
      money(row.venue_settlements, 'none sent'),
      money(row.difference, 'n/a'),
      groupDigits(row.funding),
    ]),
  );
}

function drawFeesAndFunding(doc: Pdf, data: AuditReportData): void {
  const currency = data.settings.reporting_currency;
  heading(doc, 'Fees and funding');
  note(
    doc,
    `Amounts in each asset, exact; the value in ${currency} at the time of each payment where it could be priced (unpriced rows are counted, not valued at zero). A negative fee is a rebate; positive funding was received.`,
  );
  tableOrNone(
    doc,
    'No fees in the period.',
    [
      { header: 'Fees: asset', width: 16 },
      { header: 'Payments', width: 10, align: 'right' },
      { header: 'Amount', width: 22, align: 'right' },
      { header: `Value (${currency})`, width: 22, align: 'right' },
      { header: 'Unpriced', width: 10, align: 'right' },
    ],
    data.fees.map((row) => [
      row.asset,
      String(row.rows),
      groupDigits(row.amount),
      money(row.value),
      String(row.unpriced_rows),
    ]),
  );
  tableOrNone(
    doc,
    'No funding payments in the period.',
    [
      { header: 'Funding: asset', width: 14 },
      { header: 'Payments', width: 9, align: 'right' },
      { header: 'Received', width: 16, align: 'right' },
      { header: 'Paid', width: 16, align: 'right' },
      { header: 'Net', width: 16, align: 'right' },
      { header: `Net value (${currency})`, width: 17, align: 'right' },
      { header: 'Unpriced', width: 9, align: 'right' },
    ],
    data.funding.map((row) => [
      row.asset,
      String(row.rows),
      groupDigits(row.received),
      groupDigits(row.paid),
      groupDigits(row.net),
      money(row.value),
      String(row.unpriced_rows),
    ]),
  );
}

function drawCharts(doc: Pdf, data: AuditReportData): void {
  doc.addPage();
  heading(doc, 'Over the period');
  paragraph(
    doc,
    `Cumulative values in ${data.settings.reporting_currency}, each step at the time of the event that made it; rows that could not be priced are not drawn.`,
    { size: 8, color: colors.muted },
  );
  const width = contentWidth(doc);
  const height = Math.min(250, (pageBottom(doc) - doc.y - 40) / 2);
  const left = doc.page.margins.left;
  const top = doc.y + 12;
  const currency = data.settings.reporting_currency;
  drawStepChart(doc, { x: left, y: top, width, height }, 'Cumulative realised PnL', currency, data.period, [
    { label: 'realised gain', points: data.series.realised_pnl, color: '#1d4ed8' },
  ]);
  drawStepChart(
    doc,
    { x: left, y: top + height + 24, width, height },
    'Cumulative fees and funding',
    currency,
    data.period,
    [
      { label: 'fees paid', points: data.series.fees, color: '#b91c1c' },
      { label: 'funding, net received', points: data.series.funding, color: '#15803d', dash: true },
    ],
  );
  doc.x = left;
  doc.y = top + 2 * height + 30;
}

function drawTrades(doc: Pdf, data: AuditReportData, rows: (done: number, total: number) => void): void {
  doc.addPage();
  heading(doc, 'Trades and their explanations');
  note(
    doc,
    "One line per trade (an order's fills at one venue account). `keel report trade ID` prints the full explanation of one.",
  );
  tableOrNone(
    doc,
    'No trades in the period.',
    [
      { header: 'Time (UTC)', width: 13 },
      { header: 'Trade', width: 22 },
      { header: 'Explanation', width: 65 },
    ],
    data.trades.map((trade) => [humanTime(trade.time).replace(' UTC', ''), trade.trade_id, trade.explanation]),
    { size: 7, on_row: (index) => rows(index + 1, data.trades.length) },
  );
}

function drawReconciliation(doc: Pdf, data: AuditReportData): void {
  // The section title stays with the first sub-heading and what that one keeps.
  heading(doc, 'Reconciliation', 14, 11 * 2.5 + heading_keep_with_next_pt);
  heading(doc, 'Venue balances against the ledger (I7)', 11);
  const venues = data.reconciliation.venues;
  if (venues === null)
    paragraph(
      doc,
      'No venue reconciliation results were supplied for this report (keel reconcile --format json produces them).',
      { color: colors.muted },
    );
  else if (venues.length === 0) paragraph(doc, 'The reconciliation input held no venue accounts.');
  else {
    for (const venue of venues) {
      paragraph(
        doc,
        `${venue.venue} / ${venue.account}: ${venue.matched.length} assets match, ${venue.differences.length} differ.`,
        { color: venue.differences.length > 0 ? colors.warning : colors.text },
      );
      if (venue.differences.length > 0) {
        table(
          doc,
          [
            { header: 'Asset', width: 16 },
            { header: 'Ledger', width: 28, align: 'right' },
            { header: 'Venue', width: 28, align: 'right' },
            { header: 'Difference (venue - ledger)', width: 28, align: 'right' },
          ],
          venue.differences.map((line) => [
            line.asset,
            groupDigits(line.ledger),
            groupDigits(line.venue),
            groupDigits(line.difference),
          ]),
        );
      }
    }
  }
  heading(doc, 'Open lots against ledger cash (I6)', 11);
  note(
    doc,
    'Per lot pool and asset at the period end: open lot quantity against the ledger cash balance. A difference means history is incomplete (for example a deposit without cost basis creates no lot).',
  );
  const rows = data.reconciliation.lots_vs_ledger;
  if (rows.length === 0) return paragraph(doc, 'No open lots and no cash balances.');
  const differing = rows.filter((row) => row.difference !== '0').length;
  paragraph(doc, `${rows.length - differing} match, ${differing} differ.`, {
    color: differing > 0 ? colors.warning : colors.text,
  });
  table(
    doc,
    [
      { header: 'Venue', width: 14 },
      { header: 'Account', width: 14 },
      { header: 'Asset', width: 12 },
      { header: 'Open lots', width: 20, align: 'right' },
      { header: 'Ledger cash', width: 20, align: 'right' },
      { header: 'Difference', width: 20, align: 'right' },
    ],
    rows.map((row) => [
      row.venue,
      row.account,
      row.asset,
      groupDigits(row.open_lots),
      groupDigits(row.ledger_cash),
      groupDigits(row.difference),
    ]),
  );
}

function drawExceptions(doc: Pdf, data: AuditReportData): void {
  heading(doc, 'Missing basis');
  note(
    doc,
    'Quantities that left a pool with no lot to take them from: their cost basis is unknown, never taken as zero.',
  );
  tableOrNone(
    doc,
    'None in the period.',
    [
      { header: 'Time (UTC)', width: 14 },
      { header: 'Event', width: 30 },
      { header: 'Kind', width: 10 },
      { header: 'Venue / account', width: 16 },
      { header: 'Asset', width: 8 },
      { header: 'Quantity', width: 11, align: 'right' },
      { header: 'Proceeds', width: 11, align: 'right' },
    ],
    data.missing_basis.map((row) => [
      humanTime(row.time).replace(' UTC', ''),
      row.event_id,
      row.kind,
      `${row.venue} / ${row.account}`,
      row.asset,
      groupDigits(row.quantity),
      money(row.proceeds, 'n/a'),
    ]),
  );
  heading(doc, 'Unpriced rows');
  note(
    doc,
    `Values that could not be priced in ${data.settings.reporting_currency}: they are null in every figure, never zero.`,
  );
  tableOrNone(
    doc,
    'None in the period.',
    [
      { header: 'Time (UTC)', width: 15 },
      { header: 'Event', width: 40 },
      { header: 'Asset', width: 10 },
      { header: 'Quantity', width: 15, align: 'right' },
      { header: 'Role', width: 20 },
    ],
    data.unpriced.map((row) => [
      humanTime(row.time).replace(' UTC', ''),
      row.event_id,
      row.asset,
      groupDigits(row.quantity),
      row.role,
    ]),
  );
}

/** The grey line under a heading that says where the figures below come from. */
function drawAdjustments(doc: Pdf, data: AuditReportData): void {
  heading(doc, 'Prior-period adjustments');
  note(
    doc,
    'Events dated in a closed period that arrived after the close: each is applied at the close boundary and keeps its own date (README "Period close").',
  );
  const columns: Column[] = [
    { header: 'Event', width: 34 },
    { header: 'Type', width: 12 },
    { header: 'Dated', width: 27 },
    { header: 'Booked at', width: 27 },
  ];
  tableOrNone(
    doc,
    'No prior-period adjustment is dated or booked in this period.',
    columns,
    data.period_close.adjustments.map((line) => [
      line.event_id,
      line.type,
      humanTime(line.event_time),
      humanTime(line.applied_at),
    ]),
  );
}

function note(doc: Pdf, text: string): void {
  paragraph(doc, text, { size: 8, color: colors.muted });
  doc.moveDown(0.3);
}

/** The table, or the sentence saying it has no rows. */
function tableOrNone(
  doc: Pdf,
  none: string,
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  options?: Parameters<typeof table>[3],
): void {
  if (rows.length === 0) paragraph(doc, none);
  else table(doc, columns, rows, options);
}

function drawLots(doc: Pdf, data: AuditReportData, rows: (done: number, total: number) => void): void {
  doc.addPage();
  const currency = data.settings.reporting_currency;
  heading(doc, `Disposals in the period (${currency})`);
  note(doc, 'One row per (disposal, lot) pair: the figures the realised PnL table adds up.');
  tableOrNone(
    doc,
    'None.',
    [
      { header: 'Disposed (UTC)', width: 12 },
      { header: 'Acquired', width: 9 },
      { header: 'Event / lot', width: 30 },
      { header: 'Asset', width: 7 },
      { header: 'Quantity', width: 10, align: 'right' },
      { header: 'Proceeds', width: 11, align: 'right' },
      { header: 'Cost', width: 11, align: 'right' },
      { header: 'Gain', width: 10, align: 'right' },
      { header: 'Term', width: 6 },
    ],
    data.disposals.map((row) => [
      humanTime(row.disposed_at).slice(0, 19),
      row.acquired_at.slice(0, 10),
      `${row.event_id} (${row.kind})\nlot ${row.lot_id}`,
      row.asset,
      groupDigits(row.quantity),
      money(row.proceeds),
      money(row.cost_basis),
      money(row.gain),
      row.term,
    ]),
    { size: 6.5, on_row: (index) => rows(index + 1, data.disposals.length) },
  );
  heading(doc, `Open lots at the period end (${currency})`);
  if (data.open_lots.length === 0) return paragraph(doc, 'None.');
  ensureSpace(doc, 40);
  table(
    doc,
    [
      { header: 'Acquired (UTC)', width: 14 },
      { header: 'Venue / account', width: 16 },
      { header: 'Lot', width: 36 },
      { header: 'Asset', width: 8 },
      { header: 'Quantity', width: 13, align: 'right' },
      { header: 'Cost basis', width: 13, align: 'right' },
    ],
    data.open_lots.map((row) => [
      humanTime(row.acquired_at).slice(0, 19),
      `${row.venue} / ${row.account}`,
      row.lot_id,
      row.asset,
      groupDigits(row.quantity),
      money(row.cost_basis),
    ]),
    { size: 6.5 },
  );
}
