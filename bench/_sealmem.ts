import { seal } from '/work/main/audit/audit-seal.js';
import { storeEvents } from '/work/main/audit/audit-store.js';
import { AssetRegistry } from '/work/main/ledger/asset-registry.js';
import { createPool, migrate } from '/work/main/platform/postgres.js';
import { generateEvents } from '/work/main/test/support/event-generator.js';
const n = Number(process.argv[2]);
const admin = createPool(process.env.DATABASE_URL!);
await admin.query('drop database if exists sealmem');
await admin.query('create database sealmem');
await admin.end();
const pool = createPool(process.env.DATABASE_URL!.replace(/\/[^/]*$/, '/sealmem'));
await migrate(pool, '/work/main/migrations');
const client = await pool.connect();
let batch = [];
for (const event of generateEvents(n, { seed: 5, include_non_money: true })) {
  batch.push({ event, source: null });
  if (batch.length === 5000) { await storeEvents(client, batch); batch = []; }
}
if (batch.length) await storeEvents(client, batch);
(globalThis as any).gc();
const base = process.memoryUsage().heapUsed;
let peak = 0;
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 2);
const t0 = Date.now();
const first = await seal(client, new AssetRegistry(), {});
const t1 = Date.now();
const second = await seal(client, new AssetRegistry(), {});
const t2 = Date.now();
clearInterval(timer);
console.log({ n, first_s: (t1 - t0) / 1000, changed: first.changed.length, second_s: (t2 - t1) / 1000, peak_mib: Math.round((peak - base) / 2 ** 20), per_event_bytes: Math.round((peak - base) / n) });
client.release();
await pool.end();
