// Closed periods in what people read: the tax-lot export (Form 8949 rows, its CSV header lines and
// JSON) and the audit report PDF's cover and adjustments section list each prior-period adjustment
// with its original event and show the closed-through date; the lots follow the adjustment rule.
import { beforeAll, describe, expect, it } from 'vitest';
import type { PeriodCloseFacts } from '../audit/close-store.js';
import type { KeelEvent } from '../engine/event-schema.js';
import { endOfUtcDayMs } from '../audit/lots/period-close.js';
import { AssetRegistry } from '../ledger/asset-registry.js';
import { readPdfText } from '../test/support/pdf-reader.js';
import { exampleInputs, spotTrade } from '../test/support/report-fixtures.js';
import { renderAuditReportPdf } from './audit-report-pdf.js';
import { buildAuditReportData } from './report-data.js';
import { adjustmentNote, renderForm8949Csv, renderTaxLotJson } from './tax-lot-export.js';
import { taxLotExportOf } from './load-report-data.js';

const march = { from: '2024-03-01T00:00:00.000Z', to: '2024-04-01T00:00:00.000Z' };
/** A sale dated on the first day, arrived after the books were closed through it. */
const late_sale = spotTrade({
  id: 'binance:spot-main:trade:BTCUSDT:late-1',
  time: '2024-03-01T12:00:00.000Z',
  side: 'sell',
  quantity: '0.1',
  price: '61000',
  venue: 'binance',
  account: 'spot-main',
});
const applied_at = '2024-03-02T00:00:00.000Z';
let events: KeelEvent[];
let price_rows: Awaited<ReturnType<typeof exampleInputs>>['price_rows'];
let facts: PeriodCloseFacts;

beforeAll(async () => {
  const inputs = await exampleInputs();
  events = [...inputs.events, late_sale];
  price_rows = inputs.price_rows;
  facts = {
    closed_through: '2024-03-01',
    adjustments: [{ event_id: late_sale.id, type: 'trade', event_time: late_sale.time, applied_at, event: late_sale }],
    closes: [{ through_ms: endOfUtcDayMs('2024-03-01'), arrived_after: new Set([late_sale.id]) }],
  };
});

describe('prior-period adjustments in reports and exports', () => {
  it('marks the adjustment in the tax-lot export, with the closed-through date and the original event', () => {
    const data = taxLotExportOf(events, price_rows, {}, 2024, 'test', facts);
    const rows = [...data.part_i_short_term.rows, ...data.part_ii_long_term.rows].filter(
      (row) => row.event_id === late_sale.id,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.note).toContain(adjustmentNote(applied_at));
      expect(row.disposed_at).toBe(late_sale.time);
    }
    expect(data.period_close).toEqual({ closed_through: '2024-03-01', adjustments: facts.adjustments });
    expect(JSON.parse(renderTaxLotJson(data)).period_close.adjustments[0].event).toEqual(late_sale);
    const csv = renderForm8949Csv(data);
    expect(csv).toContain('closed_through,2024-03-01');
    expect(csv).toContain('PRIOR-PERIOD ADJUSTMENT');
    // The rule applies: matched against the pool as it stands at the boundary, so unlike without the close.
    const unclosed = taxLotExportOf(events, price_rows, {}, 2024, 'test');
    expect(unclosed.period_close).toEqual({ closed_through: null, adjustments: [] });
    expect(unclosed.part_i_short_term.rows.filter((row) => row.event_id === late_sale.id)).not.toEqual(rows);
  });

  it('shows the closed-through date on the report cover and lists the adjustment', async () => {
    const data = buildAuditReportData({
      period: march,
      events,
      price_rows,
      settings: {},
      registry: new AssetRegistry(),
      source: { events: 'test', ledger: 'none' },
      balances: { as_of: march.to, rows: [] },
      chain: null,
      period_close: facts,
    });
    expect(data.period_close.adjustments).toEqual(facts.adjustments);
    const { pages, text } = await readPdfText(renderAuditReportPdf(data));
    expect(pages[0]).toContain('Books closed through 2024-03-01 (UTC, inclusive)');
    expect(pages[0]).toContain('Prior-period adjustments 1');
    expect(text).toContain(late_sale.id);
  });
});
