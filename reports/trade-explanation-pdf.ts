// One trade on one page, for a regulator or a mentor: the facts of the trade record, its
// plain-language explanation (audit/explanation.ts), the fills and the lots it closed, what is
// missing, and the settings the figures were made with. It always fits one page: the type is set
// smaller, and long tables shortened (saying how many rows were left out), until it does.
import type { RecordedSettings } from '../audit/lots/lot-settings.js';
import type { TradeRecord } from '../audit/trade-records.js';
import {
  colors,
  contentWidth,
  createPdf,
  finishPdf,
  fonts,
  keyValues,
  paragraph,
  table,
  type Pdf,
} from './pdf-document.js';
import { groupDigits, humanTime, money } from './pdf-text.js';

export type TradeExplanationOptions = {
  /** The lot settings the record was computed with, printed on the page. */
  settings?: RecordedSettings;
  /** The file's date; default the trade's last fill, so the same record gives the same bytes. */
  created_at?: string;
  /** Where the record sits in the audit store, when it came from there. */
  stored?: { version: number; record_hash: string; audit_sequence?: number | null };
};

type Fit = { size: number; rows_max: number; explanation_chars_max: number };

const fits: readonly Fit[] = [
  { size: 9, rows_max: 14, explanation_chars_max: Infinity },
  { size: 8, rows_max: 10, explanation_chars_max: Infinity },
  { size: 7, rows_max: 8, explanation_chars_max: Infinity },
  { size: 6, rows_max: 5, explanation_chars_max: Infinity },
  { size: 5.5, rows_max: 3, explanation_chars_max: 2_500 },
  { size: 5, rows_max: 2, explanation_chars_max: 1_200 },
];

export function renderTradeExplanationPdf(
  record: TradeRecord,
  explanation: string,
  options: TradeExplanationOptions = {},
): Buffer {
  const info = {
    title: `Trade ${record.trade_id}`,
    subject: 'Trade explanation',
    keywords: `keel trade ${record.trade_id}`,
    created_at: options.created_at ?? record.closed_at,
  };
  // Try each fit on a scratch document; the first that stays on one page is drawn for real.
  const fit = fits.find((candidate) => {
    const scratch = createPdf(info);
    draw(scratch, record, explanation, options, candidate);
    return scratch.bufferedPageRange().count === 1;
  });
  const doc = createPdf(info);
  draw(doc, record, explanation, options, fit ?? fits[fits.length - 1]!);
  const pages = doc.bufferedPageRange().count;
  if (pages !== 1)
    throw new Error(`trade explanation of ${record.trade_id} took ${pages} pages even at the smallest type`);
  return finishPdf(doc);
}

function draw(doc: Pdf, record: TradeRecord, explanation: string, options: TradeExplanationOptions, fit: Fit): void {
  const { size } = fit;
  doc
    .font(fonts.bold)
    .fontSize(size + 7)
    .text('Trade explanation', { width: contentWidth(doc) });
  paragraph(doc, record.trade_id, { size: size + 1, font: fonts.bold });
  doc.moveDown(0.4);
  const quantity_unit = record.instrument.kind === 'spot' ? record.instrument.base : 'contracts';
  keyValues(
    doc,
    [
      ['Venue / account', `${record.venue} / ${record.account}`],
      ['Instrument', `${record.instrument.symbol} (${record.instrument.kind})`],
      ['Side', record.side],
      [
        'Order',
        `${record.order_id}${record.client_order_id === null ? '' : `, client order ${record.client_order_id}`}`,
      ],
      [
        'Time',
        record.opened_at === record.closed_at
          ? humanTime(record.opened_at)
          : `${humanTime(record.opened_at)} to ${humanTime(record.closed_at)}`,
      ],
      ['Fills', `${record.fills.length} (quantities in ${quantity_unit})`],
      [
        'Realised',
        record.lots.closed.length === 0
          ? 'no lots closed'
          : `${money(record.lots.realised_gain)} ${record.lots.reporting_currency}`,
      ],
      ...(options.stored === undefined
        ? []
        : ([
            [
              'Stored record',
              `version ${options.stored.version}, SHA-256 ${options.stored.record_hash}${options.stored.audit_sequence == null ? '' : `, audit entry #${options.stored.audit_sequence}`}`,
            ],
          ] as [string, string][])),
    ],
    { size, label_width: size * 11 },
  );
  section(doc, 'Explanation', size);
  const text =
    explanation.length > fit.explanation_chars_max
      ? `${explanation.slice(0, fit.explanation_chars_max)}… (shortened to fit one page; keel explain prints it whole)`
      : explanation;
  for (const line of text.split('\n')) {
    paragraph(doc, line, { size });
    doc.moveDown(0.15);
  }
  section(doc, 'Fills', size);
  table(
    doc,
    [
      { header: 'Time (UTC)', width: 18 },
      { header: 'Fill', width: 16 },
      { header: 'Quantity', width: 13, align: 'right' },
      { header: 'Price', width: 14, align: 'right' },
      { header: 'Fees', width: 21 },
      { header: 'Liquidity', width: 9 },
    ],
    shortened(
      record.fills.map((fill) => [
        humanTime(fill.time).replace(' UTC', ''),
        fill.trade_id,
        groupDigits(fill.quantity),
        groupDigits(fill.price),
        fill.fees.map((fee) => `${fee.amount} ${fee.asset}`).join(', ') || 'none',
        `${fill.liquidity ?? 'n/a'}${fill.liquidation ? ' LIQ' : ''}`,
      ]),
      fit.rows_max,
      6,
    ),
    { size: size - 1 },
  );
  if (record.lots.closed.length > 0) {
    section(doc, `Lots closed (${record.lots.reporting_currency})`, size);
    table(
      doc,
      [
        { header: 'Lot', width: 34 },
        { header: 'Acquired', width: 11 },
        { header: 'Quantity', width: 12, align: 'right' },
        { header: 'Cost', width: 13, align: 'right' },
        { header: 'Proceeds', width: 13, align: 'right' },
        { header: 'Gain', width: 11, align: 'right' },
        { header: 'Term', width: 6 },
      ],
      shortened(
        record.lots.closed.map((lot) => [
          lot.lot_id,
          lot.acquired_at.slice(0, 10),
          `${groupDigits(lot.quantity)} ${lot.asset}`,
          money(lot.cost_basis),
          money(lot.proceeds),
          money(lot.gain),
          lot.term,
        ]),
        fit.rows_max,
        7,
      ),
      { size: size - 1 },
    );
  }
  section(doc, 'Settings in force', size);
  const settings = options.settings;
  paragraph(
    doc,
    settings === undefined
      ? `Not supplied with this record; its figures are in ${record.lots.reporting_currency}.`
      : `Method ${settings.method}; pool ${settings.pool}; reporting currency ${settings.reporting_currency}; pegs ${
          Object.entries(settings.pegs)
            .map(([asset, price]) => `${asset} = ${price}`)
            .join(', ') || 'none'
        }; ` +
          `price age limit ${settings.price_age_max_ms} ms; rounding half to even at ${settings.rounding_scale} decimals. Holding period: ${settings.holding_period}. Fees: ${settings.fee_policy}.`,
    { size: size - 1.5, color: colors.muted },
  );
  doc.moveDown(0.3);
  paragraph(doc, `Record version ${record.record_version}; generated by Keel from the trade record alone.`, {
    size: size - 1.5,
    color: colors.muted,
  });
}

function section(doc: Pdf, title: string, size: number): void {
  doc.moveDown(0.5);
  doc
    .font(fonts.bold)
    .fontSize(size + 2)
    .fillColor(colors.text)
    .text(title, doc.page.margins.left, doc.y, { width: contentWidth(doc) });
  doc.moveDown(0.2);
  doc.font(fonts.regular);
}

/** At most `rows_max` rows; the rest are summed up in one row that says how many were left out. */
function shortened(rows: string[][], rows_max: number, columns: number): string[][] {
  if (rows.length <= rows_max) return rows;
  const note = [
    `… ${rows.length - rows_max + 1} more rows (keel explain --format json lists them all)`,
    ...Array.from({ length: columns - 1 }, () => ''),
  ];
  return [...rows.slice(0, rows_max - 1), note];
}
