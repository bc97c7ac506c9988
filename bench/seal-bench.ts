// Audit seal benchmark: N generated mixed events stored in a fresh PostgreSQL database, then three
// seals: the first (the fold from the beginning, every trade record new), one that finds nothing
// new, and one after a late acquisition a day before everything (the fold re-applies from the
// checkpoint before it: here, the beginning). Prints each seal's time, records written, events
// applied, and peak heap in use above the baseline per event (flat: the fold holds open state).
//
//   bash scripts/services.sh start && source .cache/services.env
//   npm run bench:seal -- [--events 100000] [--seed 5]
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { seal } from '../audit/audit-seal.js';
import { storeEvents } from '../audit/audit-store.js';
import type { KeelEvent } from '../engine/event-schema.js';
import { AssetRegistry } from '../ledger/asset-registry.js';
import { createPool, migrate, type PoolClient } from '../platform/postgres.js';
import { generateEvents } from '../test/support/event-generator.js';
import { secondsSince } from './measure.js';

export type SealBenchRun = {
  what: string;
  seconds: number;
  records_written: number;
  events_applied: number;
  peak_heap_bytes_per_event: number;
};
export type SealBenchResult = { events: number; runs: SealBenchRun[] };

export async function runSealBench(
  database_url: string,
  event_count: number,
  seed: number,
  log: (line: string) => void = () => {},
): Promise<SealBenchResult> {
  const database = `keel_seal_bench_${randomUUID().slice(0, 8)}`;
  const admin = createPool(database_url);
  await admin.query(`create database ${database}`);
  const pool = createPool(database_url.replace(/\/[^/?]*(\?|$)/, `/${database}$1`));
  try {
    await migrate(pool, new URL('../migrations', import.meta.url).pathname);
    const client = await pool.connect();
    try {
      const events = await storeGenerated(client, event_count, seed, log);
      const baseline_bytes = heapUsedAfterGc();
      const runs = [await timedSeal(client, 'first seal (every record new)', baseline_bytes, event_count, log)];
      runs.push(await timedSeal(client, 'seal with nothing new', baseline_bytes, event_count, log));
      await storeEvents(client, [{ event: lateAcquisition(events), source: null }]);
      runs.push(await timedSeal(client, 'seal after a late acquisition', baseline_bytes, event_count, log));
      return { events: event_count, runs };
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
  }
}

async function storeGenerated(
  client: PoolClient,
  event_count: number,
  seed: number,
  log: (line: string) => void,
): Promise<KeelEvent[]> {
  const events = [...generateEvents(event_count, { seed, include_non_money: true })];
  for (let start = 0; start < events.length; start += 5_000) {
    if (start % 50_000 === 0)
      log(`storing events ${start.toLocaleString('en-US')} of ${events.length.toLocaleString('en-US')}…`);
    await storeEvents(
      client,
      events.slice(start, start + 5_000).map((event) => ({ event, source: null })),
    );
  }
  return events;
}

async function timedSeal(
  client: PoolClient,
  what: string,
  baseline_bytes: number,
  event_count: number,
  log: (line: string) => void,
): Promise<SealBenchRun> {
  log(`${what}…`);
  let peak_bytes = process.memoryUsage().heapUsed;
  const timer = setInterval(() => (peak_bytes = Math.max(peak_bytes, process.memoryUsage().heapUsed)), 5);
  const started = process.hrtime.bigint();
  try {
    const result = await seal(client, new AssetRegistry(), {});
    return {
      what,
      seconds: secondsSince(started),
      records_written: result.changed.length,
      events_applied: result.fold.events_applied,
      peak_heap_bytes_per_event: Math.round(
        (Math.max(peak_bytes, process.memoryUsage().heapUsed) - baseline_bytes) / event_count,
      ),
    };
  } finally {
    clearInterval(timer);
  }
}

/** Node's heap in use after a full collection when the process allows one (`--expose-gc`). */
function heapUsedAfterGc(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

/** A deposit with a cost basis a day before everything else, in the pool of the first spot sale. */
function lateAcquisition(events: readonly KeelEvent[]): KeelEvent {
  const sale = events.find(
    (event) => event.type === 'trade' && event.side === 'sell' && event.instrument.kind === 'spot',
  );
  if (sale?.type !== 'trade' || sale.instrument.kind !== 'spot')
    throw new Error('the generated events hold no spot sale');
  const earliest_ms = events.reduce(
    (earliest, event) => Math.min(earliest, Date.parse(event.time)),
    Number.POSITIVE_INFINITY,
  );
  const time = new Date(earliest_ms - 86_400_000).toISOString();
  const { venue, account } = sale;
  return {
    id: `${venue}:${account}:deposit:bench-late`,
    type: 'deposit',
    time,
    venue,
    account,
    asset: sale.instrument.base,
    amount: '3',
    cost_basis: { amount: '1000', currency: 'USD', acquired_at: time },
  };
}

function format(result: SealBenchResult): string {
  const row = (run: SealBenchRun) =>
    `${run.what.padEnd(32)} ${run.seconds.toFixed(2).padStart(7)} s  records written ${String(run.records_written).padStart(7)}  ` +
    `events applied ${String(run.events_applied).padStart(8)}  peak heap ${run.peak_heap_bytes_per_event} B/event`;
  return [`${result.events.toLocaleString('en-US')} stored events`, ...result.runs.map(row)].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { events: { type: 'string', default: '100000' }, seed: { type: 'string', default: '5' } },
  });
  const database_url = process.env.DATABASE_URL;
  if (database_url === undefined)
    throw new Error('DATABASE_URL is not set: bash scripts/services.sh start && source .cache/services.env');
  const result = await runSealBench(database_url, Number(values.events), Number(values.seed), (line) =>
    process.stderr.write(`${line}\n`),
  );
  process.stdout.write(`${format(result)}\n`);
}
