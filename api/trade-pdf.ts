// The trade explanation as a one-page PDF, rendered by reports/trade-explanation-pdf.ts. This is
// the single place the API takes the renderer from; buildApp's `render_trade_pdf` overrides it.
import type { TradeRecord } from '../audit/trade-records.js';
import { lotSettings, recordSettings } from '../audit/lots/lot-settings.js';
import { renderTradeExplanationPdf } from '../reports/trade-explanation-pdf.js';

export type StoredVersion = { version: number; record_hash: string; audit_sequence: number | null };
export type TradePdfRenderer = (record: TradeRecord, explanation: string, stored: StoredVersion) => Promise<Buffer>;

/**
 * The page carries where the record sits in the audit store (version, hash, audit entry) and the
 * lot settings in force: the audit consumer seals with the default settings.
 */
export const default_trade_pdf_renderer: TradePdfRenderer = async (record, explanation, stored) =>
  renderTradeExplanationPdf(record, explanation, { stored, settings: recordSettings(lotSettings({}), []) });
