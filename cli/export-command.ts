// `keel export tax-lots --year YYYY --format csv|json --out FILE`: the tax lots of a year as a
// Form 8949-style CSV (Part I short-term, Part II long-term, missing basis), open lots at the
// year's end as CSV, or all of it as JSON; from the audit store, or from a file of events.
import { writeFileSync } from 'node:fs';
import { readStoreSnapshot } from '../audit/audit-store.js';
import { periodCloseFacts } from '../audit/close-store.js';
import { lotSettings } from '../audit/lots/lot-settings.js';
import { createPool, redactUrl, withSession } from '../platform/postgres.js';
import { taxLotExportOf } from '../reports/load-report-data.js';
import { renderForm8949Csv, renderOpenLotsCsv, renderTaxLotJson } from '../reports/tax-lot-export.js';
import { readEvents } from '../engine/event-file.js';
import { readPriceFile } from '../audit/price-file.js';
import { usageError, type CommandContext } from './command.js';
import { settingsOption } from './report-command.js';

export const export_usage = `keel export tax-lots --year YYYY --format csv|json --out FILE [--open-lots FILE.csv] [--input FILE.jsonl [--prices FILE.jsonl]] [--method fifo|lifo|hifo] [--pool account|global]

The disposals of a tax year (disposed in YYYY, UTC) with the lots they consumed, in the reporting
currency (USD). Every file starts with the lot settings it was made with.
  --format csv     a Form 8949-style CSV (RFC 4180): description, date acquired, date sold, proceeds,
                   cost basis, adjustment code and amount, gain or loss, a note, then venue, account,
                   asset, quantity, term, kind, full times, lot and event ids; Part I (short-term)
                   and Part II (long-term) each with a totals row, then the missing-basis rows.
                   Unpriced values are empty cells with a note, never 0, and left out of the totals.
                   Text cells starting with = + - @ are prefixed with ' against spreadsheet formulas.
  --open-lots FILE with --format csv: also write the lots still open at the year's end as CSV
  --format json    everything: settings, both parts with totals, missing basis, open lots
  --input, --prices, --method, --pool   as for keel report (default: the audit store at DATABASE_URL)

Prints {"out", "tax_year", ...counts} on stdout. Exit 0 done, 1 failed, 2 wrong usage.`;

export async function exportCommand(context: CommandContext): Promise<number> {
  const { values, positionals } = context.parse({
    year: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    'open-lots': { type: 'string' },
    input: { type: 'string' },
    prices: { type: 'string' },
    method: { type: 'string', default: 'fifo' },
    pool: { type: 'string', default: 'account' },
  });
  if (positionals.length !== 1 || positionals[0] !== 'tax-lots')
    throw usageError(
      `what to export: tax-lots${positionals[0] === undefined ? '' : `, got '${positionals.join(' ')}'`}`,
      export_usage,
    );
  if (
    values.year === undefined ||
    !/^\d{4}$/.test(values.year) ||
    Number(values.year) < 1970 ||
    Number(values.year) > 9998
  ) {
    throw usageError(`--year must be a year like 2024 (1970 to 9998), got '${values.year ?? ''}'`, export_usage);
  }
  if (values.format !== 'csv' && values.format !== 'json')
    throw usageError(`--format must be csv or json, got '${values.format ?? ''}'`, export_usage);
  if (values.out === undefined) throw usageError('--out FILE is required', export_usage);
  if (values['open-lots'] !== undefined && values.format !== 'csv')
    throw usageError('--open-lots goes with --format csv (the JSON holds the open lots)', export_usage);
  if (values.prices !== undefined && values.input === undefined)
    throw usageError('--prices goes with --input', export_usage);
  const tax_year = Number(values.year);
  const settings = settingsOption(values.method, values.pool, export_usage);

  let data;
  if (values.input !== undefined) {
    const { events, rejections, rejections_not_listed } = await readEvents(values.input);
    if (rejections.length + rejections_not_listed > 0)
      context.progress(
        `keel export: ${rejections.length + rejections_not_listed} bad lines skipped (keel post --input lists them)`,
      );
    const price_rows = values.prices === undefined ? [] : await readPriceFile(values.prices);
    data = taxLotExportOf(
      events,
      price_rows,
      settings,
      tax_year,
      `the file ${values.input}${values.prices === undefined ? '' : ` with prices from ${values.prices}`}`,
    );
  } else {
    const { config } = context;
    const pool = createPool(config.database.url, { max_connections: 1, application_name: 'keel-export' });
    try {
      const snapshot = await withSession(pool, (session) =>
        readStoreSnapshot(session, lotSettings(settings).reporting_currency),
      );
      const period_close = await withSession(pool, periodCloseFacts);
      context.progress(`keel export: ${snapshot.events.length} events read from the audit store`);
      const source = `the audit store at ${redactUrl(config.database.url)}, audit chain head #${snapshot.head.sequence} ${snapshot.head.entry_hash}`;
      data = taxLotExportOf(snapshot.events, snapshot.price_rows, settings, tax_year, source, period_close);
    } finally {
      await pool.end();
    }
  }
  writeFileSync(values.out, values.format === 'csv' ? renderForm8949Csv(data) : renderTaxLotJson(data));
  if (values['open-lots'] !== undefined) writeFileSync(values['open-lots'], renderOpenLotsCsv(data));
  const unpriced = data.part_i_short_term.totals.unpriced_rows + data.part_ii_long_term.totals.unpriced_rows;
  context.stdout(
    `${JSON.stringify(
      {
        out: values.out,
        ...(values['open-lots'] === undefined ? {} : { open_lots_out: values['open-lots'] }),
        tax_year,
        short_term_rows: data.part_i_short_term.rows.length,
        long_term_rows: data.part_ii_long_term.rows.length,
        missing_basis_rows: data.missing_basis.length,
        unpriced_rows: unpriced,
        open_lots: data.open_lots.rows.length,
      },
      null,
      2,
    )}\n`,
  );
  return 0;
}
