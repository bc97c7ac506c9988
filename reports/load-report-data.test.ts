// Loading the audit report's data from a real migrated PostgreSQL database filled by storeEvents
// and a seal, with the balances from a ledger the same events were posted into: the chain head is
// the seal's, verified, and every figure equals the report made from the file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SealResult } from '../audit/audit-seal.js';
import { tradeRecordsOf } from '../audit/lot-facts.js';
import { postEventLines } from '../engine/post-events.js';
import { AssetRegistry } from '../ledger/asset-registry.js';
import { EmbeddedLedger } from '../ledger/embedded-ledger.js';
import { createTestDatabase, type TestDatabase } from '../test/support/postgres-test-kit.js';
import { renderAuditReportPdf } from './audit-report-pdf.js';
import { fileAuditReportData, loadAuditReportData, taxLotExportOf } from './load-report-data.js';
import { readStoreSnapshot } from '../audit/audit-store.js';
import { loadTradeRecord } from '../audit/record-store.js';
import { readPdfText } from '../test/support/pdf-reader.js';
import { exampleInputs } from '../test/support/report-fixtures.js';
import { fillAuditStore } from '../test/support/report-store.js';

const march = { from: '2024-03-01T00:00:00.000Z', to: '2024-04-01T00:00:00.000Z' };
const registry = new AssetRegistry();
let database: TestDatabase;
let sealed: SealResult;
let ledger: EmbeddedLedger;

beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
  const { events, price_rows } = await exampleInputs();
  sealed = await fillAuditStore(database.pool, events, price_rows, registry);
  ledger = new EmbeddedLedger();
  await postEventLines(
    events.map((event, index) => ({ ok: true as const, event, line: index + 1 })),
    ledger,
    registry,
  );
});

afterAll(async () => {
  await ledger?.close();
  await database?.drop();
});

describe('loadAuditReportData (real PostgreSQL)', () => {
  it('reads the chain head the seal wrote, verifies the chain, and matches the report from the file', async () => {
    expect(sealed.head.sequence).toBe(4);
    const client = await database.pool.connect();
    try {
      const lines: string[] = [];
      const data = await loadAuditReportData(march, {
        session: client,
        ledger,
        registry,
        settings: {},
        ledger_description: 'test ledger',
        store_description: 'test store',
        on_progress: (line) => lines.push(line),
      });
      expect(data.chain).toEqual({
        sequence: 4,
        hash: sealed.head.entry_hash,
        verified: true,
        entries: 4,
        problem: null,
      });
      expect(data.chain_note).toBeNull();
      expect(lines).toContain('audit chain verified (4 entries)');
      const { events, price_rows } = await exampleInputs();
      const from_file = await fileAuditReportData(march, {
        events,
        price_rows,
        registry,
        settings: {},
        events_description: 'file',
      });
      const { source: _a, chain: _b, chain_note: _c, ...store_figures } = data;
      const { source: _d, chain: _e, chain_note: _f, ...file_figures } = from_file;
      expect(store_figures).toEqual(file_figures);
      expect(data.settings.pegs_used).toEqual(['USDT']);
      const { pages } = await readPdfText(renderAuditReportPdf(data));
      expect(pages[0]).toContain(`Head hash (SHA-256) ${sealed.head.entry_hash}`);
      expect(pages[0]).toContain('verified end to end (4 entries)');
    } finally {
      client.release();
    }
  });

  it('reads stored prices, the current version of a trade record, and the tax lots of a year', async () => {
    const client = await database.pool.connect();
    try {
      const snapshot = await readStoreSnapshot(client, 'USD');
      expect(snapshot.price_rows.map((row) => [row.asset, row.price])).toEqual([
        ['BNB', '412.5'],
        ['BNB', '455.1'],
        ['BNB', '598.2'],
      ]);
      const stored = await loadTradeRecord(client, 'binance:spot-main:order:8812001');
      const { events, price_rows } = await exampleInputs();
      const expected = tradeRecordsOf(events, registry, {}, price_rows).find(
        (record) => record.trade_id === 'binance:spot-main:order:8812001',
      );
      expect(stored).toMatchObject({ version: 1, record: expected, audit_sequence: expect.any(Number) });
      expect(await loadTradeRecord(client, 'no-such-trade')).toBeNull();
      const exported = taxLotExportOf(snapshot.events, snapshot.price_rows, {}, 2024, 'store');
      expect(exported.part_i_short_term.totals.gain_or_loss).toBe('641.915');
    } finally {
      client.release();
    }
  });

  it('prints a broken chain on the cover', async () => {
    const { tamperWithAuditLog } = await import('../test/support/postgres-test-kit.js');
    await tamperWithAuditLog(database.pool, `update audit_log set entry = '{"edited": true}' where sequence = 2`);
    const client = await database.pool.connect();
    try {
      const data = await loadAuditReportData(march, {
        session: client,
        ledger,
        registry,
        settings: {},
        ledger_description: 'test ledger',
        store_description: 'test store',
      });
      expect(data.chain).toMatchObject({ verified: false, problem: 'hash_mismatch at sequence 2' });
      const { pages } = await readPdfText(renderAuditReportPdf(data));
      expect(pages[0]).toContain('BROKEN: hash_mismatch at sequence 2');
    } finally {
      client.release();
    }
  });
});
