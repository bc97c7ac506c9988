// The streaming audit's tables (migrations/0002): the fold's progress and checkpoints, the lot
// rows it writes, the facts of each fill, the trades waiting for their record, and the reads a
// trade record is rebuilt from. Every statement is bounded by what one batch touches.
import { parseEvent, type EventOf, type KeelEvent } from '../engine/event-schema.js';
import { canonicalJson } from '../platform/canonical-json.js';
import type { Session } from '../platform/postgres.js';
import { assertAudit, audit_error_codes } from './audit-errors.js';
import type { FillFacts, FoldOutput } from './audit-fold.js';
import type { LotSettings } from './lots/lot-settings.js';
import type { PricePoint, PriceRow } from './lots/pricing.js';
import { priceRowsFromTrades } from './lots/pricing.js';
import { parseDecimal } from '../ledger/money.js';
import { quarantineStored } from './quarantine-store.js';

export type FoldProgress = {
  folded_store_id: number;
  folded_through_ms: number;
  folded_price_seq: number;
  settings: string;
  generation: number;
  events_applied: number;
  /** A close or reopen asked for a re-fold from this millisecond (null: none asked). */
  refold_from_ms: number | null;
};
/** A stored event with its ordering time (`period-close.ts`: its own, or its close boundary). */
export type FoldEvent = { event: KeelEvent; order_time_ms: number };
export type Checkpoint = { boundary_ms: number; events_applied: number; state: string };
export type DirtyTrade = { trade_id: string; venue: string; account: string; order_id: string };

const row_chunk = 5_000;

export async function readFoldProgress(session: Session): Promise<FoldProgress | undefined> {
  const { rows } = await session.query<{
    folded_store_id: string;
    folded_through_ms: string | null;
    folded_price_seq: string;
    settings: unknown;
    generation: string;
    events_applied: string;
    refold_from_ms: string | null;
  }>(
    'select folded_store_id, folded_through_ms, folded_price_seq, settings, generation, events_applied, refold_from_ms from audit_fold',
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    folded_store_id: Number(row.folded_store_id),
    folded_through_ms: row.folded_through_ms === null ? Number.NEGATIVE_INFINITY : Number(row.folded_through_ms),
    folded_price_seq: Number(row.folded_price_seq),
    settings: canonicalJson(row.settings),
    generation: Number(row.generation),
    events_applied: Number(row.events_applied),
    refold_from_ms: row.refold_from_ms === null ? null : Number(row.refold_from_ms),
  };
}

export async function writeFoldProgress(session: Session, progress: FoldProgress): Promise<void> {
  await session.query(
    `insert into audit_fold (singleton, folded_store_id, folded_through_ms, folded_price_seq, settings, generation, events_applied, refold_from_ms)
     values (true, $1, $6, $2, $3, $4, $5, $7)
     on conflict (singleton) do update
       set folded_store_id = $1, folded_through_ms = $6, folded_price_seq = $2, settings = $3, generation = $4, events_applied = $5, refold_from_ms = $7`,
    [
      progress.folded_store_id,
      progress.folded_price_seq,
      progress.settings,
      progress.generation,
      progress.events_applied,
      Number.isFinite(progress.folded_through_ms) ? progress.folded_through_ms : null,
      progress.refold_from_ms,
    ],
  );
}

/** What arrived since the fold last ran: the earliest event and price times among it, and how far it reaches. */
export async function arrivalsSince(
  session: Session,
  progress: { folded_store_id: number; folded_price_seq: number },
  currency: string,
): Promise<{
  events: number;
  store_id_max: number;
  event_time_min_ms: number | null;
  price_seq_max: number;
  price_time_min_ms: number | null;
}> {
  const events = await session.query<{ count: string; store_id_max: string | null; time_min_ms: string | null }>(
    `select count(*)::text as count, max(store_id)::text as store_id_max, (extract(epoch from min(coalesce(order_time, event_time))) * 1000)::bigint::text as time_min_ms
     from events where store_id > $1`,
    [progress.folded_store_id],
  );
  const prices = await session.query<{ price_seq_max: string | null; time_min_ms: string | null }>(
    `select max(price_seq)::text as price_seq_max, (extract(epoch from min(price_time)) * 1000)::bigint::text as time_min_ms
     from prices where price_seq > $1 and currency = $2`,
    [progress.folded_price_seq, currency],
  );
  const event_row = events.rows[0]!;
  const price_row = prices.rows[0]!;
  return {
    events: Number(event_row.count),
    store_id_max: event_row.store_id_max === null ? progress.folded_store_id : Number(event_row.store_id_max),
    event_time_min_ms: event_row.time_min_ms === null ? null : Number(event_row.time_min_ms),
    price_seq_max: price_row.price_seq_max === null ? progress.folded_price_seq : Number(price_row.price_seq_max),
    price_time_min_ms: price_row.time_min_ms === null ? null : Number(price_row.time_min_ms),
  };
}

/** The latest stored checkpoint at or before `boundary_ms`, after dropping those a late arrival made stale. */
export async function usableCheckpoint(session: Session, boundary_ms: number): Promise<Checkpoint | undefined> {
  await session.query('delete from audit_checkpoints where boundary_ms > $1', [boundary_ms]);
  const { rows } = await session.query<{ boundary_ms: string; events_applied: string; state: string }>(
    'select boundary_ms::text, events_applied::text, state from audit_checkpoints order by boundary_ms desc limit 1',
  );
  const row = rows[0];
  return row === undefined
    ? undefined
    : { boundary_ms: Number(row.boundary_ms), events_applied: Number(row.events_applied), state: row.state };
}

/** Keeps a checkpoint, and the `keep` latest ones only. */
export async function storeCheckpoint(session: Session, checkpoint: Checkpoint, keep: number): Promise<void> {
  await session.query(
    `insert into audit_checkpoints (boundary_ms, events_applied, state) values ($1, $2, $3)
     on conflict (boundary_ms) do update set events_applied = excluded.events_applied, state = excluded.state, created_at = now()`,
    [checkpoint.boundary_ms, checkpoint.events_applied, checkpoint.state],
  );
  await session.query(
    'delete from audit_checkpoints where boundary_ms not in (select boundary_ms from audit_checkpoints order by boundary_ms desc limit $1)',
    [keep],
  );
}

export async function dropCheckpoints(session: Session): Promise<void> {
  await session.query('delete from audit_checkpoints');
}

/**
 * Forgets what the fold wrote from `boundary_ms` on (in ordering time: the rows of a prior-period
 * adjustment ordered from then on too, though dated earlier), and gives the open lots of the
 * restored state their quantity back.
 */
export async function rewindDerivedRows(
  session: Session,
  boundary_ms: number,
  open_lots: readonly { lot_id: string; quantity: string }[],
): Promise<void> {
  const boundary = timeBound(boundary_ms);
  await session.query(
    `delete from disposals where $1::timestamptz is null or disposed_at >= $1
       or disposal_event_id in (select event_id from events where order_time is not null and order_time >= $1)`,
    [boundary],
  );
  await session.query('delete from lots where $1::timestamptz is null or event_time >= $1 or event_time is null', [
    boundary,
  ]);
  await session.query('delete from fill_facts where $1::timestamptz is null or fill_time >= $1', [boundary]);
  await updateRemaining(session, open_lots);
}

/**
 * Stored events of a stretch of ordering time (`from_ms` ≤ order time ≤ `through_ms`), in that
 * order, a chunk at a time. One that no longer validates (stored before a stricter validation) is
 * quarantined, not folded: sealing goes on for the others.
 */
export async function* foldEvents(
  session: Session,
  from_ms: number,
  through_ms: number,
  chunk_rows = row_chunk,
): AsyncGenerator<FoldEvent[]> {
  const cursor = `keel_fold_${Math.floor(Math.random() * 1e9)}`;
  await session.query(
    `declare ${cursor} no scroll cursor for
     select store_id::text, event, (extract(epoch from coalesce(order_time, event_time)) * 1000)::bigint::text as order_time_ms from events
     where ($1::timestamptz is null or coalesce(order_time, event_time) >= $1) and ($2::timestamptz is null or coalesce(order_time, event_time) <= $2)
     order by coalesce(order_time, event_time)`,
    [timeBound(from_ms), timeBound(through_ms)],
  );
  for (;;) {
    const { rows } = await session.query<{ store_id: string; event: unknown; order_time_ms: string }>(
      `fetch ${chunk_rows} from ${cursor}`,
    );
    if (rows.length === 0) break;
    const events: FoldEvent[] = [];
    for (const row of rows) {
      const parsed = parseEvent(row.event);
      if (parsed.ok) events.push({ event: parsed.event, order_time_ms: Number(row.order_time_ms) });
      else
        await quarantineStored(
          session,
          Number(row.store_id),
          audit_error_codes.event_invalid,
          `no longer validates: ${JSON.stringify(parsed.issues).slice(0, 1_000)}`,
        );
    }
    if (events.length > 0) yield events;
    if (rows.length < chunk_rows) break;
  }
  await session.query(`close ${cursor}`);
}

/** Whether any event is stored with an ordering time in (`after_ms`, `through_ms`]. */
export async function eventsBetween(session: Session, after_ms: number, through_ms: number): Promise<boolean> {
  const { rows } = await session.query<{ found: boolean }>(
    `select exists (select 1 from events where ($1::timestamptz is null or coalesce(order_time, event_time) > $1)
       and ($2::timestamptz is null or coalesce(order_time, event_time) <= $2)) as found`,
    [timeBound(after_ms), timeBound(through_ms)],
  );
  return rows[0]!.found;
}

/** Price rows (not implied by trades) after a time (and arrived after `price_seq_after`), for the fold to add as it goes. */
export async function priceRowsAfter(
  session: Session,
  currency: string,
  after_ms: number,
  price_seq_after = 0,
): Promise<PriceRow[]> {
  const { rows } = await session.query<{ asset: string; time_ms: string; price: string; source: string }>(
    `select asset, (extract(epoch from price_time) * 1000)::bigint::text as time_ms, price::text, source
     from prices where currency = $1 and ($2::timestamptz is null or price_time > $2) and price_seq > $3 order by asset, price_time`,
    [currency, timeBound(after_ms), price_seq_after],
  );
  return rows.map((row) => ({ asset: row.asset, time_ms: Number(row.time_ms), price: row.price, source: row.source }));
}

/**
 * The price of `asset` at `time_ms` as the full recompute's table answers it: the latest point at
 * or before that time among the price table's rows and the prices every stored spot trade implies
 * (ties in one millisecond go to the greatest source, as `InMemoryPriceTable` orders them).
 */
export async function priceAtFromStore(
  session: Session,
  settings: LotSettings,
  asset: string,
  time_ms: number,
): Promise<PricePoint | null> {
  const at = new Date(time_ms).toISOString();
  const fixed_quotes = [settings.reporting_currency, ...Object.keys(settings.pegs)];
  // A trade's price counts from its ordering time (a prior-period adjustment's from its close boundary).
  const trades = await session.query<{ event: unknown; order_time_ms: string }>(
    `select event, (extract(epoch from coalesce(order_time, event_time)) * 1000)::bigint::text as order_time_ms from events
     where type = 'trade' and event -> 'instrument' ->> 'kind' = 'spot' and event -> 'instrument' ->> 'base' = $1 and event -> 'instrument' ->> 'quote' = any($2)
       and coalesce(order_time, event_time) = (
         select coalesce(order_time, event_time) from events
         where type = 'trade' and event -> 'instrument' ->> 'kind' = 'spot' and event -> 'instrument' ->> 'base' = $1
           and event -> 'instrument' ->> 'quote' = any($2) and coalesce(order_time, event_time) <= $3
         order by coalesce(order_time, event_time) desc limit 1)`,
    [asset, fixed_quotes, at],
  );
  const order_times_ms = new Map(trades.rows.map((row) => [(row.event as KeelEvent).id, Number(row.order_time_ms)]));
  const table = await session.query<{ time_ms: string; price: string; source: string }>(
    `select (extract(epoch from price_time) * 1000)::bigint::text as time_ms, price::text, source from prices
     where currency = $1 and asset = $2
       and price_time = (select price_time from prices where currency = $1 and asset = $2 and price_time <= $3 order by price_time desc limit 1)`,
    [settings.reporting_currency, asset, at],
  );
  const implied = priceRowsFromTrades(
    trades.rows.map((row) => row.event as KeelEvent),
    settings,
    (event_id) => order_times_ms.get(event_id)!,
  );
  const candidates = [
    ...implied,
    ...table.rows.map((row) => ({ asset, time_ms: Number(row.time_ms), price: row.price, source: row.source })),
  ];
  let best: PricePoint | null = null;
  for (const row of candidates) {
    const point = {
      time_ms: row.time_ms,
      source: row.source ?? 'price_table',
      price: typeof row.price === 'string' ? parseDecimal(row.price, `price of ${asset}`) : row.price,
    };
    if (best === null || point.time_ms > best.time_ms || (point.time_ms === best.time_ms && point.source > best.source))
      best = point;
  }
  return best;
}

/** A time bound for SQL: null stands for the beginning of time (a fold from nothing). */
function timeBound(time_ms: number): string | null {
  return Number.isFinite(time_ms) ? new Date(time_ms).toISOString() : null;
}

/**
 * Writes what one drained stretch of the fold produced. `event_times`: each event's own time (a
 * missing-basis row's date); `order_times`: its ordering time (what a re-fold rewinds lots by).
 */
export async function writeFoldOutput(
  session: Session,
  output: FoldOutput,
  pool_of: (venue: string, account: string) => string,
  currency: string,
  event_times: ReadonlyMap<string, string>,
  order_times: ReadonlyMap<string, string>,
): Promise<void> {
  const remaining = new Map(output.remaining.map((lot) => [lot.lot_id, lot.quantity]));
  const lot_rows = [
    ...output.acquisitions.map(
      (lot) =>
        [
          lot.lot_id,
          pool_of(lot.venue, lot.account),
          lot.asset,
          lot.acquired_at,
          lot.event_id,
          lot.quantity,
          lot.cost_basis,
          lot.kind,
          order_times.get(lot.event_id)!,
        ] as const,
    ),
    ...output.transferred.map(
      (lot) =>
        [
          lot.new_lot_id,
          pool_of(lot.to_venue, lot.to_account),
          lot.asset,
          lot.acquired_at,
          lot.event_id,
          lot.quantity,
          lot.cost_basis,
          'transfer',
          order_times.get(lot.event_id)!,
        ] as const,
    ),
  ];
  const inserted = new Set(lot_rows.map((row) => row[0]));
  for (let start = 0; start < lot_rows.length; start += row_chunk) {
    const chunk = lot_rows.slice(start, start + row_chunk);
    await session.query(
      `insert into lots (lot_id, pool, asset, acquired_at, acquisition_event_id, quantity, remaining_quantity, cost_basis, currency, basis_source, event_time)
       select lot_id, pool, asset, acquired_at, acquisition_event_id, quantity, remaining_quantity, cost_basis, $10, basis_source, event_time
       from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::numeric[], $7::numeric[], $8::numeric[], $9::text[], $11::timestamptz[])
         as row (lot_id, pool, asset, acquired_at, acquisition_event_id, quantity, remaining_quantity, cost_basis, basis_source, event_time)`,
      [
        chunk.map((row) => row[0]),
        chunk.map((row) => row[1]),
        chunk.map((row) => row[2]),
        chunk.map((row) => row[3]),
        chunk.map((row) => row[4]),
        chunk.map((row) => row[5]),
        chunk.map((row) => remaining.get(row[0]) ?? row[5]),
        chunk.map((row) => row[6]),
        chunk.map((row) => row[7]),
        currency,
        chunk.map((row) => row[8]),
      ],
    );
  }
  await updateRemaining(
    session,
    output.remaining.filter((lot) => !inserted.has(lot.lot_id)),
  );
  await insertDisposals(session, disposalRows(output, pool_of, event_times), currency);
  await upsertFillFacts(session, output.fills);
}

type DisposalTableRow = [
  id: string,
  event_id: string,
  lot_id: string | null,
  pool: string,
  asset: string,
  disposed_at: string,
  acquired_at: string | null,
  quantity: string,
  proceeds: string | null,
  cost_basis: string | null,
  gain: string | null,
  term: string | null,
  missing: boolean,
];

/** Disposal rows are named by their event and their place among that event's rows: stable whatever else is folded. */
function disposalRows(
  output: FoldOutput,
  pool_of: (venue: string, account: string) => string,
  event_times: ReadonlyMap<string, string>,
): DisposalTableRow[] {
  const counters = new Map<string, number>();
  const next = (key: string) => {
    const index = counters.get(key) ?? 0;
    counters.set(key, index + 1);
    return index;
  };
  return [
    ...output.disposals.map((row): DisposalTableRow => [
      `${row.event_id}#${next(row.event_id)}`,
      row.event_id,
      row.lot_id,
      pool_of(row.venue, row.account),
      row.asset,
      row.disposed_at,
      row.acquired_at,
      row.quantity,
      row.proceeds,
      row.cost_basis,
      row.gain,
      row.term,
      false,
    ]),
    ...output.missing_basis.map((row): DisposalTableRow => [
      `${row.event_id}#missing-${next(`${row.event_id}#missing`)}`,
      row.event_id,
      null,
      pool_of(row.venue, row.account),
      row.asset,
      event_times.get(row.event_id)!,
      null,
      row.quantity,
      row.proceeds,
      null,
      null,
      null,
      true,
    ]),
  ];
}

async function insertDisposals(session: Session, rows: readonly DisposalTableRow[], currency: string): Promise<void> {
  for (let start = 0; start < rows.length; start += row_chunk) {
    const chunk = rows.slice(start, start + row_chunk);
    const column = (index: number) => chunk.map((row) => row[index]);
    await session.query(
      `insert into disposals (disposal_id, disposal_event_id, lot_id, pool, asset, disposed_at, acquired_at, quantity, proceeds, cost_basis, gain, holding_period, missing_basis, currency)
       select *, $14 from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::numeric[], $9::numeric[], $10::numeric[], $11::numeric[], $12::text[], $13::boolean[])`,
      [...Array.from({ length: 13 }, (_, index) => column(index)), currency],
    );
  }
}

async function updateRemaining(session: Session, lots: readonly { lot_id: string; quantity: string }[]): Promise<void> {
  for (let start = 0; start < lots.length; start += row_chunk) {
    const chunk = lots.slice(start, start + row_chunk);
    await session.query(
      `update lots set remaining_quantity = change.quantity, updated_at = now()
       from unnest($1::text[], $2::numeric[]) as change (lot_id, quantity) where lots.lot_id = change.lot_id`,
      [chunk.map((lot) => lot.lot_id), chunk.map((lot) => lot.quantity)],
    );
  }
}

async function upsertFillFacts(session: Session, fills: readonly FillFacts[]): Promise<void> {
  for (let start = 0; start < fills.length; start += row_chunk) {
    const chunk = fills.slice(start, start + row_chunk);
    await session.query(
      `insert into fill_facts (event_id, trade_id, fill_time, facts)
       select * from unnest($1::text[], $2::text[], $3::timestamptz[], $4::jsonb[])
       on conflict (event_id) do update set trade_id = excluded.trade_id, fill_time = excluded.fill_time, facts = excluded.facts`,
      [
        chunk.map((fill) => fill.event_id),
        chunk.map((fill) => fill.trade_id),
        chunk.map((fill) => fill.time),
        chunk.map((fill) => JSON.stringify(fill)),
      ],
    );
  }
}

/** Marks trades for a new record build. */
export async function markDirty(session: Session, trades: Iterable<DirtyTrade>): Promise<void> {
  const unique = [...new Map([...trades].map((trade) => [trade.trade_id, trade])).values()];
  for (let start = 0; start < unique.length; start += row_chunk) {
    const chunk = unique.slice(start, start + row_chunk);
    await session.query(
      `insert into audit_dirty_trades (trade_id, venue, account, order_id) select * from unnest($1::text[], $2::text[], $3::text[], $4::text[]) on conflict (trade_id) do nothing`,
      [
        chunk.map((trade) => trade.trade_id),
        chunk.map((trade) => trade.venue),
        chunk.map((trade) => trade.account),
        chunk.map((trade) => trade.order_id),
      ],
    );
  }
}

/** Order events, decisions and risk checks stored since the fold last ran: they join trades (an invalid one is quarantined when folded). */
export async function newJoiningEvents(session: Session, folded_store_id: number): Promise<KeelEvent[]> {
  const { rows } = await session.query<{ event: unknown }>(
    `select event from events where store_id > $1 and type in ('order', 'decision', 'risk_check')`,
    [folded_store_id],
  );
  return rows.flatMap((row) => {
    const parsed = parseEvent(row.event);
    return parsed.ok ? [parsed.event] : [];
  });
}

/** The trades an order event or a decision / risk check among new events joins (by order, or by client order id). */
export async function tradesJoinedBy(session: Session, events: readonly KeelEvent[]): Promise<DirtyTrade[]> {
  const trades: DirtyTrade[] = [];
  const client_order_ids = new Set<string>();
  for (const event of events) {
    if (event.type === 'order') trades.push(dirtyTradeOf(event));
    else if (event.type === 'decision' || event.type === 'risk_check') client_order_ids.add(event.client_order_id);
  }
  if (client_order_ids.size === 0) return trades;
  const { rows } = await session.query<{ venue: string; account: string; order_id: string }>(
    `select distinct venue, account, event ->> 'order_id' as order_id from events
     where event ->> 'client_order_id' = any($1) and event ? 'client_order_id' and type in ('trade', 'order')`,
    [[...client_order_ids]],
  );
  for (const row of rows) trades.push({ trade_id: `${row.venue}:${row.account}:order:${row.order_id}`, ...row });
  return trades;
}

export function dirtyTradeOf(event: EventOf<'trade'> | EventOf<'order'>): DirtyTrade {
  return {
    trade_id: `${event.venue}:${event.account}:order:${event.order_id}`,
    venue: event.venue,
    account: event.account,
    order_id: event.order_id,
  };
}

/** A chunk of the trades waiting for their record, in trade id order (byte order: the same on every replay). */
export async function dirtyTrades(session: Session, limit: number): Promise<DirtyTrade[]> {
  const { rows } = await session.query<DirtyTrade>(
    'select trade_id, venue, account, order_id from audit_dirty_trades order by trade_id collate "C" limit $1',
    [limit],
  );
  return rows;
}

export async function clearDirty(session: Session, trade_ids: readonly string[]): Promise<void> {
  await session.query('delete from audit_dirty_trades where trade_id = any($1)', [trade_ids]);
}

/** What the records of some trades are made of: their fills and order events, their fills' facts, and the decisions and risk checks they may join. */
export async function tradeParts(
  session: Session,
  trades: readonly DirtyTrade[],
): Promise<{
  events: KeelEvent[];
  order_times_ms: Map<string, number>;
  facts: Map<string, FillFacts>;
  joined: KeelEvent[];
}> {
  const { rows } = await session.query<{ event: unknown; order_time_ms: string }>(
    `select event, (extract(epoch from coalesce(order_time, event_time)) * 1000)::bigint::text as order_time_ms
     from events e join unnest($1::text[], $2::text[], $3::text[]) as t (venue, account, order_id)
       on e.venue = t.venue and e.account = t.account and e.event ->> 'order_id' = t.order_id
     where e.type in ('trade', 'order')`,
    [trades.map((trade) => trade.venue), trades.map((trade) => trade.account), trades.map((trade) => trade.order_id)],
  );
  const events = rows.map((row) => parseStored(row.event));
  const order_times_ms = new Map(events.map((event, index) => [event.id, Number(rows[index]!.order_time_ms)]));
  const fill_ids = events.filter((event) => event.type === 'trade').map((event) => event.id);
  const facts_rows = await session.query<{ facts: FillFacts }>(
    'select facts from fill_facts where event_id = any($1)',
    [fill_ids],
  );
  const facts = new Map(facts_rows.rows.map((row) => [row.facts.event_id, row.facts]));
  const client_order_ids = [
    ...new Set(
      events.flatMap((event) =>
        'client_order_id' in event && event.client_order_id !== undefined ? [event.client_order_id] : [],
      ),
    ),
  ];
  const joined_rows = await session.query<{ event: unknown }>(
    `select event from events where event ? 'client_order_id' and event ->> 'client_order_id' = any($1) and type in ('decision', 'risk_check')`,
    [client_order_ids],
  );
  return { events, order_times_ms, facts, joined: joined_rows.rows.map((row) => parseStored(row.event)) };
}

function parseStored(value: unknown): KeelEvent {
  const parsed = parseEvent(value);
  assertAudit(parsed.ok, 'a stored event no longer validates');
  return parsed.event;
}
