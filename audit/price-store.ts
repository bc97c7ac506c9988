// Prices in the audit store (table `prices`, migrations/0001_audit_store.sql): rows as the price
// loaders write them, and the price table a seal or a report values lots with. A row's price is
// the price of one unit of `asset` in `currency` from `price_time` on.
import type { Queryable } from '../platform/postgres.js';
import type { PriceRow } from './lots/pricing.js';

/** A row of `prices`: the price as an exact decimal string, the time as ISO-8601 UTC with ms. */
export type StoredPrice = { asset: string; currency: string; price_time: string; source: string; price: string };

/** Rows per insert statement: 5 parameters each, far below PostgreSQL's 65,535 per statement. */
const insert_rows_max = 500;

/** Stores prices; a row already stored (same asset, currency, time and source) is kept. Returns how many were new. */
export async function insertPrices(db: Queryable, rows: readonly StoredPrice[]): Promise<number> {
  let inserted = 0;
  for (let start = 0; start < rows.length; start += insert_rows_max) {
    const batch = rows.slice(start, start + insert_rows_max);
    const values = batch
      .map(
        (_, index) => `($${index * 5 + 1}, $${index * 5 + 2}, $${index * 5 + 3}, $${index * 5 + 4}, $${index * 5 + 5})`,
      )
      .join(', ');
    const result = await db.query(
      `insert into prices (asset, currency, price_time, source, price) values ${values} on conflict do nothing`,
      batch.flatMap((row) => [row.asset, row.currency, row.price_time, row.source, row.price]),
    );
    inserted += result.rowCount ?? 0;
  }
  return inserted;
}

/** Every price in `currency`, by asset and time, as the lot engine's price table takes them. */
export async function loadPriceRows(db: Queryable, currency: string): Promise<PriceRow[]> {
  const { rows } = await db.query<{ asset: string; time_ms: string; price: string; source: string }>(
    `select asset, (extract(epoch from price_time) * 1000)::bigint::text as time_ms, price::text, source
     from prices where currency = $1 order by asset, price_time`,
    [currency],
  );
  return rows.map((row) => ({ asset: row.asset, time_ms: Number(row.time_ms), price: row.price, source: row.source }));
}
