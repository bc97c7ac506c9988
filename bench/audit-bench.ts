// Audit benchmark (issue 15): N generated mixed events (many venue accounts, spot and perpetual
// trades, fees in third assets, transfers, 5% delivered late) published to a fresh topic, then in
// the same run:
//   (a) the posting engine on the embedded ledger consumes the topic (events/s);
//   (b) a real `keel audit` process replays it into an empty database until every event is stored,
//       folded and its records built (events/s, the ratio to (a), the process's peak RSS);
//   (c) a steady offered load (default 1,000 events/s) goes on: the time from an event's
//       publication to the first trade record on the trade-records topic that holds it (p50/p99);
//   (d) one acquisition dated early in the busiest pool arrives late: the time until it is sealed,
//       and the events its re-fold applied against that pool's events after it and the store.
// Figures are printed, never asserted (targets: (b) ≥ 0.75× (a), (c) p99 < 1 s, (d) proportional
// to the pool's events after the late one).
//
//   bash scripts/services.sh start && source .cache/services.env
//   npm run bench:audit -- [--events 1000000] [--steady-seconds 30] [--seed 7] [--partitions 6] [--profile-dir DIR]
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { Consumer, Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { createEngineMetrics } from '../engine/engine-metrics.js';
import { publishEvents } from '../engine/event-publisher.js';
import { eventTimeMs, type KeelEvent } from '../engine/event-schema.js';
import { PostingEngine } from '../engine/posting-engine.js';
import { AssetRegistry } from '../ledger/asset-registry.js';
import { JournaledLedger } from '../ledger/embedded-journal.js';
import { createKafka, producerOf } from '../platform/kafka.js';
import { createLogger } from '../platform/logger.js';
import { createPool, migrate, type Pool } from '../platform/postgres.js';
import { untilSealed } from '../test/support/audit-progress.js';
import { arrivalOrder, auditStreamEvents } from '../test/support/audit-stream.js';
import { kafkaBrokers, testKafka, waitForGroupCaughtUp, withAdmin } from '../test/support/kafka-test-kit.js';
import { databaseUrl, withDatabase } from '../test/support/postgres-test-kit.js';
import { secondsSince } from './measure.js';

export type AuditBenchOptions = {
  events: number;
  steady_seconds: number;
  steady_events_per_second?: number;
  seed: number;
  partitions: number;
  /** Where the audit process writes a CPU profile (`node --cpu-prof`), when given. */
  profile_dir?: string;
};
export type Rate = { events: number; seconds: number; events_per_second: number };
/** Seals (`builds` of them rebuilt records; `refolds` went back to a checkpoint or the beginning: not the process's first fold). */
export type SealTally = {
  seals: number;
  builds: number;
  refolds: number;
  events_applied: number;
  records_changed: number;
};
export type AuditBenchResult = {
  events: number;
  venue_accounts: number;
  late_fraction: number;
  engine: Rate;
  replay: Rate & { to_engine_ratio: number; peak_rss_mib: number; seals: SealTally };
  steady: {
    offered_events_per_second: number;
    published: number;
    seconds: number;
    fills: number;
    matched: number;
    unmatched: number;
    p50_ms: number;
    p99_ms: number;
    max_ms: number;
    seals: SealTally;
  };
  late: {
    pool: string;
    dated: string;
    seconds: number;
    pool_events_after: number;
    store_events_after: number;
    store_events: number;
    seals: SealTally;
    peak_rss_mib: number;
  };
};

const late_fraction = 0.05;
/** The late acquisition is dated at this fraction of the replayed events' times: early. */
const late_acquisition_at_fraction = 0.05;
const venues = ['binance', 'bybit', 'okx', 'kraken', 'coinbase', 'bitget', 'kucoin', 'gate'] as const;
const accounts_per_venue = ['spot-main', 'unified', 'hedge'] as const;
const publish_chunk_events = 5_000;
const steady_tick_ms = 50;
/** How long, after the last steady event, records may still arrive before the rest count as unmatched. */
const steady_drain_ms = 60_000;
const replay_timeout_ms = 6 * 3_600_000;
const seal_poll_ms = 1_000;
const audit_log_tail_lines = 40;

/** 24 venue accounts, transfers between all of them. */
export function benchVenueAccounts(): [string, string][] {
  return venues.flatMap((venue) => accounts_per_venue.map((account): [string, string] => [venue, account]));
}

export async function runAuditBench(
  options: AuditBenchOptions,
  log: (line: string) => void = () => {},
): Promise<AuditBenchResult> {
  const steady_rate = options.steady_events_per_second ?? 1_000;
  const stream = benchStream(options.events, options.steady_seconds * steady_rate, options.seed);
  const kafka = testKafka();
  const suffix = randomUUID().slice(0, 8);
  const topics = {
    events: `keel.events.audit-bench.${suffix}`,
    dlq: `keel.events.dlq.audit-bench.${suffix}`,
    records: `keel.trade-records.audit-bench.${suffix}`,
  };
  await withAdmin(kafka, (admin) =>
    admin.createTopics({
      topics: [
        { topic: topics.events, numPartitions: options.partitions },
        { topic: topics.dlq, numPartitions: 1 },
      ],
      waitForLeaders: true,
    }),
  );
  const database = await createBenchDatabase();
  let audit: AuditProcess | undefined;
  try {
    log(`publishing ${stream.replay.length.toLocaleString('en-US')} events to ${topics.events}`);
    await publishAll(kafka, topics.events, stream.replay, log);
    log('(a) posting engine on the embedded ledger');
    const engine = await postingEngineRate(kafka, topics, options.partitions, stream.replay.length);
    log(`(b) keel audit replaying into ${database.name}`);
    const replay_started = process.hrtime.bigint();
    audit = startAudit(database.url, topics, options.profile_dir);
    await audit.whileAlive(untilSealed(database.pool, stream.replay.length, replay_timeout_ms, seal_poll_ms));
    const replay_rate = rateOf(stream.replay.length, secondsSince(replay_started));
    const replay = {
      ...replay_rate,
      to_engine_ratio: replay_rate.events_per_second / engine.events_per_second,
      peak_rss_mib: audit.peakRssMib(),
      seals: audit.takeSeals(),
    };
    log(`(c) steady load, ${steady_rate} events/s for ${options.steady_seconds} s`);
    const steady = {
      ...(await audit.whileAlive(steadyLatency(kafka, topics, stream.steady, steady_rate))),
      seals: audit.takeSeals(),
    };
    const stored = stream.replay.length + stream.steady.length;
    await audit.whileAlive(untilSealed(database.pool, stored, replay_timeout_ms, seal_poll_ms));
    audit.takeSeals();
    log('(d) one late acquisition early in the busiest pool');
    const late = await lateAcquisitionRefold(kafka, topics.events, database, audit, stream, stored);
    return {
      events: options.events,
      venue_accounts: benchVenueAccounts().length,
      late_fraction,
      engine,
      replay,
      steady,
      late,
    };
  } finally {
    await audit?.stop();
    await database.drop();
    await withAdmin(kafka, (admin) =>
      admin.deleteTopics({ topics: [topics.events, topics.dlq, topics.records] }),
    ).catch((error: Error) => log(`topics not deleted: ${error.message}`));
  }
}

type BenchStream = { replay: KeelEvent[]; steady: KeelEvent[]; late_time_ms: number };

/** One generated stream in arrival order: the first `replay_events` for the replay, the rest offered steadily after. */
function benchStream(replay_events: number, steady_events: number, seed: number): BenchStream {
  const wanted = replay_events + steady_events;
  // The order stories add events to the generator's: ask for fewer, then more if it fell short.
  let generated = Math.ceil(wanted / 1.5) + 100;
  let events = auditStreamEvents(generated, { seed, venue_accounts: benchVenueAccounts() });
  while (events.length < wanted) {
    generated = Math.ceil(generated * 1.1);
    events = auditStreamEvents(generated, { seed, venue_accounts: benchVenueAccounts() });
  }
  const arrived = arrivalOrder(events.slice(0, wanted), seed, late_fraction);
  const replay = arrived.slice(0, replay_events);
  const times_ms = replay.map(eventTimeMs).sort((left, right) => left - right);
  return {
    replay,
    steady: arrived.slice(replay_events),
    late_time_ms: times_ms[Math.floor(times_ms.length * late_acquisition_at_fraction)]!,
  };
}

async function publishAll(
  kafka: Kafka,
  topic: string,
  events: readonly KeelEvent[],
  log: (line: string) => void,
): Promise<void> {
  const producer = producerOf(kafka);
  await producer.connect();
  try {
    for (let start = 0; start < events.length; start += publish_chunk_events) {
      await publishEvents(producer, topic, events.slice(start, start + publish_chunk_events));
      if (start > 0 && start % 100_000 === 0) log(`  published ${start.toLocaleString('en-US')}`);
    }
  } finally {
    await producer.disconnect();
  }
}

async function postingEngineRate(
  kafka: Kafka,
  topics: { events: string; dlq: string },
  partitions: number,
  event_count: number,
): Promise<Rate> {
  const data_dir = mkdtempSync(join(tmpdir(), 'keel-audit-bench-'));
  const ledger = await JournaledLedger.open(data_dir);
  const group_id = `keel-audit-bench-engine-${randomUUID().slice(0, 8)}`;
  const logger = createLogger('warn');
  const engine = new PostingEngine(
    createKafka({ brokers: kafkaBrokers(), client_id: 'keel-audit-bench' }, logger),
    ledger,
    new AssetRegistry(),
    createEngineMetrics(new Registry()),
    logger,
    {
      events_topic: topics.events,
      dlq_topic: topics.dlq,
      events_partitions: partitions,
      group_id,
    },
  );
  try {
    const started = process.hrtime.bigint();
    await engine.start();
    await waitForGroupCaughtUp(kafka, topics.events, group_id, replay_timeout_ms);
    return rateOf(event_count, secondsSince(started));
  } finally {
    await engine.stop();
    await ledger.close();
    rmSync(data_dir, { recursive: true, force: true });
  }
}

function rateOf(events: number, seconds: number): Rate {
  return { events, seconds, events_per_second: Math.round(events / seconds) };
}

type BenchDatabase = { name: string; url: string; pool: Pool; drop: () => Promise<void> };

async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `keel_audit_bench_${randomUUID().slice(0, 8)}`;
  const admin = createPool(databaseUrl(), { max_connections: 1 });
  await admin.query(`create database ${name}`);
  const url = withDatabase(databaseUrl(), name);
  const pool = createPool(url, { max_connections: 2 });
  await migrate(pool, new URL('../migrations', import.meta.url).pathname);
  const drop = async () => {
    await pool.end();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  };
  return { name, url, pool, drop };
}

/** The real `keel audit` process, its seals read from its log (debug level logs every seal). */
type AuditProcess = {
  /** `work`, or the audit process's death while it runs (with the end of its log). */
  whileAlive: <T>(work: Promise<T>) => Promise<T>;
  takeSeals: () => SealTally;
  peakRssMib: () => number;
  stop: () => Promise<void>;
};

function startAudit(
  database_url: string,
  topics: { events: string; records: string },
  profile_dir: string | undefined,
): AuditProcess {
  const main_path = new URL('../cli/main.ts', import.meta.url).pathname;
  const profiling = profile_dir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profile_dir];
  const child = spawn(process.execPath, [...profiling, '--import', 'tsx', main_path, 'audit'], {
    env: {
      ...process.env,
      DATABASE_URL: database_url,
      KAFKA_BROKERS: kafkaBrokers().join(','),
      KEEL_EVENTS_TOPIC: topics.events,
      KEEL_TRADE_RECORDS_TOPIC: topics.records,
      KEEL_AUDIT_GROUP: `keel-audit-bench-${randomUUID().slice(0, 8)}`,
      KEEL_METRICS_PORT: '0',
      KEEL_LOG_LEVEL: 'debug',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let tally = emptyTally();
  let folded_before = false;
  const tail: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    tail.push(line);
    if (tail.length > audit_log_tail_lines) tail.shift();
    const seal = sealOfLogLine(line);
    if (seal === undefined) return;
    tally = addSeal(tally, seal, folded_before);
    folded_before ||= seal.resumed_from !== 'nothing_new';
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const died = exited.then((code) => Promise.reject(new Error(`keel audit exited with ${code}:\n${tail.join('\n')}`)));
  died.catch(() => undefined);
  return {
    whileAlive: (work) => Promise.race([work, died]),
    takeSeals: () => {
      const taken = tally;
      tally = emptyTally();
      return taken;
    },
    peakRssMib: () => peakRssMibOf(child),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

type SealLine = { msg: string; events_applied: number; resumed_from: string; records_changed: number };

function sealOfLogLine(line: string): SealLine | undefined {
  if (!line.includes('"msg":"audit sealed"') && !line.includes('"msg":"audit folded"')) return undefined;
  return JSON.parse(line) as SealLine;
}

function emptyTally(): SealTally {
  return { seals: 0, builds: 0, refolds: 0, events_applied: 0, records_changed: 0 };
}

function addSeal(tally: SealTally, seal: SealLine, folded_before: boolean): SealTally {
  const refold = folded_before && (seal.resumed_from === 'checkpoint' || seal.resumed_from === 'beginning');
  return {
    seals: tally.seals + 1,
    builds: tally.builds + (seal.msg === 'audit sealed' ? 1 : 0),
    refolds: tally.refolds + (refold ? 1 : 0),
    events_applied: tally.events_applied + seal.events_applied,
    records_changed: tally.records_changed + seal.records_changed,
  };
}

/** The kernel's high-water mark of the process's resident memory (Linux). */
function peakRssMibOf(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmHWM in /proc/${child.pid}/status`);
  return Math.round(Number(kib) / 1024);
}

/**
 * Offers the steady events at `rate` a second while a consumer of the trade-records topic (from its
 * end before the first one) notes when each fill first appears in a record.
 */
async function steadyLatency(
  kafka: Kafka,
  topics: { events: string; records: string },
  events: readonly KeelEvent[],
  rate: number,
): Promise<Omit<AuditBenchResult['steady'], 'seals'>> {
  const published_at_ms = new Map<string, number>();
  const latencies_ms: number[] = [];
  const records = await recordWatcher(kafka, topics.records, (fill_id, received_ms) => {
    const published_ms = published_at_ms.get(fill_id);
    if (published_ms === undefined) return;
    latencies_ms.push(received_ms - published_ms);
    published_at_ms.delete(fill_id);
  });
  const producer = producerOf(kafka);
  await producer.connect();
  try {
    const started = process.hrtime.bigint();
    await offerSteadily(events, rate, async (chunk) => {
      const now_ms = performance.now();
      for (const event of chunk) if (event.type === 'trade') published_at_ms.set(event.id, now_ms);
      await publishEvents(producer, topics.events, chunk);
    });
    const seconds = secondsSince(started);
    const drain_deadline_ms = performance.now() + steady_drain_ms;
    while (published_at_ms.size > 0 && performance.now() < drain_deadline_ms) await sleep(100);
    const sorted = latencies_ms.sort((left, right) => left - right);
    const percentile = (fraction: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
    return {
      offered_events_per_second: rate,
      published: events.length,
      seconds,
      fills: events.filter((event) => event.type === 'trade').length,
      matched: sorted.length,
      unmatched: published_at_ms.size,
      p50_ms: percentile(0.5),
      p99_ms: percentile(0.99),
      max_ms: sorted[sorted.length - 1] ?? Number.NaN,
    };
  } finally {
    await producer.disconnect();
    await records.disconnect();
  }
}

/** Publishes what is due every tick, so the offered rate holds even when one send is slow. */
async function offerSteadily(
  events: readonly KeelEvent[],
  rate: number,
  send: (chunk: readonly KeelEvent[]) => Promise<void>,
): Promise<void> {
  const started_ms = performance.now();
  let sent = 0;
  while (sent < events.length) {
    const due = Math.min(events.length, Math.floor(((performance.now() - started_ms) / 1_000) * rate));
    if (due > sent) {
      await send(events.slice(sent, due));
      sent = due;
    }
    await sleep(steady_tick_ms);
  }
}

/** Reads the trade-records topic from its current end; calls `on_fill` for every fill id of every record. */
async function recordWatcher(
  kafka: Kafka,
  topic: string,
  on_fill: (fill_id: string, received_ms: number) => void,
): Promise<Consumer> {
  const ends = await withAdmin(kafka, (admin) => admin.fetchTopicOffsets(topic));
  const consumer = kafka.consumer({ groupId: `keel-audit-bench-records-${randomUUID().slice(0, 8)}` });
  await consumer.connect();
  await consumer.subscribe({ topic });
  const fetching = new Promise<void>((resolve) => consumer.on(consumer.events.FETCH, () => resolve()));
  await consumer.run({
    eachMessage: async ({ message }) => {
      const received_ms = performance.now();
      const published = JSON.parse(message.value?.toString() ?? 'null') as {
        record: { fills: { event_id: string }[] } | null;
      } | null;
      for (const fill of published?.record?.fills ?? []) on_fill(fill.event_id, received_ms);
    },
  });
  for (const end of ends) consumer.seek({ topic, partition: end.partition, offset: end.offset });
  // Until the group is joined and fetching, records would wait for it, not for the audit.
  await fetching;
  return consumer;
}

/**
 * Publishes one deposit with a cost basis, dated early, in the busiest pool (venue account and
 * crypto asset) after that date; times it until sealed and tallies the seals it caused.
 */
async function lateAcquisitionRefold(
  kafka: Kafka,
  topic: string,
  database: BenchDatabase,
  audit: AuditProcess,
  stream: BenchStream,
  stored: number,
): Promise<AuditBenchResult['late']> {
  const stored_events = [...stream.replay, ...stream.steady];
  const after = stored_events.filter((event) => eventTimeMs(event) > stream.late_time_ms);
  const [pool, pool_events_after] = busiestPool(after);
  const [venue, account, asset] = pool.split('/') as [string, string, string];
  const dated = new Date(stream.late_time_ms).toISOString();
  const deposit: KeelEvent = {
    id: `${venue}:${account}:deposit:bench-late`,
    type: 'deposit',
    time: dated,
    venue,
    account,
    asset,
    amount: '3',
    cost_basis: { amount: '1000', currency: 'USD', acquired_at: dated },
  };
  const started = process.hrtime.bigint();
  await publishAll(kafka, topic, [deposit], () => undefined);
  await audit.whileAlive(untilSealed(database.pool, stored + 1, replay_timeout_ms, 100));
  const seconds = secondsSince(started);
  return {
    pool,
    dated,
    seconds,
    pool_events_after,
    store_events_after: after.length,
    store_events: stored,
    seals: audit.takeSeals(),
    peak_rss_mib: audit.peakRssMib(),
  };
}

/** The venue account and crypto asset with the most events touching it, and how many. */
function busiestPool(events: readonly KeelEvent[]): [string, number] {
  const counts = new Map<string, number>();
  for (const event of events) for (const pool of cryptoPoolsOf(event)) counts.set(pool, (counts.get(pool) ?? 0) + 1);
  const ranked = [...counts].sort((left, right) => right[1] - left[1] || (left[0] < right[0] ? -1 : 1));
  if (ranked[0] === undefined) throw new Error('the generated events touch no BTC or ETH pool');
  return ranked[0];
}

/** The pools (`venue/account/asset`, BTC and ETH only: acquisitions with a cost basis) an event moves. */
function cryptoPoolsOf(event: KeelEvent): string[] {
  const assets = new Set<string>();
  const places = [`${event.venue}/${event.account}`];
  if (event.type === 'trade') {
    if (event.instrument.kind === 'spot') assets.add(event.instrument.base).add(event.instrument.quote);
    for (const fee of event.fees) assets.add(fee.asset);
  } else if (event.type === 'transfer') {
    assets.add(event.asset);
    places.push(`${event.to_venue}/${event.to_account}`);
  } else if ('asset' in event) {
    assets.add(event.asset);
  }
  return places.flatMap((place) =>
    [...assets].filter((asset) => asset === 'BTC' || asset === 'ETH').map((asset) => `${place}/${asset}`),
  );
}

function sleep(duration_ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, duration_ms));
}

function format(result: AuditBenchResult): string {
  const count = (value: number) => value.toLocaleString('en-US');
  const rate = (name: string, figures: Rate) =>
    `${name.padEnd(46)} ${count(figures.events_per_second).padStart(9)} events/s  (${figures.seconds.toFixed(1)} s)`;
  const seals = (tally: SealTally) =>
    `${count(tally.seals)} seals (${count(tally.builds)} building records), ${tally.refolds} re-folds, ${count(tally.events_applied)} events applied, ${count(tally.records_changed)} records written`;
  const { engine, replay, steady, late } = result;
  return [
    `${count(result.events)} events, ${result.venue_accounts} venue accounts, ${late_fraction * 100}% late; brokers ${kafkaBrokers().join(',')}`,
    rate('(a) posting engine, embedded ledger', engine),
    rate('(b) keel audit replay into an empty store', replay),
    `    replay / engine: ${replay.to_engine_ratio.toFixed(3)} (target ≥ 0.75), peak RSS of keel audit ${replay.peak_rss_mib} MiB`,
    `    ${seals(replay.seals)}`,
    `(c) steady ${steady.offered_events_per_second} events/s offered: ${count(steady.published)} events in ${steady.seconds.toFixed(1)} s, ${count(steady.fills)} fills`,
    `    publication to trade record: p50 ${steady.p50_ms.toFixed(0)} ms, p99 ${steady.p99_ms.toFixed(0)} ms (target < 1000), max ${steady.max_ms.toFixed(0)} ms; ` +
      `${count(steady.matched)} matched, ${count(steady.unmatched)} without a record after ${steady_drain_ms / 1000} s`,
    `    ${seals(steady.seals)}`,
    `(d) late acquisition in ${late.pool} dated ${late.dated}: sealed in ${late.seconds.toFixed(2)} s`,
    `    ${seals(late.seals)}`,
    `    against: that pool's events after it ${count(late.pool_events_after)}, the store's events after it ${count(late.store_events_after)}, ` +
      `the store ${count(late.store_events)}; applied / pool's events after ${(late.seals.events_applied / late.pool_events_after).toFixed(1)}`,
    `    peak RSS of keel audit over the run ${late.peak_rss_mib} MiB`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '1000000' },
      'steady-seconds': { type: 'string', default: '30' },
      seed: { type: 'string', default: '7' },
      partitions: { type: 'string', default: '6' },
      'profile-dir': { type: 'string' },
    },
  });
  const options = {
    events: Number(values.events),
    steady_seconds: Number(values['steady-seconds']),
    seed: Number(values.seed),
    partitions: Number(values.partitions),
    profile_dir: values['profile-dir'],
  };
  const result = await runAuditBench(options, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${format(result)}\n`);
}
