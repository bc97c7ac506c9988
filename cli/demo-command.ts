// `keel demo [--out DIR] [--serve]`: Keel's main job on its embedded defaults, in one process with
// no servers. Recorded real exchange responses for several venues are replayed through the
// connectors, joined by a strategy's decisions and risk checks, written to a JSON Lines file that
// feeds the in-process log; the posting step fills the embedded ledger, the audit step fills PGlite
// and seals lots and trade records into the audit chain. Then it writes what people use.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MemoryEventSink } from '../connectors/event-sink.js';
import { loadSessions } from '../connectors/replay.js';
import { replaySession } from '../connectors/replay-runner.js';
import { decodeEvent } from '../engine/event-decode.js';
import type { KeelEvent } from '../engine/event-schema.js';
import { readValidEventFile } from '../engine/event-file.js';
import { InProcessEventLog } from '../engine/in-process-log.js';
import { accountSpecsOfEvents } from '../engine/posting-rules.js';
import { currentBalances } from '../ledger/balances.js';
import { loadRegistry } from '../ledger/open-ledger.js';
import { readPriceFile } from '../audit/price-file.js';
import { insertPrices } from '../audit/price-store.js';
import { compareEvents } from '../audit/trade-records.js';
import type { CommandContext } from './command.js';
import { EmbeddedKeel, type IngestReport } from './embedded-keel.js';
import { renderTable } from './table.js';
import { writeDemoOutputs, serveDemo } from './demo-outputs.js';

export const demo_usage = `keel demo [--out DIR] [--serve] [--port N]

Runs the whole pipeline in one process with no servers: recorded real exchange responses (Binance,
Binance USD-M, Bybit, OKX, Kraken, Coinbase, Deribit) replayed through the connectors, plus a
strategy's decisions and risk checks (examples/events.jsonl), into the in-process event log; the
embedded ledger; PGlite as the audit store. Writes the audit report PDF, a trade explanation (PDF and
text), the tax-lot CSV and the dead letters into DIR (default out/demo), prints the balances and the
audit chain head. With --serve it then keeps the HTTP API up on the same data (127.0.0.1, --port,
default 8080) until Ctrl-C.`;

export async function demoCommand(context: CommandContext): Promise<number> {
  const { values } = context.parse({
    out: { type: 'string', default: join('out', 'demo') },
    serve: { type: 'boolean', default: false },
    port: { type: 'string', default: '8080' },
  });
  const out_dir = resolve(values.out);
  rmSync(out_dir, { recursive: true, force: true });
  mkdirSync(out_dir, { recursive: true });
  const registry = loadRegistry(context.config);

  context.progress('keel demo: replaying recorded exchange responses…');
  const events = await demoEvents();
  const events_file = join(out_dir, 'events.jsonl');
  writeFileSync(events_file, events.map((event) => JSON.stringify(event)).join('\n') + '\n');

  const keel = await EmbeddedKeel.start(registry, await InProcessEventLog.fromFile(events_file));
  try {
    const prices = await readPriceFile(projectFile('examples', 'prices.jsonl'));
    await insertPrices(
      keel.pool,
      prices.map((row) => ({
        asset: row.asset,
        currency: 'USD',
        price_time: new Date(row.time_ms).toISOString(),
        source: row.source ?? 'examples',
        price: String(row.price),
      })),
    );
    context.progress('keel demo: posting and auditing…');
    const ingest = await keel.catchUp();
    const outputs = await writeDemoOutputs(keel, out_dir, (line) => context.progress(line));
    context.stdout(await summary(keel, ingest, outputs, out_dir));
    if (values.serve) await serveDemo(keel, context, Number(values.port));
    return 0;
  } finally {
    await keel.stop();
  }
}

/** The venues' recorded events and the example strategy's day, in event-time order. */
async function demoEvents(): Promise<KeelEvent[]> {
  const sink = new MemoryEventSink();
  for (const session of loadSessions(projectFile('test', 'data', 'exchanges', 'sessions')))
    await replaySession(session, sink);
  const examples = await readValidEventFile(projectFile('examples', 'events.jsonl'));
  return [...sink.events, ...examples].sort(compareEvents);
}

async function summary(
  keel: EmbeddedKeel,
  ingest: IngestReport,
  outputs: Record<string, string>,
  out_dir: string,
): Promise<string> {
  const events = keel.log.read(0).flatMap((record) => {
    const decoded = decodeEvent(record.value);
    return decoded.ok ? [decoded.event] : [];
  });
  const balances = (await currentBalances(keel.ledger, accountSpecsOfEvents(events, keel.registry))).filter(
    (row) => (row.type === 'cash' || row.type === 'position') && row.balance !== '0',
  );
  const lines = [
    `events: ${ingest.read} read, ${ingest.posted} posted, ${ingest.no_transfers} without transfers, ${ingest.dead_lettered} dead-lettered (see ${join(out_dir, 'dead-letters.jsonl')})`,
    `audit: ${ingest.stored} events stored, ${ingest.seal.changed.length} trade records sealed`,
    `audit chain head: sequence ${ingest.seal.head.sequence}, hash ${ingest.seal.head.entry_hash}`,
    '',
    "cash and positions (the recorded responses are excerpts of each venue's history, so a sale or a",
    'fee can come without the deposit that funded it: such cash shows negative, as the ledger allows):',
    renderTable(
      ['venue', 'account', 'type', 'asset', 'balance'],
      balances.map((row) => [row.venue, row.account, row.type, row.asset, row.balance]),
      [false, false, false, false, true],
    ),
    '',
    'written:',
    ...Object.entries(outputs).map(([what, path]) => `  ${what}: ${path}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** A file of the project: beside cli/ from source, two levels up from dist/cli/. */
export function projectFile(...parts: string[]): string {
  const candidates = [join(import.meta.dirname, '..', ...parts), join(import.meta.dirname, '..', '..', ...parts)];
  return candidates.find((candidate) => existsSync(candidate)) ?? candidates[0]!;
}
