// The one-page trade explanation, read back: one page, the explanation's lines, the fills and lots,
// the settings; still one page for an order of hundreds of fills; the same bytes every time.
import { describe, expect, it } from 'vitest';
import { tradeRecordsOf } from '../audit/lot-facts.js';
import { explainTrade } from '../audit/explanation.js';
import { lotSettings, recordSettings } from '../audit/lots/lot-settings.js';
import { AssetRegistry } from '../ledger/asset-registry.js';
import type { KeelEvent } from '../engine/event-schema.js';
import { renderTradeExplanationPdf } from './trade-explanation-pdf.js';
import { flat, readPdfText } from '../test/support/pdf-reader.js';
import { validEvent } from '../test/support/event-builders.js';
import { exampleInputs, spotTrade, usdDeposit } from '../test/support/report-fixtures.js';

const registry = new AssetRegistry();
const settings = recordSettings(lotSettings({}), ['USDT']);

async function exampleRecord(trade_id: string) {
  const { events, price_rows } = await exampleInputs();
  return tradeRecordsOf(events, registry, {}, price_rows).find((record) => record.trade_id === trade_id)!;
}

describe('renderTradeExplanationPdf', () => {
  it('puts the whole explanation of a trade on one page, with its fills, lots and the settings', async () => {
    const record = await exampleRecord('binance:spot-main:order:8812001');
    const explanation = explainTrade(record);
    const bytes = renderTradeExplanationPdf(record, explanation, {
      settings,
      stored: { version: 2, record_hash: 'cd'.repeat(32), audit_sequence: 7 },
    });
    const { pages, info } = await readPdfText(bytes);
    expect(pages).toHaveLength(1);
    const page = pages[0]!;
    // The standard fonts have no arrow: "new → filled" prints as "new -> filled".
    for (const line of explanation.split('\n')) expect(page).toContain(flat(line.replaceAll('→', '->')));
    expect(page).toContain('Trade explanation binance:spot-main:order:8812001');
    expect(page).toContain('2024-03-01 10:00:01.120 28457 0.3 60,000 0.0123 BNB taker');
    expect(page).toContain(
      'binance:spot-main:deposit:0x77be01#amount 2023-06-01 0.0123 BNB 4.92 5.07375 0.15375 short',
    );
    expect(page).toContain(`version 2, SHA-256 ${'cd'.repeat(32)}, audit entry #7`);
    expect(page).toContain('Method fifo; pool account; reporting currency USD');
    expect(info).toMatchObject({ CreationDate: 'D:20240301100001Z', Title: 'Trade binance:spot-main:order:8812001' });
  });

  it('renders the same bytes every time', async () => {
    const record = await exampleRecord('binance:spot-main:order:8815000');
    const first = renderTradeExplanationPdf(record, explainTrade(record), { settings });
    const second = renderTradeExplanationPdf(structuredClone(record), explainTrade(record), { settings });
    expect(first.equals(second)).toBe(true);
    const { pages } = await readPdfText(first);
    expect(pages[0]).toContain('Missing: client order id: the fills carry none');
  });

  it('stays on one page for an order of 400 fills, saying how many rows it left out', async () => {
    const fills: KeelEvent[] = Array.from({ length: 400 }, (_, index) =>
      validEvent({
        ...spotTrade({
          id: `f${index}`,
          time: new Date(Date.parse('2024-05-01T00:00:00.000Z') + index * 1000).toISOString(),
          side: 'sell',
          quantity: '0.01',
          price: String(60000 + index),
          fee: { asset: 'USD', amount: '0.5' },
        }),
        order_id: 'big-order',
      }),
    );
    const buys = [
      usdDeposit('d', '2024-04-01T00:00:00.000Z', '1000000'),
      spotTrade({ id: 'b', time: '2024-04-02T00:00:00.000Z', side: 'buy', quantity: '4', price: '50000' }),
    ];
    const record = tradeRecordsOf([...buys, ...fills], registry).find(
      (candidate) => candidate.trade_id === 'binance:main:order:big-order',
    )!;
    expect(record.fills).toHaveLength(400);
    const bytes = renderTradeExplanationPdf(record, explainTrade(record));
    const { pages } = await readPdfText(bytes);
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatch(/… \d+ more rows \(keel explain --format json lists them all\)/);
    expect(pages[0]).toContain('Execution: 400 fills for 4 at an average price of');
    expect(pages[0]).toContain('Not supplied with this record; its figures are in USD.');
  });
});
