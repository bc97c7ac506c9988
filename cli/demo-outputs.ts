// What the demo leaves for a person: the audit report PDF, one trade's explanation (PDF and text),
// the tax-lot exports and the dead letters; and, with --serve, the HTTP API on the same data.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configuredApiLimits } from '../api/api-context.js';
import { buildApp } from '../api/build-app.js';
import { readStoreSnapshot } from '../audit/audit-store.js';
import { periodCloseFacts } from '../audit/close-store.js';
import { explainTrade } from '../audit/explanation.js';
import { loadTradeRecord } from '../audit/record-store.js';
import { createLogger } from '../platform/logger.js';
import { createMetricsRegistry } from '../platform/metrics.js';
import { renderAuditReportPdf } from '../reports/audit-report-pdf.js';
import { loadAuditReportData, taxLotExportOf } from '../reports/load-report-data.js';
import { renderForm8949Csv, renderOpenLotsCsv } from '../reports/tax-lot-export.js';
import { renderTradeExplanationPdf } from '../reports/trade-explanation-pdf.js';
import type { CommandContext } from './command.js';
import type { EmbeddedKeel } from './embedded-keel.js';

/** The trade the demo explains: the example strategy's order, with decision, risk check and two fills. */
export const demo_trade_id = 'binance:spot-main:order:8812001';

export async function writeDemoOutputs(
  keel: EmbeddedKeel,
  out_dir: string,
  progress: (line: string) => void,
): Promise<Record<string, string>> {
  const written: Record<string, string> = {};
  const client = await keel.pool.connect();
  try {
    const snapshot = await readStoreSnapshot(client, 'USD');
    const times = snapshot.events.map((event) => event.time).sort();
    const period = { from: `${times[0]!.slice(0, 10)}T00:00:00.000Z`, to: dayAfter(times[times.length - 1]!) };
    const data = await loadAuditReportData(period, {
      session: client,
      ledger: keel.ledger,
      registry: keel.registry,
      settings: {},
      ledger_description: 'the embedded ledger (TigerBeetle semantics, in process)',
      store_description: 'PGlite (embedded PostgreSQL)',
      on_progress: progress,
    });
    written['audit report'] = write(out_dir, 'audit-report.pdf', renderAuditReportPdf(data));

    const stored = await loadTradeRecord(client, demo_trade_id);
    // The tax year of the example strategy's day; the venues' recordings span several years.
    const tax_year = Number((stored?.record.opened_at ?? times[times.length - 1]!).slice(0, 4));
    if (stored !== null) {
      const explanation = explainTrade(stored.record);
      written['trade explanation'] = write(out_dir, 'trade-explanation.txt', `${explanation}\n`);
      written['trade explanation PDF'] = write(
        out_dir,
        'trade-explanation.pdf',
        renderTradeExplanationPdf(stored.record, explanation, {
          settings: data.settings,
          stored: { version: stored.version, record_hash: stored.record_hash, audit_sequence: stored.audit_sequence },
        }),
      );
    }

    const tax_lots = taxLotExportOf(
      snapshot.events,
      snapshot.price_rows,
      {},
      tax_year,
      'keel demo: audit store (PGlite)',
      await periodCloseFacts(client),
    );
    written['tax lots (Form 8949 style)'] = write(out_dir, `tax-lots-${tax_year}.csv`, renderForm8949Csv(tax_lots));
    written['open lots'] = write(out_dir, 'open-lots.csv', renderOpenLotsCsv(tax_lots));
    written['dead letters'] = write(
      out_dir,
      'dead-letters.jsonl',
      keel.dead_letters.map((letter) => JSON.stringify(letter)).join('\n') + (keel.dead_letters.length > 0 ? '\n' : ''),
    );
    return written;
  } finally {
    client.release();
  }
}

/** Keeps the HTTP API up on the demo's data until SIGINT or SIGTERM; accepted events go through the same pipeline. */
export async function serveDemo(keel: EmbeddedKeel, context: CommandContext, port: number): Promise<void> {
  const token = randomBytes(24).toString('hex');
  const app = await buildApp({
    ledger: keel.ledger,
    pool: keel.pool,
    publisher: { publish: async (events) => void (await keel.publish(events)) },
    registry: keel.registry,
    tokens: [{ name: 'demo', token, scopes: ['read', 'write', 'metrics'] }],
    metrics: createMetricsRegistry(),
    logger: createLogger(context.config.log_level, 'keel-demo-api'),
    readiness: [],
    limits: configuredApiLimits(context.config),
  });
  const address = await app.listen({ host: '127.0.0.1', port });
  context.stdout(
    [
      '',
      `API on ${address} (Ctrl-C to stop); token for this run: ${token}`,
      `  curl -H 'authorization: Bearer ${token}' '${address}/v1/balances?venue=binance&account=spot-main'`,
      `  curl -H 'authorization: Bearer ${token}' -H 'accept: text/plain' '${address}/v1/trades/${encodeURIComponent(demo_trade_id)}/explanation'`,
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await app.close();
}

function write(out_dir: string, name: string, content: Buffer | string): string {
  const path = join(out_dir, name);
  writeFileSync(path, content);
  return path;
}

function dayAfter(time: string): string {
  return new Date(Date.parse(`${time.slice(0, 10)}T00:00:00.000Z`) + 86_400_000).toISOString();
}
