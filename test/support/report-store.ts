// A real audit store for the report tests: the example events stored and sealed (lots, trade
// records, audit chain), the example prices in the `prices` table.
import { seal } from '../../audit/audit-seal.js';
import { storeEvents } from '../../audit/audit-store.js';
import type { PriceRow } from '../../audit/lots/pricing.js';
import { insertPrices } from '../../audit/price-store.js';
import type { KeelEvent } from '../../engine/event-schema.js';
import type { AssetRegistry } from '../../ledger/asset-registry.js';
import type { Pool } from '../../platform/postgres.js';

export async function fillAuditStore(
  pool: Pool,
  events: readonly KeelEvent[],
  price_rows: readonly PriceRow[],
  registry: AssetRegistry,
) {
  const client = await pool.connect();
  try {
    await storeEvents(
      client,
      events.map((event) => ({ event, source: null })),
    );
    await insertPrices(
      client,
      price_rows.map((row) => ({
        asset: row.asset,
        currency: 'USD',
        price_time: new Date(row.time_ms).toISOString(),
        source: row.source ?? 'test',
        price: String(row.price),
      })),
    );
    return await seal(client, registry, {});
  } finally {
    client.release();
  }
}
