// Trade records (pure): one record per trade, i.e. one order's fills at one venue account, joining
// why the strategy traded (decision), what the risk engine said (risk check), the order's
// lifecycle, every fill with its fees, the ledger transfers the fills produced, the lots they
// opened or closed, and the position and cash before and after. Parts that are missing are
// stated as missing, never guessed. The same events give the same records, byte for byte in
// canonical JSON, whatever order they arrive in: they are folded in canonical order (time, then
// id). An id given twice keeps its first copy, so callers pass one copy per id, as stored.
//
// Why the balances before and after are recomputed from the posting rules rather than read from
// TigerBeetle: a record must be a function of the event log alone (DESIGN.md §1). Replayed from
// offset 0 into empty stores, with either ledger (TigerBeetle or the embedded one), whatever order
// the ledger received transfers in and whatever it held at sealing time, the same events must give
// the same record and the same hash in the audit chain. The ledger's own balances depend on what
// it had been sent when the seal ran, and its history is by insertion time, not event time. The
// folding here uses the very posting rules that feed the ledger, so both agree whenever the ledger
// holds the whole log (invariant I3 checks the ledger against such a fold).
import type { EventOf, KeelEvent } from '../engine/event-schema.js';
import { chainTransfers, postingChain, postingLegs, type PostingChain } from '../engine/posting-rules.js';
import type { AssetRegistry } from '../ledger/asset-registry.js';
import type { AccountType } from '../ledger/chart-of-accounts.js';
import { addDecimals, formatDecimal, formatUnits, parseDecimal, zero_decimal } from '../ledger/money.js';
import { assertAudit } from './audit-errors.js';
import type { AcquisitionRow, DisposalRow, MissingBasisRow } from './lots/lot-report.js';

export const trade_record_version = 1;

export type LotOpened = {
  lot_id: string;
  asset: string;
  quantity: string;
  cost_basis: string | null;
  acquired_at: string;
};
export type LotClosed = {
  lot_id: string;
  asset: string;
  quantity: string;
  acquired_at: string;
  cost_basis: string | null;
  proceeds: string | null;
  gain: string | null;
  term: 'short' | 'long';
};
export type MissingBasis = { asset: string; quantity: string };

/** A lot opened, closed or left without basis, as a trade record shows it (from the lot engine's rows). */
export function lotOpenedOf(row: AcquisitionRow): LotOpened {
  return {
    lot_id: row.lot_id,
    asset: row.asset,
    quantity: row.quantity,
    cost_basis: row.cost_basis,
    acquired_at: row.acquired_at,
  };
}

export function lotClosedOf(row: DisposalRow): LotClosed {
  const { lot_id, asset, quantity, acquired_at, cost_basis, proceeds, gain, term } = row;
  return { lot_id, asset, quantity, acquired_at, cost_basis, proceeds, gain, term };
}

export function missingBasisOf(row: MissingBasisRow): MissingBasis {
  return { asset: row.asset, quantity: row.quantity };
}

/** What the lot engine says about each event, keyed by event id. */
export type LotFacts = {
  opened: ReadonlyMap<string, readonly LotOpened[]>;
  closed: ReadonlyMap<string, readonly LotClosed[]>;
  missing_basis: ReadonlyMap<string, readonly MissingBasis[]>;
  reporting_currency: string;
};

export type BalanceLine = { type: AccountType; asset: string; before: string; after: string };

export type TradeRecord = {
  record_version: number;
  trade_id: string;
  venue: string;
  account: string;
  instrument: EventOf<'trade'>['instrument'];
  side: 'buy' | 'sell';
  order_id: string;
  client_order_id: string | null;
  opened_at: string;
  closed_at: string;
  decision: {
    event_id: string;
    time: string;
    strategy: string;
    strategy_version: string;
    signals: Record<string, number>;
    rationale: string;
    side: string;
    quantity: string;
  } | null;
  risk_check: {
    event_id: string;
    time: string;
    approved: boolean;
    checks: { name: string; value: number; limit: number; passed: boolean }[];
  } | null;
  order_lifecycle: {
    event_id: string;
    time: string;
    status: string;
    quantity: string;
    price: string | null;
    order_type: string;
  }[];
  fills: {
    event_id: string;
    trade_id: string;
    time: string;
    quantity: string;
    price: string;
    cost: string | null;
    liquidity: 'maker' | 'taker' | null;
    liquidation: boolean;
    fees: { asset: string; amount: string }[];
  }[];
  ledger_transfers: {
    event_id: string;
    transfer_id: string;
    leg: string;
    debit: string;
    credit: string;
    asset: string;
    amount: string;
  }[];
  lots: {
    reporting_currency: string;
    opened: LotOpened[];
    closed: LotClosed[];
    missing_basis: MissingBasis[];
    realised_gain: string | null;
  };
  balances: BalanceLine[];
  missing: string[];
};

/** Trade id of a fill: the order it belongs to at its venue account. */
export function tradeIdOf(fill: EventOf<'trade'>): string {
  return `${fill.venue}:${fill.account}:order:${fill.order_id}`;
}

/** Canonical processing order (DESIGN.md §7): event time, then event id. */
export function compareEvents(left: KeelEvent, right: KeelEvent): number {
  if (left.time !== right.time) return left.time < right.time ? -1 : 1;
  return left.id < right.id ? -1 : left.id > right.id ? 1 : 0;
}

/** `order_time_ms`: each event's ordering time (`period-close.ts`), in which balances are folded; by default its own time. */
export function buildTradeRecords(
  events: readonly KeelEvent[],
  lots: LotFacts,
  registry: AssetRegistry,
  order_time_ms?: (event: KeelEvent) => number,
): TradeRecord[] {
  return [...tradeRecords(events, lots, registry, order_time_ms)];
}

/**
 * The trade records one at a time, in (opened_at, trade_id) order: a seal hashes each and keeps
 * only those that changed, so a large store never holds every record in memory at once.
 */
export function* tradeRecords(
  events: readonly KeelEvent[],
  lots: LotFacts,
  registry: AssetRegistry,
  order_time_ms?: (event: KeelEvent) => number,
): Generator<TradeRecord> {
  const sorted = uniqueById(events).sort(compareEvents);
  const fills_by_trade = new Map<string, EventOf<'trade'>[]>();
  const decisions = new Map<string, EventOf<'decision'>>();
  const risk_checks = new Map<string, EventOf<'risk_check'>>();
  const orders = new Map<string, EventOf<'order'>[]>();
  for (const event of sorted) {
    if (event.type === 'trade') push(fills_by_trade, tradeIdOf(event), event);
    else if (event.type === 'decision')
      decisions.set(event.client_order_id, decisions.get(event.client_order_id) ?? event);
    else if (event.type === 'risk_check') risk_checks.set(event.client_order_id, event);
    else if (event.type === 'order') push(orders, `${event.venue}:${event.account}:order:${event.order_id}`, event);
  }
  const balances = balanceSnapshots(
    order_time_ms === undefined ? sorted : inOrderTime(sorted, order_time_ms),
    fills_by_trade,
    registry,
  );
  // A record opens at its first fill's time; ties go to the trade id.
  const trade_ids = [...fills_by_trade.keys()].sort((left, right) => {
    const left_opened = fills_by_trade.get(left)![0]!.time;
    const right_opened = fills_by_trade.get(right)![0]!.time;
    return left_opened !== right_opened ? (left_opened < right_opened ? -1 : 1) : left < right ? -1 : 1;
  });
  for (const trade_id of trade_ids) {
    const fills = fills_by_trade.get(trade_id)!;
    const lifecycle = orders.get(trade_id) ?? [];
    const client_order_id =
      fills.find((fill) => fill.client_order_id)?.client_order_id ?? lifecycle[0]?.client_order_id ?? null;
    yield buildRecord(
      trade_id,
      fills,
      lifecycle,
      client_order_id,
      decisions,
      risk_checks,
      lots,
      balances.get(trade_id) ?? [],
      registry,
    );
  }
}

/** Everything one trade record is made of, as the streaming audit reads it back from the store. */
export type TradeParts = {
  trade_id: string;
  /**
   * The trade's fills, with what each saw of its account (null: the ledger could not post it) and
   * its ordering time (`period-close.ts`), in which the first and last fill seen are taken.
   */
  fills: readonly { event: EventOf<'trade'>; balances: FillBalances | null; order_time_ms: number }[];
  orders: readonly EventOf<'order'>[];
  /** Decisions and risk checks of the client order ids involved (any order: the rules below pick). */
  decisions: readonly EventOf<'decision'>[];
  risk_checks: readonly EventOf<'risk_check'>[];
  lots: LotFacts;
};

/**
 * One record from its parts, by the same rules as `tradeRecords` over every event: fills and
 * orders in canonical order, the first decision and the last risk check of the client order id.
 */
export function tradeRecordOf(parts: TradeParts, registry: AssetRegistry): TradeRecord {
  const fills = [...parts.fills].sort((left, right) => compareEvents(left.event, right.event));
  assertAudit(fills.length > 0, `trade ${parts.trade_id} has no fills`);
  const lifecycle = [...parts.orders].sort(compareEvents);
  const decisions = new Map<string, EventOf<'decision'>>();
  for (const decision of [...parts.decisions].sort(compareEvents))
    if (!decisions.has(decision.client_order_id)) decisions.set(decision.client_order_id, decision);
  const risk_checks = new Map<string, EventOf<'risk_check'>>();
  for (const risk of [...parts.risk_checks].sort(compareEvents)) risk_checks.set(risk.client_order_id, risk);
  const fill_events = fills.map((fill) => fill.event);
  const client_order_id =
    fill_events.find((fill) => fill.client_order_id)?.client_order_id ?? lifecycle[0]?.client_order_id ?? null;
  const applied = [...fills].sort(
    (left, right) => left.order_time_ms - right.order_time_ms || compareEvents(left.event, right.event),
  );
  const last = applied[applied.length - 1]!.balances;
  const balances = last === null ? [] : balanceLines(applied[0]!.balances ?? no_balances, last);
  return buildRecord(
    parts.trade_id,
    fill_events,
    lifecycle,
    client_order_id,
    decisions,
    risk_checks,
    parts.lots,
    balances,
    registry,
  );
}

function buildRecord(
  trade_id: string,
  fills: EventOf<'trade'>[],
  lifecycle: EventOf<'order'>[],
  client_order_id: string | null,
  decisions: ReadonlyMap<string, EventOf<'decision'>>,
  risk_checks: ReadonlyMap<string, EventOf<'risk_check'>>,
  lots: LotFacts,
  balances: BalanceLine[],
  registry: AssetRegistry,
): TradeRecord {
  const first = fills[0]!;
  const decision = client_order_id === null ? undefined : decisions.get(client_order_id);
  const risk = client_order_id === null ? undefined : risk_checks.get(client_order_id);
  const opened = fills.flatMap((fill) => lots.opened.get(fill.id) ?? []);
  const closed = fills.flatMap((fill) => lots.closed.get(fill.id) ?? []);
  const missing_basis = fills.flatMap((fill) => lots.missing_basis.get(fill.id) ?? []);
  const missing: string[] = [];
  if (client_order_id === null)
    missing.push('client order id: the fills carry none, so no decision or risk check can be joined');
  else {
    if (decision === undefined)
      missing.push(`decision: no strategy decision was recorded for client order ${client_order_id}`);
    if (risk === undefined) missing.push(`risk check: no risk check was recorded for client order ${client_order_id}`);
  }
  if (lifecycle.length === 0)
    missing.push(`order lifecycle: the venue reported no order events for order ${first.order_id}`);
  if (missing_basis.length > 0)
    missing.push('cost basis: part of what was sold had no recorded acquisition (see lots.missing_basis)');
  if (closed.some((lot) => lot.gain === null))
    missing.push('price: some values could not be priced in the reporting currency (unpriced rows)');
  return {
    record_version: trade_record_version,
    trade_id,
    venue: first.venue,
    account: first.account,
    instrument: first.instrument,
    side: first.side,
    order_id: first.order_id,
    client_order_id,
    opened_at: first.time,
    closed_at: fills[fills.length - 1]!.time,
    decision:
      decision === undefined
        ? null
        : {
            event_id: decision.id,
            time: decision.time,
            strategy: decision.strategy,
            strategy_version: decision.strategy_version,
            signals: decision.signals,
            rationale: decision.rationale,
            side: decision.side,
            quantity: decision.quantity,
          },
    risk_check:
      risk === undefined ? null : { event_id: risk.id, time: risk.time, approved: risk.approved, checks: risk.checks },
    order_lifecycle: lifecycle.map((order) => ({
      event_id: order.id,
      time: order.time,
      status: order.status,
      quantity: order.quantity,
      price: order.price ?? null,
      order_type: order.order_type,
    })),
    fills: fills.map((fill) => ({
      event_id: fill.id,
      trade_id: fill.trade_id,
      time: fill.time,
      quantity: fill.quantity,
      price: fill.price,
      cost: fill.cost ?? null,
      liquidity: fill.liquidity ?? null,
      liquidation: fill.liquidation ?? false,
      fees: fill.fees,
    })),
    ledger_transfers: fills.flatMap((fill) => ledgerTransfers(postingChain(fill, registry))),
    lots: {
      reporting_currency: lots.reporting_currency,
      opened,
      closed,
      missing_basis,
      realised_gain: sumGains(closed),
    },
    balances,
    missing,
  };
}

function ledgerTransfers(chain: PostingChain): TradeRecord['ledger_transfers'] {
  const transfers = chainTransfers(chain);
  return chain.legs.map((leg, index) => ({
    event_id: chain.event_id,
    transfer_id: transfers[index]!.id.toString(),
    leg: leg.kind,
    debit: leg.debit.type,
    credit: leg.credit.type,
    asset: leg.debit.asset,
    amount: formatUnits(leg.amount, leg.debit.scale),
  }));
}

/**
 * Balance of each account a trade touches, just before its first fill and just after its last,
 * from the same posting rules that feed the ledger, folded in canonical order (`ordered`: by
 * ordering time, so a prior-period adjustment's fill counts where it is applied).
 */
function balanceSnapshots(
  ordered: readonly KeelEvent[],
  fills_by_trade: ReadonlyMap<string, EventOf<'trade'>[]>,
  registry: AssetRegistry,
): Map<string, BalanceLine[]> {
  const trade_of_fill = new Map<string, string>();
  for (const [trade_id, fills] of fills_by_trade) for (const fill of fills) trade_of_fill.set(fill.id, trade_id);
  const book = new BalanceBook();
  // What the first fill applied saw (none when the ledger could not post it), and the last.
  const opening = new Map<string, FillBalances>();
  const closing = new Map<string, FillBalances | undefined>();
  for (const event of ordered) {
    const fill = book.apply(event, registry);
    const trade_id = trade_of_fill.get(event.id);
    if (trade_id === undefined) continue;
    if (!closing.has(trade_id)) opening.set(trade_id, fill ?? no_balances);
    closing.set(trade_id, fill);
  }
  const result = new Map<string, BalanceLine[]>();
  for (const [trade_id, last] of closing)
    if (last !== undefined) result.set(trade_id, balanceLines(opening.get(trade_id)!, last));
  return result;
}

/** What a first fill the ledger could not post saw: nothing (its trade's lines start from 0). */
export const no_balances: FillBalances = { before: [], after: [] };

/**
 * Balances as (key, units) pairs: the key is `type ␟ asset ␟ scale` (U+001F between: below every
 * character of a type, asset or scale, so keys sort by type, then asset, then scale; and storable in
 * jsonb, which refuses U+0000), within the fill's venue account.
 */
export type BalanceEntries = [key: string, units: string][];

/** What a fill saw of its account: the cash and position accounts it moves just before it, and every one of them just after. */
export type FillBalances = { before: BalanceEntries; after: BalanceEntries };

/**
 * The before/after lines of a trade: the accounts its first or its last fill moves, before the
 * first (0 when the account was not there yet) and after the last.
 */
export function balanceLines(first: FillBalances, last: FillBalances): BalanceLine[] {
  const before = new Map(first.before);
  const after = new Map(last.after);
  const keys = [...new Set([...before.keys(), ...last.before.map(([key]) => key)])].sort();
  return keys.map((key) => {
    const [type, asset, scale] = key.split('\u001f');
    return {
      type: type as AccountType,
      asset: asset!,
      before: formatUnits(BigInt(before.get(key) ?? '0'), Number(scale)),
      after: formatUnits(BigInt(after.get(key) ?? '0'), Number(scale)),
    };
  });
}

/**
 * Running balances of every account per the posting rules, folded in canonical order (a fold's
 * state: `exportState` / the constructor carry it across a checkpoint). Keys name each account's
 * own venue account, so a transfer moves cash from one to the other.
 */
export class BalanceBook {
  private readonly balances: Map<string, bigint>;
  /** The cash and position keys of each venue account: what a fill's `after` lists. */
  private readonly trade_keys = new Map<string, Set<string>>();

  constructor(state: BalanceEntries = []) {
    this.balances = new Map(state.map(([key, units]) => [key, BigInt(units)]));
    for (const key of this.balances.keys()) this.noteTradeKey(key);
  }

  exportState(): BalanceEntries {
    return [...this.balances.entries()].map(([key, units]) => [key, units.toString()]);
  }

  /** Applies one event; for a fill, returns the balances it saw. */
  apply(event: KeelEvent, registry: AssetRegistry): FillBalances | undefined {
    let legs: PostingChain['legs'];
    try {
      legs = postingLegs(event, registry);
    } catch {
      return undefined; // An event the ledger cannot post moves no balance there either.
    }
    const touched = event.type === 'trade' ? tradeAccounts(legs) : undefined;
    const before: BalanceEntries | undefined =
      touched && [...touched].map((key) => [accountPart(key), (this.balances.get(key) ?? 0n).toString()]);
    // Each side under its own account: a transfer leaves one venue account and reaches another.
    for (const leg of legs) {
      this.add(balanceKey(leg.debit.type, leg.debit.asset, leg.debit.scale, leg.debit), leg.amount);
      this.add(balanceKey(leg.credit.type, leg.credit.asset, leg.credit.scale, leg.credit), -leg.amount);
    }
    if (before === undefined) return undefined;
    const keys = this.trade_keys.get(ownerKey(event)) ?? new Set<string>();
    const after: BalanceEntries = [...keys].map((key) => [accountPart(key), (this.balances.get(key) ?? 0n).toString()]);
    return { before, after };
  }

  private add(key: string, units: bigint): void {
    if (!this.balances.has(key)) this.noteTradeKey(key);
    this.balances.set(key, (this.balances.get(key) ?? 0n) + units);
  }

  private noteTradeKey(key: string): void {
    const [type, , , venue, account] = key.split('\u0000');
    if (type !== 'cash' && type !== 'position') return;
    const owner = `${venue}\u0000${account}`;
    let keys = this.trade_keys.get(owner);
    if (keys === undefined) this.trade_keys.set(owner, (keys = new Set()));
    keys.add(key);
  }
}

/** The cash and position accounts a chain moves (fees and the venue's side are in the transfers). */
function tradeAccounts(legs: PostingChain['legs']): Set<string> {
  const keys = new Set<string>();
  for (const leg of legs) {
    for (const spec of [leg.debit, leg.credit]) {
      if (spec.type === 'cash' || spec.type === 'position')
        keys.add(balanceKey(spec.type, spec.asset, spec.scale, spec));
    }
  }
  return keys;
}

function balanceKey(
  type: AccountType,
  asset: string,
  scale: number,
  owner: { venue: string; account: string },
): string {
  // The fold runs over every venue account, and a transfer moves cash from one to another: the key
  // carries the account's own venue and account (not the event's), so two accounts never mix.
  return [type, asset, scale, owner.venue, owner.account].join('\u0000');
}

function ownerKey(owner: { venue: string; account: string }): string {
  return `${owner.venue}\u0000${owner.account}`;
}

/** `type ␟ asset ␟ scale` of a full balance key. */
function accountPart(key: string): string {
  return key.split('\u0000', 3).join('\u001f');
}

function sumGains(closed: readonly LotClosed[]): string | null {
  if (closed.some((lot) => lot.gain === null)) return null;
  return formatDecimal(closed.reduce((sum, lot) => addDecimals(sum, parseDecimal(lot.gain!, 'gain')), zero_decimal));
}

/** Events (sorted by own time) in ordering-time order: prior-period adjustments move to their close boundary. */
function inOrderTime(sorted: readonly KeelEvent[], order_time_ms: (event: KeelEvent) => number): KeelEvent[] {
  const keyed = sorted.map((event) => ({ event, order_ms: order_time_ms(event) }));
  keyed.sort(
    (left, right) =>
      left.order_ms - right.order_ms || (left.event.id < right.event.id ? -1 : left.event.id > right.event.id ? 1 : 0),
  );
  return keyed.map((entry) => entry.event);
}

function uniqueById(events: readonly KeelEvent[]): KeelEvent[] {
  const seen = new Map<string, KeelEvent>();
  for (const event of events) if (!seen.has(event.id)) seen.set(event.id, event);
  return [...seen.values()];
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
