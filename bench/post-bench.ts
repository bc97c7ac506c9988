// Posting benchmark: a generated file of mixed events through `keel post`'s code path (read,
// validate, posting rules, ledger poster, the embedded ledger with its journal), against the
// baseline of the posting rules alone over the same events, measured in the same run.
//
//   npm run bench -- [--events 1000000] [--seed 1]
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { postEventFile } from '../engine/post-events.js';
import { readEventFile } from '../engine/event-file.js';
import type { KeelEvent } from '../engine/event-schema.js';
import { chainTransfers, postingChain } from '../engine/posting-rules.js';
import { AssetRegistry } from '../ledger/asset-registry.js';
import { JournaledLedger } from '../ledger/embedded-journal.js';
import { generateEvents } from '../test/support/event-generator.js';
import { secondsSince, trackPeakRss } from './measure.js';

export type PostBenchResult = {
  events: number;
  transfers: number;
  post: { seconds: number; events_per_second: number; transfers_per_second: number };
  rules: { seconds: number; events_per_second: number; transfers_per_second: number };
  post_to_rules_ratio: number;
  peak_rss_mib: number;
};

export async function runPostBench(
  event_count: number,
  seed: number,
  log: (line: string) => void = () => {},
): Promise<PostBenchResult> {
  const directory = mkdtempSync(join(tmpdir(), 'keel-bench-'));
  const peak = trackPeakRss();
  try {
    const file_path = join(directory, 'events.jsonl');
    log(`generating ${event_count} events (seed ${seed}) into ${file_path}`);
    await writeEvents(file_path, event_count, seed);

    // Baseline first: the rules alone, timed over events already parsed (in chunks, so the heap
    // stays as small as in the real path and the garbage collector is not what gets measured).
    log('baseline: posting rules alone');
    const registry = new AssetRegistry();
    const baseline = await timeRulesAlone(file_path, registry);
    const rule_transfers = baseline.transfers;
    const rules_seconds = baseline.seconds;

    log('keel post code path on the embedded ledger');
    const ledger = await JournaledLedger.open(join(directory, 'ledger'));
    const post_started = process.hrtime.bigint();
    const report = await postEventFile(file_path, ledger, registry, {
      on_progress: (progress) =>
        log(`  ${progress.lines} lines, ${Math.round(progress.lines / (progress.elapsed_ms / 1000))} events/s`),
      progress_interval_ms: 10_000,
    });
    const post_seconds = secondsSince(post_started);
    await ledger.close();
    if (report.events.rejected > 0)
      throw new Error(`benchmark events were rejected: ${JSON.stringify(report.rejections.slice(0, 3))}`);

    const rate = (count: number, seconds: number) => Math.round(count / seconds);
    return {
      events: event_count,
      transfers: rule_transfers,
      post: {
        seconds: post_seconds,
        events_per_second: rate(event_count, post_seconds),
        transfers_per_second: rate(rule_transfers, post_seconds),
      },
      rules: {
        seconds: rules_seconds,
        events_per_second: rate(event_count, rules_seconds),
        transfers_per_second: rate(rule_transfers, rules_seconds),
      },
      post_to_rules_ratio: rules_seconds / post_seconds,
      peak_rss_mib: Math.round(peak.stop() / 1024 / 1024),
    };
  } finally {
    peak.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

async function timeRulesAlone(
  file_path: string,
  registry: AssetRegistry,
): Promise<{ seconds: number; transfers: number }> {
  const chunk_events = 10_000;
  let chunk: KeelEvent[] = [];
  let transfers = 0;
  let nanoseconds = 0n;
  const run = () => {
    const started = process.hrtime.bigint();
    for (const event of chunk) transfers += chainTransfers(postingChain(event, registry)).length;
    nanoseconds += process.hrtime.bigint() - started;
    chunk = [];
  };
  for await (const line of readEventFile(file_path)) {
    if (line.ok) chunk.push(line.event);
    if (chunk.length === chunk_events) run();
  }
  run();
  return { seconds: Number(nanoseconds) / 1e9, transfers };
}

async function writeEvents(file_path: string, count: number, seed: number): Promise<void> {
  const stream = createWriteStream(file_path);
  for (const event of generateEvents(count, { seed, include_non_money: true })) {
    if (!stream.write(`${JSON.stringify(event)}\n`))
      await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) =>
    stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

function format(result: PostBenchResult): string {
  const row = (name: string, figures: PostBenchResult['post']) =>
    `${name.padEnd(34)} ${figures.events_per_second.toLocaleString('en-US').padStart(12)} events/s ${figures.transfers_per_second.toLocaleString('en-US').padStart(12)} transfers/s  (${figures.seconds.toFixed(2)} s)`;
  return [
    `events: ${result.events.toLocaleString('en-US')}, transfers: ${result.transfers.toLocaleString('en-US')}`,
    row('keel post (embedded ledger)', result.post),
    row('posting rules alone (baseline)', result.rules),
    `keel post / rules alone: ${result.post_to_rules_ratio.toFixed(3)} of the baseline's throughput`,
    `peak RSS: ${result.peak_rss_mib} MiB`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { events: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '1' } },
  });
  const result = await runPostBench(Number(values.events), Number(values.seed), (line) =>
    process.stderr.write(`${line}\n`),
  );
  process.stdout.write(`${format(result)}\n`);
}
