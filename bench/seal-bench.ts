// Audit seal benchmark: N generated mixed events stored in a fresh PostgreSQL database, then three
// seals: the first (every trade record is new), one that finds nothing new (the cost a live
// consumer pays every KEEL_AUDIT_SEAL_INTERVAL_MS), and one after a late acquisition (lots re-match
// from its time on). Prints each seal's time, rows and records written, and peak heap above the
// stored-events baseline per event: the figures behind KEEL_AUDIT_SEAL_EVENTS_MAX's default.
//
//   bash scripts/services.sh start && source .cache/services.env
//   npm run bench:seal -- [--events 100000] [--seed 5]
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { seal, sealEventsMaxDefault, type SealResult } from '../audit/audit-seal.js';
import { storeEvents } from '../audit/audit-store.js';
import type { KeelEvent } from '../engine/event-schema.js';
import { AssetRegistry } from '../ledger/asset-registry.js';
import { createPool, migrate, type PoolClient } from '../platform/postgres.js';
import { generateEvents } from '../test/support/event-generator.js';
import { secondsSince } from './measure.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '100000' }, seed: { type: 'string', default: '5' } } });
const event_count = Number(values.events);
const log = (line: string) => process.stderr.write(`${line}\n`);
const database_url = process.env.DATABASE_URL;
if (database_url === undefined) throw new Error('DATABASE_URL is not set: bash scripts/services.sh start && source .cache/services.env');

const database = `keel_seal_bench_${randomUUID().slice(0, 8)}`;
const admin = createPool(database_url);
await admin.query(`create database ${database}`);
const pool = createPool(database_url.replace(/\/[^/?]*(\?|$)/, `/${database}$1`));
try {
  await migrate(pool, new URL('../migrations', import.meta.url).pathname);
  const client = await pool.connect();
  try {
    const events = await storeGenerated(client);
    const baseline_bytes = heapUsedAfterGc();
    const rows = [
      await timedSeal(client, 'first seal (every record new)', baseline_bytes),
      await timedSeal(client, 'seal with nothing new', baseline_bytes),
    ];
    await storeEvents(client, [{ event: lateAcquisition(events), source: null }]);
    rows.push(await timedSeal(client, 'seal after a late acquisition', baseline_bytes));
    process.stdout.write(`${event_count.toLocaleString('en-US')} stored events; default KEEL_AUDIT_SEAL_EVENTS_MAX in this process: ${sealEventsMaxDefault().toLocaleString('en-US')}\n`);
    for (const row of rows) process.stdout.write(`${row}\n`);
  } finally {
    client.release();
  }
} finally {
  await pool.end();
  await admin.query(`drop database if exists ${database} with (force)`);
  await admin.end();
}

async function storeGenerated(client: PoolClient): Promise<KeelEvent[]> {
  const events = [...generateEvents(event_count, { seed: Number(values.seed), include_non_money: true })];
  for (let start = 0; start < events.length; start += 5_000) {
    await storeEvents(client, events.slice(start, start + 5_000).map((event) => ({ event, source: null })));
    if (start % 50_000 === 0) log(`stored ${start.toLocaleString('en-US')} of ${events.length.toLocaleString('en-US')} events…`);
  }
  return events;
}

async function timedSeal(client: PoolClient, what: string, baseline_bytes: number): Promise<string> {
  log(`${what}…`);
  let peak_bytes = 0;
  const timer = setInterval(() => (peak_bytes = Math.max(peak_bytes, process.memoryUsage().heapUsed)), 5);
  const started = process.hrtime.bigint();
  const result: SealResult = await seal(client, new AssetRegistry(), {});
  const seconds = secondsSince(started);
  clearInterval(timer);
  const per_event = Math.round((Math.max(peak_bytes, process.memoryUsage().heapUsed) - baseline_bytes) / event_count);
  return `${what.padEnd(32)} ${seconds.toFixed(2).padStart(7)} s  records written ${String(result.changed.length).padStart(7)}  lot rows written ${String(result.lot_rows.written).padStart(7)}  peak heap ${per_event} B/event`;
}

/** Node's heap in use after a full collection when the process allows one (`--expose-gc`). */
function heapUsedAfterGc(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

/** A deposit with a cost basis a day before everything else, in the pool of the first spot sale. */
function lateAcquisition(events: readonly KeelEvent[]): KeelEvent {
  const sale = events.find((event) => event.type === 'trade' && event.side === 'sell' && event.instrument.kind === 'spot');
  if (sale?.type !== 'trade' || sale.instrument.kind !== 'spot') throw new Error('the generated events hold no spot sale');
  const earliest_ms = events.reduce((earliest, event) => Math.min(earliest, Date.parse(event.time)), Number.POSITIVE_INFINITY);
  const time = new Date(earliest_ms - 86_400_000).toISOString();
  const { venue, account } = sale;
  return { id: `${venue}:${account}:deposit:bench-late`, type: 'deposit', time, venue, account, asset: sale.instrument.base, amount: '3', cost_basis: { amount: '1000', currency: 'USD', acquired_at: time } };
}
