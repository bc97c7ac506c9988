// Reading a file of prices (JSON Lines), as `keel lots`, `keel report` and the demo take them:
// one {"asset", "time", "price", "source"?} object per line, prices in the reporting currency.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { audit_error_codes, auditError } from './audit-errors.js';
import type { PriceRow } from './lots/pricing.js';
import { utc_time_pattern } from '../platform/utc-time.js';

/** Price rows; a bad line stops the command (a wrong price would silently change every gain). */
export async function readPriceFile(file_path: string): Promise<PriceRow[]> {
  const rows: PriceRow[] = [];
  const lines = createInterface({ input: createReadStream(file_path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line_number = 0;
  for await (const text of lines) {
    line_number += 1;
    if (text.trim().length === 0) continue;
    const problem = (reason: string) => auditError(audit_error_codes.price_invalid, `${file_path} line ${line_number}: ${reason}`);
    let row: { asset?: unknown; time?: unknown; price?: unknown; source?: unknown };
    try {
      row = JSON.parse(text);
    } catch (error) {
      throw problem(`malformed JSON: ${(error as Error).message}`);
    }
    if (typeof row.asset !== 'string' || typeof row.price !== 'string' || typeof row.time !== 'string' || !utc_time_pattern.test(row.time)) {
      throw problem('expected {"asset": string, "time": ISO-8601 UTC with milliseconds, "price": decimal string, "source"?: string}');
    }
    rows.push({ asset: row.asset, time_ms: Date.parse(row.time), price: row.price, source: typeof row.source === 'string' ? row.source : `prices:${file_path}` });
  }
  return rows;
}
