// The pure core: one ccxt record in, one outcome out. No I/O, no clock, no randomness, so the same
// page always gives the same events with the same ids (re-reading a page is a no-op downstream).
// Every event built here is checked against the canonical schema before it leaves; a record that
// cannot be expressed is dead-lettered with the reason, never dropped and never guessed at.
import { describeIssues, parseEvent, type Instrument, type KeelEvent } from '../engine/event-schema.js';
import { isKeelError } from '../platform/errors.js';
import { connector_error_codes } from './connector-errors.js';
import { addDecimalTexts, exactDecimal, optionalDecimal, signOfDecimal } from './exact-decimal.js';
import { defaultLedgerDisposition, type StreamName, type VenueMapping } from './venue-mapping.js';
import {
  record,
  text,
  type CcxtFee,
  type CcxtFunding,
  type CcxtLedgerEntry,
  type CcxtTrade,
  type CcxtTransaction,
  type CcxtTransfer,
  type MarketInfo,
} from './venue-records.js';

export type VenueAccountRef = { venue: string; account: string };

export type NormaliseContext = {
  venue: string;
  account: string;
  mapping: VenueMapping;
  /** A market by unified symbol or by venue market id; `contract` prefers a derivative where a venue id names a spot market too. */
  market(symbol_or_id: string, prefer?: 'contract' | 'any'): MarketInfo | undefined;
  /** The venue wallet this Keel account reads (bybit `unified`, binance `spot`): transfers from it are ours to publish. */
  wallet: string;
  /** Where the venue's other wallets live in Keel; unlisted wallets become `<account>.<wallet>` on the same venue. */
  wallet_accounts: Readonly<Record<string, VenueAccountRef>>;
};

export type RecordOutcome =
  | { kind: 'event'; key: string; time_ms: number; event: KeelEvent }
  | { kind: 'skipped'; key: string; time_ms: number; reason: string }
  | { kind: 'pending'; key: string; time_ms: number; reason: string }
  | {
      kind: 'dead_letter';
      key: string;
      time_ms: number | null;
      code: string;
      reason: string;
      event_id: string | null;
      payload: unknown;
    };

type Draft = Record<string, unknown> & { id: string; type: KeelEvent['type'] };

class RecordProblem extends Error {}

function problem(message: string): never {
  throw new RecordProblem(message);
}

// ---- fills ------------------------------------------------------------------------------------

export function normaliseTrade(trade: CcxtTrade, context: NormaliseContext): RecordOutcome {
  return guarded(trade, context, 'trade', () => {
    const market = marketOf(trade.symbol, context);
    const time_ms = timeOf(trade.timestamp);
    const fill_class = context.mapping.classifyFill?.(trade, market) ?? { kind: 'trade' };
    if (fill_class.kind === 'funding') {
      const funding_id = required(trade.id, 'id');
      // Funding exists on contracts only; where a venue id also names a spot market, ccxt may have picked the spot one.
      const contract = context.market(market.id, 'contract') ?? market;
      return finish(context, time_ms, trade.info, {
        id: fundingEventId(context, contract, funding_id),
        type: 'funding',
        instrument: instrumentOf(contract),
        asset: fill_class.asset,
        amount: fill_class.amount,
      });
    }
    const trade_id = required(trade.id, 'id');
    const draft: Draft = {
      id: `${context.venue}:${context.account}:trade:${market.id}:${trade_id}`,
      type: 'trade',
      instrument: instrumentOf(market),
      side: sideOf(trade.side),
      quantity: context.mapping.quantity?.(trade, market) ?? exactDecimal(trade.amount, 'amount'),
      price: exactDecimal(trade.price, 'price'),
      fees: feesOf(trade),
      order_id: required(trade.order, 'order'),
      trade_id,
    };
    // `cost` is the quote amount exchanged; a derivative fill exchanges none (its notional is not cash).
    const cost = market.type === 'spot' ? optionalDecimal(trade.cost, 'cost') : undefined;
    if (cost !== undefined) draft.cost = cost;
    const client_order_id = context.mapping.clientOrderId?.(trade.info);
    if (client_order_id !== undefined) draft.client_order_id = client_order_id;
    if (trade.takerOrMaker === 'maker' || trade.takerOrMaker === 'taker') draft.liquidity = trade.takerOrMaker;
    if (context.mapping.liquidation?.(trade.info) === true) draft.liquidation = true;
    return finish(context, time_ms, trade.info, draft);
  });
}

/** Fees by asset, in order of first appearance; several rows in one asset are added; zero fees are left out. */
function feesOf(trade: CcxtTrade): { asset: string; amount: string }[] {
  const listed: CcxtFee[] =
    Array.isArray(trade.fees) && trade.fees.length > 0 ? trade.fees : trade.fee === undefined ? [] : [trade.fee];
  const by_asset = new Map<string, string>();
  listed.forEach((fee, index) => {
    const amount = optionalDecimal(fee?.cost, `fees.${index}.cost`);
    if (amount === undefined || signOfDecimal(amount) === 0) return;
    const asset = text(fee.currency) ?? problem(`fees.${index}: a fee of ${amount} without a currency`);
    by_asset.set(asset, by_asset.has(asset) ? addDecimalTexts(by_asset.get(asset)!, amount) : amount);
  });
  return [...by_asset]
    .filter(([, amount]) => signOfDecimal(amount) !== 0)
    .map(([asset, amount]) => ({ asset, amount }));
}

// ---- funding ----------------------------------------------------------------------------------

export function normaliseFunding(funding: CcxtFunding, context: NormaliseContext): RecordOutcome {
  return guarded(funding, context, 'funding', () => {
    const market = marketOf(funding.symbol, context);
    const time_ms = timeOf(funding.timestamp);
    const funding_id = context.mapping.fundingId?.(funding) ?? text(funding.id) ?? String(time_ms);
    return finish(context, time_ms, funding.info, {
      id: fundingEventId(context, market, funding_id),
      type: 'funding',
      instrument: instrumentOf(market),
      asset: required(funding.code, 'code'),
      amount: context.mapping.fundingAmount?.(funding) ?? exactDecimal(funding.amount, 'amount'),
    });
  });
}

function fundingEventId(context: NormaliseContext, market: MarketInfo, funding_id: string): string {
  return `${context.venue}:${context.account}:funding:${market.id}:${funding_id}`;
}

// ---- ledger -----------------------------------------------------------------------------------

export function normaliseLedgerEntry(entry: CcxtLedgerEntry, context: NormaliseContext): RecordOutcome {
  return guarded(entry, context, 'ledger', () => {
    const time_ms = timeOf(entry.timestamp);
    const entry_id = context.mapping.ledgerEntryId?.(entry) ?? required(entry.id, 'id');
    const disposition = context.mapping.ledger?.(entry) ?? defaultLedgerDisposition(entry);
    const key = `ledger:${entry_id}`;
    const asset = () => required(entry.currency, 'currency');
    switch (disposition.kind) {
      case 'covered':
        return { kind: 'skipped', key, time_ms, reason: `covered by the ${disposition.by} stream: ${disposition.why}` };
      case 'unmapped':
        return deadLetter(key, time_ms, connector_error_codes.record_malformed, disposition.why, null, entry.info);
      case 'settlement':
        return finish(
          context,
          time_ms,
          entry.info,
          {
            id: `${context.venue}:${context.account}:settlement:ledger:${entry_id}`,
            type: 'settlement',
            instrument: instrumentOf(marketOf(disposition.market_id, context, disposition.market_type)),
            asset: asset(),
            amount: disposition.amount,
          },
          key,
        );
      case 'income':
        return finish(
          context,
          time_ms,
          entry.info,
          {
            id: `${context.venue}:${context.account}:income:ledger:${entry_id}`,
            type: 'income',
            asset: asset(),
            amount: disposition.amount,
            kind: disposition.income_kind,
          },
          key,
        );
      case 'transfer':
        return transferOutcome(
          context,
          key,
          time_ms,
          entry.info,
          `ledger:${entry_id}`,
          asset(),
          disposition.amount,
          disposition.other_wallet,
        );
    }
  });
}

// ---- transfers: deposits, withdrawals, internal transfers -------------------------------------

export function normaliseTransaction(transaction: CcxtTransaction, context: NormaliseContext): RecordOutcome {
  return guarded(transaction, context, 'transaction', () => {
    const time_ms = timeOf(transaction.timestamp);
    const type =
      transaction.type === 'deposit' || transaction.type === 'withdrawal'
        ? transaction.type
        : problem(`type '${String(transaction.type)}' is neither deposit nor withdrawal`);
    const transaction_id = required(transaction.id ?? transaction.txid, 'id');
    const key = `${type}:${transaction_id}`;
    const status = text(transaction.status);
    if (status === 'pending')
      return { kind: 'pending', key, time_ms, reason: `${type} ${transaction_id} is still pending` };
    if (status !== 'ok')
      return {
        kind: 'skipped',
        key,
        time_ms,
        reason: `${type} ${transaction_id} ended '${status ?? 'without a status'}': nothing moved`,
      };
    const asset = required(transaction.currency, 'currency');
    const draft: Draft = {
      id: `${context.venue}:${context.account}:${type}:${transaction_id}`,
      type,
      asset,
      amount: exactDecimal(transaction.amount, 'amount'),
    };
    const fee = optionalDecimal(transaction.fee?.cost, 'fee.cost');
    if (fee !== undefined && signOfDecimal(fee) !== 0) {
      const fee_asset = text(transaction.fee?.currency) ?? asset;
      if (fee_asset !== asset)
        problem(
          `a ${type} fee in ${fee_asset} for a ${type} of ${asset}: the event carries fees in the same asset only`,
        );
      draft.fee = fee;
    }
    const txid = text(transaction.txid);
    if (txid !== undefined) draft.txid = txid;
    return finish(context, time_ms, transaction.info, draft, key);
  });
}

export function normaliseTransfer(transfer: CcxtTransfer, context: NormaliseContext): RecordOutcome {
  return guarded(transfer, context, 'transfer', () => {
    const time_ms = timeOf(transfer.timestamp);
    const transfer_id = required(transfer.id, 'id');
    const key = `transfer:${transfer_id}`;
    const status = text(transfer.status);
    if (status === 'pending')
      return { kind: 'pending', key, time_ms, reason: `transfer ${transfer_id} is still pending` };
    if (status !== 'ok')
      return {
        kind: 'skipped',
        key,
        time_ms,
        reason: `transfer ${transfer_id} ended '${status ?? 'without a status'}': nothing moved`,
      };
    const wallets = context.mapping.transferWallets?.(transfer, context.wallet);
    const from = wallets?.from ?? walletName(transfer.fromAccount);
    const to = wallets?.to ?? walletName(transfer.toAccount);
    const amount = exactDecimal(transfer.amount, 'amount');
    if (from === context.wallet)
      return transferOutcome(
        context,
        key,
        time_ms,
        transfer.info,
        transfer_id,
        required(transfer.currency, 'currency'),
        `-${amount}`,
        to ?? problem('toAccount is missing'),
      );
    if (to === context.wallet)
      return transferOutcome(
        context,
        key,
        time_ms,
        transfer.info,
        transfer_id,
        required(transfer.currency, 'currency'),
        amount,
        from ?? problem('fromAccount is missing'),
      );
    return {
      kind: 'skipped',
      key,
      time_ms,
      reason: `transfer ${transfer_id} between ${from ?? '?'} and ${to ?? '?'} does not touch the ${context.wallet} wallet`,
    };
  });
}

/**
 * A move between two of the venue's wallets (signed from this account's side). Only the sending
 * side publishes it, so that the two connectors reading the two wallets never count it twice.
 */
function transferOutcome(
  context: NormaliseContext,
  key: string,
  time_ms: number,
  raw: unknown,
  source_id: string,
  asset: string,
  signed_amount: string,
  other_wallet: string,
): RecordOutcome {
  const other = context.wallet_accounts[other_wallet] ?? {
    venue: context.venue,
    account: `${context.account}.${other_wallet}`,
  };
  if (signOfDecimal(signed_amount) >= 0) {
    return {
      kind: 'skipped',
      key,
      time_ms,
      reason: `incoming transfer from the ${other_wallet} wallet: published by the sending side (${other.venue}/${other.account})`,
    };
  }
  return finish(
    context,
    time_ms,
    raw,
    {
      id: `${context.venue}:${context.account}:transfer:${source_id}`,
      type: 'transfer',
      asset,
      amount: signed_amount.slice(1),
      to_venue: other.venue,
      to_account: other.account,
    },
    key,
  );
}

function walletName(value: unknown): string | undefined {
  return text(value)?.toLowerCase();
}

// ---- shared -----------------------------------------------------------------------------------

export function instrumentOf(market: MarketInfo): Instrument {
  if (market.type === 'spot') return { symbol: market.symbol, kind: 'spot', base: market.base, quote: market.quote };
  if (market.type !== 'swap' && market.type !== 'future')
    problem(
      `market ${market.symbol} is of type ${market.type}: Keel's events carry spot, perpetual and future instruments only`,
    );
  const instrument: Instrument = {
    symbol: market.symbol,
    kind: market.type === 'swap' ? 'perpetual' : 'future',
    base: market.base,
    quote: market.quote,
  };
  if (market.settle !== undefined) instrument.settle = market.settle;
  if (market.contract_size !== undefined) instrument.contract_size = market.contract_size;
  instrument.inverse = market.inverse;
  return instrument;
}

function marketOf(symbol: unknown, context: NormaliseContext, prefer: 'contract' | 'any' = 'any'): MarketInfo {
  const name = text(symbol) ?? problem('the record names no market (symbol)');
  return context.market(name, prefer) ?? problem(`unknown market '${name}': not in the venue's market list`);
}

function timeOf(timestamp: unknown): number {
  const time_ms =
    typeof timestamp === 'number'
      ? timestamp
      : typeof timestamp === 'string' && /^\d+$/.test(timestamp)
        ? Number(timestamp)
        : NaN;
  if (!Number.isSafeInteger(time_ms) || time_ms <= 0) problem(`timestamp '${String(timestamp)}' is not a time in ms`);
  return time_ms;
}

function sideOf(side: unknown): 'buy' | 'sell' {
  return side === 'buy' || side === 'sell' ? side : problem(`side '${String(side)}' is neither buy nor sell`);
}

function required(value: unknown, field: string): string {
  return text(value) ?? problem(`${field} is missing`);
}

function finish(
  context: NormaliseContext,
  time_ms: number,
  raw: unknown,
  draft: Draft,
  key: string = draft.id,
): RecordOutcome {
  const candidate = {
    ...draft,
    time: new Date(time_ms).toISOString(),
    venue: context.venue,
    account: context.account,
    raw,
  };
  const parsed = parseEvent(candidate);
  if (!parsed.ok)
    return deadLetter(
      key,
      time_ms,
      connector_error_codes.record_malformed,
      describeIssues(parsed.issues),
      draft.id,
      raw,
    );
  return { kind: 'event', key, time_ms, event: parsed.event };
}

function deadLetter(
  key: string,
  time_ms: number | null,
  code: string,
  reason: string,
  event_id: string | null,
  payload: unknown,
): RecordOutcome {
  return { kind: 'dead_letter', key, time_ms, code, reason, event_id, payload };
}

/** Turns any problem with one record into its dead letter, so the rest of the page goes on. */
function guarded(
  source: { info?: unknown; id?: unknown; timestamp?: unknown },
  context: NormaliseContext,
  what: string,
  build: () => RecordOutcome,
): RecordOutcome {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof RecordProblem) && !isKeelError(error)) throw error;
    const record_id = text(source.id);
    const time_ms =
      typeof source.timestamp === 'number' && Number.isSafeInteger(source.timestamp) ? source.timestamp : null;
    const key = `${what}:${record_id ?? `malformed@${time_ms ?? 'unknown'}`}`;
    return deadLetter(
      key,
      time_ms,
      connector_error_codes.record_malformed,
      `${context.venue}/${context.account} ${what}: ${error.message}`,
      null,
      record(source).info ?? source,
    );
  }
}

export type { StreamName };
