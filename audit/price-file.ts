// Reading a file of prices (JSON Lines), as `keel lots`, `keel report` and the demo take them:
// one {"asset", "time", "price", "source"?} object per line, prices in the reporting currency.
import { audit_error_codes, auditError } from './audit-errors.js';
import type { PriceRow } from './lots/pricing.js';
import { readFileLines } from '../platform/line-file.js';
import { utc_time_pattern } from '../platform/utc-time.js';

/** A price row is a few dozen bytes; a longer line is not one. */
const price_line_bytes_max = 64 * 1024;

/** Price rows; a bad line stops the command (a wrong price would silently change every gain). */
export async function readPriceFile(file_path: string): Promise<PriceRow[]> {
  const rows: PriceRow[] = [];
  for await (const read of readFileLines(file_path, price_line_bytes_max)) {
    const problem = (reason: string) =>
      auditError(audit_error_codes.price_invalid, `${file_path} line ${read.line}: ${reason}`);
    if (!read.ok) throw problem(read.reason);
    const text = read.text;
    if (text.trim().length === 0) continue;
    let row: { asset?: unknown; time?: unknown; price?: unknown; source?: unknown };
    try {
      row = JSON.parse(text);
    } catch (error) {
      throw problem(`malformed JSON: ${(error as Error).message}`);
    }
    if (
      typeof row.asset !== 'string' ||
      typeof row.price !== 'string' ||
      typeof row.time !== 'string' ||
      !utc_time_pattern.test(row.time)
    ) {
      throw problem(
        'expected {"asset": string, "time": ISO-8601 UTC with milliseconds, "price": decimal string, "source"?: string}',
      );
    }
    rows.push({
      asset: row.asset,
      time_ms: Date.parse(row.time),
      price: row.price,
      source: typeof row.source === 'string' ? row.source : `prices:${file_path}`,
    });
  }
  return rows;
}
