// Sealing, streamed (DESIGN.md §9): a seal folds the events and prices that arrived since the
// last one into the persisted fold (lots, positions, balances, prices: `audit-fold.ts`), writes
// what they produced (lot and disposal rows, each fill's facts), and, when asked (the consumer
// asks once it has caught up with the log), rebuilds the record of every trade they touched: the
// records that changed become new versions with one audit entry each. All in one transaction.
//
// Cost: events later than everything folded are applied to the fold where it stands (kept in
// memory by the process, else restored from the latest checkpoint). An event or a price row
// earlier than that re-folds from the latest checkpoint before it: the events from that
// checkpoint on, not the store. Checkpoints are taken every `checkpoint_interval_events` in memory
// and every `stored_checkpoint_interval_events` in the store. The result is always exactly the
// full recompute over the stored events (`lotReport`, `tradeRecordsOf`): the fold is that fold.
//
// Closed periods (`lots/period-close.ts`, `close-store.ts`): the seal first gives each prior-period
// adjustment among the arrivals its ordering time (the close boundary), and folds in ordering
// time throughout, so such an event is late at the boundary, not at its own time; a reopen asks
// for a re-fold (`refold_from_ms`), and the seal that then builds records lists what changed in
// the reopened period against its closed versions.
//
// Audit entries carry `recorded_at` = the store's event-time watermark, not the wall clock, and
// records are built only when the consumer has caught up: a replay of the same log into an empty
// store then builds the same versions and the same chain, whatever its batches and restarts.
import type { EventOf } from '../engine/event-schema.js';
import type { AssetRegistry } from '../ledger/asset-registry.js';
import { formatDecimal } from '../ledger/money.js';
import { canonicalJson } from '../platform/canonical-json.js';
import { inTransaction, type Session } from '../platform/postgres.js';
import { assertAudit } from './audit-errors.js';
import {
  AuditFold,
  decodeFoldState,
  depositLookupKey,
  earlyPriceQuestions,
  encodeFoldState,
  type FoldState,
} from './audit-fold.js';
import { appendAuditEntriesInTransaction, auditHead, type AuditHead } from './audit-log.js';
import {
  changedRecords,
  currentVersionsOf,
  eventWatermark,
  linkRecordsToAudit,
  storeChangedRecords,
  type ChangedRecord,
  type ChangedRecordSummary,
} from './audit-store.js';
import {
  arrivalsSince,
  clearDirty,
  dirtyTradeOf,
  dirtyTrades,
  dropCheckpoints,
  foldEvents,
  markDirty,
  priceAtFromStore,
  priceRowsAfter,
  readFoldProgress,
  rewindDerivedRows,
  storeCheckpoint,
  tradeParts,
  tradesJoinedBy,
  usableCheckpoint,
  writeFoldOutput,
  newJoiningEvents,
  eventsBetween,
  writeFoldProgress,
  type Checkpoint,
  type DirtyTrade,
  type FoldEvent,
  type FoldProgress,
} from './fold-store.js';
import { assignOrderTimes, listReopenChanges, type ReopenChanges } from './close-store.js';
import { lotSettings, type LotSettings } from './lots/lot-settings.js';
import { tradeIdOf, tradeRecordOf, type LotFacts, type TradeRecord } from './trade-records.js';

/** What one seal did: the records it changed, the chain head, and how its fold went. */
/** `events`: every event the fold has applied so far; `records_built`: whether this seal rebuilt the touched records. */
/** `reopen_changes`: per reopen since the last seal that built records, what changed against the closed versions. */
export type SealResult = {
  changed: ChangedRecordSummary[];
  head: AuditHead;
  events: number;
  records_built: boolean;
  fold: FoldSummary;
  reopen_changes: ReopenChanges[];
};
export type FoldSummary = {
  /** Events applied by this seal (new ones, and earlier ones again when something arrived late). */
  events_applied: number;
  /** Where the fold went on from: where it stood (in order), a checkpoint, or the beginning. */
  resumed_from: 'memory' | 'checkpoint' | 'beginning' | 'nothing_new';
  /** The millisecond a re-fold started at (null when nothing was re-folded). */
  refold_from: string | null;
};

export type SealOptions = {
  /** Build the records of the trades touched so far (default true); the consumer waits until it has caught up. */
  build_records?: boolean;
  /**
   * Without records: fold only events up to this time (ms). While it catches up, the consumer folds
   * no further than every partition has reached, so that events of a lagging partition are not late.
   */
  fold_through_ms?: number;
  /** The fold a process keeps between its seals; without one, each seal restores from a stored checkpoint. */
  fold_cache?: FoldCache;
  checkpoint_interval_events?: number;
  stored_checkpoint_interval_events?: number;
};

type CheckpointIntervals = { checkpoint_interval_events: number; stored_checkpoint_interval_events: number };

export const seal_defaults = {
  checkpoint_interval_events: 2_000,
  checkpoints_in_memory_max: 8,
  stored_checkpoint_interval_events: 50_000,
  stored_checkpoints_max: 4,
  records_per_chunk: 1_000,
} as const;

/**
 * The fold one process keeps between its seals, with recent checkpoints in memory. It is used only
 * while the store says no one else folded since (`generation`); a seal that fails forgets it.
 */
export class FoldCache {
  fold: AuditFold | undefined;
  generation = -1;
  checkpoints: Checkpoint[] = [];

  forget(): void {
    this.fold = undefined;
    this.generation = -1;
    this.checkpoints = [];
  }
}

/**
 * Folds what arrived and, unless told not to, rebuilds touched records; `before_commit` runs inside
 * the transaction once per chunk of changed records (publishing, so a failed publish rolls the whole seal back).
 */
export async function seal(
  session: Session,
  registry: AssetRegistry,
  settings: Partial<LotSettings>,
  before_commit: (changed: readonly ChangedRecord[]) => Promise<void> = async () => undefined,
  options: SealOptions = {},
): Promise<SealResult> {
  const full_settings = lotSettings(settings);
  const cache = options.fold_cache ?? new FoldCache();
  try {
    return await inTransaction(session, async () => {
      // One sealer at a time, and no event stored while it folds: an event committed late with a
      // lower store id would otherwise be passed over for good.
      await session.query('select pg_advisory_xact_lock(7241900002)');
      await session.query('lock table events in share mode');
      const fold = await foldArrivals(session, registry, full_settings, cache, options);
      const records_built = options.build_records !== false;
      const changed = records_built ? await buildDirtyRecords(session, registry, full_settings, before_commit) : [];
      const reopen_changes = records_built
        ? await listReopenChanges(session, (await eventWatermark(session)) ?? new Date(0).toISOString())
        : [];
      return {
        changed,
        head: await auditHead(session),
        events: cache.fold?.applied ?? 0,
        records_built,
        fold,
        reopen_changes,
      };
    });
  } catch (error) {
    cache.forget();
    throw error;
  }
}

async function foldArrivals(
  session: Session,
  registry: AssetRegistry,
  settings: LotSettings,
  cache: FoldCache,
  options: SealOptions,
): Promise<FoldSummary> {
  const settings_text = canonicalJson(settings);
  const stored = await readFoldProgress(session);
  // Other lot settings than the store was folded with: everything is folded again.
  const progress: FoldProgress =
    stored !== undefined && stored.settings === settings_text
      ? stored
      : {
          folded_store_id: 0,
          folded_through_ms: -Infinity,
          folded_price_seq: 0,
          settings: settings_text,
          generation: (stored?.generation ?? 0) + 1,
          events_applied: 0,
          refold_from_ms: null,
        };
  if (progress !== stored) {
    await dropCheckpoints(session);
    cache.forget();
  }
  // Records need every fill folded: a seal that builds them folds everything.
  const through_ms = options.build_records === false ? (options.fold_through_ms ?? Infinity) : Infinity;
  // Prior-period adjustments among the arrivals get their ordering time first: they are late at their close boundary.
  await assignOrderTimes(session, progress.folded_store_id);
  const arrivals = await arrivalsSince(session, progress, settings.reporting_currency);
  const arrived = arrivals.events > 0 || arrivals.price_seq_max > progress.folded_price_seq;
  const late_ms = Math.min(
    arrivals.event_time_min_ms ?? Infinity,
    arrivals.price_time_min_ms ?? Infinity,
    progress.refold_from_ms ?? Infinity,
  );
  const late = late_ms <= progress.folded_through_ms;
  if (stored === progress && !late && !(await anyToFold(session, progress.folded_through_ms, through_ms, arrived))) {
    await writeFoldProgress(session, {
      ...progress,
      folded_store_id: arrivals.store_id_max,
      folded_price_seq: arrivals.price_seq_max,
    });
    return { events_applied: 0, resumed_from: 'nothing_new', refold_from: null };
  }
  const in_order = !late && cache.fold !== undefined && cache.generation === progress.generation;
  let fold: AuditFold;
  let resumed_from: FoldSummary['resumed_from'];
  if (in_order) {
    fold = cache.fold!;
    resumed_from = 'memory';
    fold.addPriceRows(
      await priceRowsAfter(session, settings.reporting_currency, fold.time_ms, progress.folded_price_seq),
    );
  } else {
    const checkpoint = await bestCheckpoint(session, cache, progress, late ? late_ms : progress.folded_through_ms + 1);
    fold = new AuditFold(settings, registry, checkpoint === undefined ? undefined : decodeFoldState(checkpoint.state));
    resumed_from = checkpoint === undefined ? 'beginning' : 'checkpoint';
    const state = checkpoint === undefined ? undefined : fold.exportState();
    await rewindDerivedRows(session, checkpoint?.boundary_ms ?? -Infinity, openLotsOf(state));
    fold.addPriceRows(await priceRowsAfter(session, settings.reporting_currency, fold.time_ms));
  }
  const applied_before = fold.applied;
  const refold_from = in_order
    ? null
    : Number.isFinite(fold.time_ms)
      ? new Date(fold.time_ms + 1).toISOString()
      : 'beginning';
  // While it folds, the cached fold is neither here nor there: a seal that fails leaves it unusable.
  cache.generation = -1;
  await applyEvents(session, fold, foldEvents(session, fold.time_ms + 1, through_ms), cache, {
    checkpoint_interval_events: options.checkpoint_interval_events ?? seal_defaults.checkpoint_interval_events,
    stored_checkpoint_interval_events:
      options.stored_checkpoint_interval_events ?? seal_defaults.stored_checkpoint_interval_events,
  });
  await markDirty(session, await tradesJoinedBy(session, await newJoiningEvents(session, progress.folded_store_id)));
  const generation = progress.generation + 1;
  const next: FoldProgress = {
    ...progress,
    folded_store_id: arrivals.store_id_max,
    folded_through_ms: fold.time_ms,
    folded_price_seq: arrivals.price_seq_max,
    generation,
    events_applied: fold.applied,
    refold_from_ms: null,
  };
  await writeProgressAndCache(session, next, fold, cache);
  return { events_applied: fold.applied - applied_before, resumed_from, refold_from };
}

/** Whether stored events wait in (`after_ms`, `through_ms`]: new ones, or ones an earlier seal held back. */
async function anyToFold(session: Session, after_ms: number, through_ms: number, arrived: boolean): Promise<boolean> {
  if (arrived) return true;
  return eventsBetween(session, after_ms, through_ms);
}

async function writeProgressAndCache(
  session: Session,
  progress: FoldProgress,
  fold: AuditFold,
  cache: FoldCache,
): Promise<void> {
  await writeFoldProgress(session, progress);
  cache.fold = fold;
  cache.generation = progress.generation;
}

/** The latest checkpoint (in memory or stored) before `earliest_ms`; stale ones are dropped on the way. */
async function bestCheckpoint(
  session: Session,
  cache: FoldCache,
  progress: FoldProgress,
  earliest_ms: number,
): Promise<Checkpoint | undefined> {
  const limit_ms = Number.isFinite(earliest_ms) ? earliest_ms : Number.MAX_SAFE_INTEGER;
  const stored = await usableCheckpoint(session, limit_ms);
  const in_memory =
    cache.generation === progress.generation
      ? cache.checkpoints.filter((checkpoint) => checkpoint.boundary_ms <= limit_ms)
      : [];
  cache.checkpoints = in_memory;
  const latest = in_memory[in_memory.length - 1];
  return latest !== undefined && (stored === undefined || latest.boundary_ms >= stored.boundary_ms) ? latest : stored;
}

function openLotsOf(state: FoldState | undefined): { lot_id: string; quantity: string }[] {
  if (state === undefined) return [];
  return state.engine.pools.flatMap(([, lots]) =>
    lots.map((lot) => ({ lot_id: lot.lot_id, quantity: formatDecimal(lot.quantity) })),
  );
}

/** Applies stored events, a chunk at a time, cutting only between milliseconds; writes what each chunk produced. */
async function applyEvents(
  session: Session,
  fold: AuditFold,
  chunks: AsyncGenerator<FoldEvent[]>,
  cache: FoldCache,
  options: CheckpointIntervals,
): Promise<void> {
  let pending: FoldEvent[] = [];
  for await (const chunk of chunks) {
    const events = pending.length === 0 ? chunk : [...pending, ...chunk];
    const last_ms = events[events.length - 1]!.order_time_ms;
    let split = events.length;
    while (split > 0 && events[split - 1]!.order_time_ms === last_ms) split -= 1;
    pending = events.slice(split);
    await applyChunk(session, fold, events.slice(0, split), cache, options);
  }
  await applyChunk(session, fold, pending, cache, options);
}

async function applyChunk(
  session: Session,
  fold: AuditFold,
  events: readonly FoldEvent[],
  cache: FoldCache,
  options: CheckpointIntervals,
): Promise<void> {
  if (events.length === 0) return;
  const order_times_ms = new Map(events.map(({ event, order_time_ms }) => [event.id, order_time_ms]));
  const questions = earlyPriceQuestions(
    events.map(({ event }) => event),
    fold.settings,
    (event) => order_times_ms.get(event.id)!,
  );
  const lookups = new Map<string, Awaited<ReturnType<typeof priceAtFromStore>>>();
  for (const { asset, time_ms } of questions)
    lookups.set(depositLookupKey(asset, time_ms), await priceAtFromStore(session, fold.settings, asset, time_ms));
  fold.addDepositLookups(lookups);
  const stored_interval = options.stored_checkpoint_interval_events;
  const memory_interval = options.checkpoint_interval_events;
  const stored_checkpoints: Checkpoint[] = [];
  let start = 0;
  while (start < events.length) {
    const order_time_ms = events[start]!.order_time_ms;
    let end = start + 1;
    while (end < events.length && events[end]!.order_time_ms === order_time_ms) end += 1;
    const before = fold.applied;
    fold.applyMillisecond(
      events.slice(start, end).map(({ event }) => event),
      order_time_ms,
    );
    start = end;
    const crossed = (interval: number) => Math.floor(before / interval) !== Math.floor(fold.applied / interval);
    if (crossed(memory_interval) || crossed(stored_interval)) {
      const checkpoint = {
        boundary_ms: fold.time_ms + 1,
        events_applied: fold.applied,
        state: encodeFoldState(fold.exportState()),
      };
      if (crossed(memory_interval)) {
        cache.checkpoints.push(checkpoint);
        if (cache.checkpoints.length > seal_defaults.checkpoints_in_memory_max) cache.checkpoints.shift();
      }
      if (crossed(stored_interval)) stored_checkpoints.push(checkpoint);
    }
  }
  const output = fold.drain();
  const event_times = new Map(events.map(({ event }) => [event.id, event.time]));
  const order_times = new Map(
    events.map(({ event, order_time_ms }) => [event.id, new Date(order_time_ms).toISOString()]),
  );
  await writeFoldOutput(
    session,
    output,
    poolNamer(fold.settings),
    fold.settings.reporting_currency,
    event_times,
    order_times,
  );
  await markDirty(
    session,
    events
      .map(({ event }) => event)
      .filter((event): event is EventOf<'trade'> => event.type === 'trade')
      .map(dirtyTradeOf),
  );
  // Stored after the rows they stand for: a checkpoint never runs ahead of the tables.
  for (const checkpoint of stored_checkpoints)
    await storeCheckpoint(session, checkpoint, seal_defaults.stored_checkpoints_max);
}

function poolNamer(settings: LotSettings): (venue: string, account: string) => string {
  return (venue, account) => (settings.pool === 'global' ? 'global' : `${venue}/${account}`);
}

/** Rebuilds the records of the trades touched since records were last built, a chunk at a time in trade id order. */
async function buildDirtyRecords(
  session: Session,
  registry: AssetRegistry,
  settings: LotSettings,
  before_commit: (changed: readonly ChangedRecord[]) => Promise<void>,
): Promise<ChangedRecordSummary[]> {
  const watermark = (await eventWatermark(session)) ?? new Date(0).toISOString();
  const summaries: ChangedRecordSummary[] = [];
  for (;;) {
    const trades = await dirtyTrades(session, seal_defaults.records_per_chunk);
    if (trades.length === 0) break;
    const records = await recordsOf(session, registry, settings, trades);
    const changed = [
      ...changedRecords(
        records,
        await currentVersionsOf(
          session,
          records.map((record) => record.trade_id),
        ),
      ),
    ];
    await storeChangedRecords(session, changed);
    const entries = await appendAuditEntriesInTransaction(
      session,
      changed.map((entry) => ({
        kind: 'trade_record',
        payload: {
          trade_id: entry.trade_id,
          version: entry.version,
          record_hash: entry.record_hash,
          supersedes: entry.version > 1 ? entry.version - 1 : null,
        },
      })),
      { recorded_at: watermark },
    );
    await linkRecordsToAudit(
      session,
      changed.map((entry, index) => ({
        trade_id: entry.trade_id,
        version: entry.version,
        sequence: entries[index]!.sequence,
      })),
    );
    if (changed.length > 0) await before_commit(changed);
    for (const { trade_id, version, record_hash } of changed) summaries.push({ trade_id, version, record_hash });
    await clearDirty(
      session,
      trades.map((trade) => trade.trade_id),
    );
  }
  return summaries;
}

/** The records of some trades from their parts in the store (a trade with no fill yet has none). */
async function recordsOf(
  session: Session,
  registry: AssetRegistry,
  settings: LotSettings,
  trades: readonly DirtyTrade[],
): Promise<TradeRecord[]> {
  const parts = await tradeParts(session, trades);
  const by_trade = new Map<string, { fills: EventOf<'trade'>[]; orders: EventOf<'order'>[] }>();
  for (const event of parts.events) {
    if (event.type !== 'trade' && event.type !== 'order') continue;
    const trade_id =
      event.type === 'trade' ? tradeIdOf(event) : `${event.venue}:${event.account}:order:${event.order_id}`;
    let entry = by_trade.get(trade_id);
    if (entry === undefined) by_trade.set(trade_id, (entry = { fills: [], orders: [] }));
    if (event.type === 'trade') entry.fills.push(event);
    else entry.orders.push(event);
  }
  const decisions = parts.joined.filter((event): event is EventOf<'decision'> => event.type === 'decision');
  const risk_checks = parts.joined.filter((event): event is EventOf<'risk_check'> => event.type === 'risk_check');
  const records: TradeRecord[] = [];
  for (const trade of trades) {
    const entry = by_trade.get(trade.trade_id);
    if (entry === undefined || entry.fills.length === 0) continue;
    const facts = entry.fills.map((fill) => {
      const fact = parts.facts.get(fill.id);
      assertAudit(fact !== undefined, `fill ${fill.id} is stored but was never folded`);
      return fact;
    });
    const lots: LotFacts = {
      opened: new Map(facts.map((fact) => [fact.event_id, fact.opened])),
      closed: new Map(facts.map((fact) => [fact.event_id, fact.closed])),
      missing_basis: new Map(facts.map((fact) => [fact.event_id, fact.missing_basis])),
      reporting_currency: settings.reporting_currency,
    };
    records.push(
      tradeRecordOf(
        {
          trade_id: trade.trade_id,
          fills: entry.fills.map((event, index) => ({
            event,
            balances: facts[index]!.balances,
            order_time_ms: parts.order_times_ms.get(event.id)!,
          })),
          orders: entry.orders,
          decisions,
          risk_checks,
          lots,
        },
        registry,
      ),
    );
  }
  return records;
}
