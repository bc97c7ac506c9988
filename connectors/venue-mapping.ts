// What differs between venues once ccxt has parsed a response: the few places where ccxt's unified
// structure does not say what Keel needs (a sign convention, a funding row among fills, a ledger
// type, an inverse contract counted in USD). Each venue's file in venues/ fills in only what differs;
// everything else uses the defaults here, so a new ccxt venue needs configuration and, at most, one
// small mapping file.
import type { CcxtFunding, CcxtLedgerEntry, CcxtTrade, CcxtTransfer, MarketInfo, RawRecord } from './venue-records.js';
import { text } from './venue-records.js';
import { exactDecimal } from './exact-decimal.js';

export type StreamName = 'fills' | 'funding' | 'ledger' | 'transfers';
export const stream_names: readonly StreamName[] = ['fills', 'funding', 'ledger', 'transfers'];

export type IncomeKind = 'rebate' | 'referral' | 'interest' | 'airdrop' | 'other';

/** What one ledger row means for Keel. Rows already carried by another stream are `covered`, so nothing is counted twice. */
export type LedgerDisposition =
  | { kind: 'covered'; by: StreamName; why: string }
  /** Realised PnL booked in cash; the market is named by the venue's id (contract markets preferred where ids are shared with spot). */
  | { kind: 'settlement'; amount: string; market_id: string; market_type: 'contract' | 'any' }
  | { kind: 'income'; amount: string; income_kind: IncomeKind }
  | { kind: 'transfer'; amount: string; other_wallet: string }
  | { kind: 'unmapped'; why: string };

export type FillClass = { kind: 'trade' } | { kind: 'funding'; amount: string; asset: string };

export type VenueMapping = {
  /** Some venues return funding (and other non-trade) rows among fills; they must never become trades. */
  classifyFill?(trade: CcxtTrade, market: MarketInfo): FillClass;
  /** Contracts (derivatives) or base quantity (spot); default: ccxt's `amount`. */
  quantity?(trade: CcxtTrade, market: MarketInfo): string;
  liquidation?(info: RawRecord): boolean;
  clientOrderId?(info: RawRecord): string | undefined;
  /** The funding amount, signed: positive received, negative paid. Default: ccxt's `amount` (a balance change). */
  fundingAmount?(funding: CcxtFunding): string;
  /** The id that makes a funding payment unique on the venue; the fills path must give the same one. */
  fundingId?(funding: CcxtFunding): string | undefined;
  ledger?(entry: CcxtLedgerEntry): LedgerDisposition;
  /** The id of a ledger row where the venue's own id is not unique per row. */
  ledgerEntryId?(entry: CcxtLedgerEntry): string;
  /** The two wallets of an internal transfer, where ccxt leaves one of them out. */
  transferWallets?(transfer: CcxtTransfer, own_wallet: string): { from: string; to: string };
};

/**
 * ccxt's unified ledger types, for venues without their own ledger mapping. Trades, fees and
 * funding arrive through their own streams; deposits and withdrawals through `transfers`.
 */
export function defaultLedgerDisposition(entry: CcxtLedgerEntry): LedgerDisposition {
  const type = text(entry.type) ?? '';
  const amount = signedLedgerAmount(entry);
  switch (type) {
    case 'trade':
    case 'fee':
      return { kind: 'covered', by: 'fills', why: `ledger ${type} rows repeat what the fills carry` };
    case 'funding':
      return { kind: 'covered', by: 'funding', why: 'funding rows repeat the funding stream' };
    case 'transaction':
    case 'deposit':
    case 'withdrawal':
      return { kind: 'covered', by: 'transfers', why: 'deposits and withdrawals arrive through the transfers stream' };
    case 'rebate':
    case 'cashback':
      return { kind: 'income', amount, income_kind: 'rebate' };
    case 'referral':
      return { kind: 'income', amount, income_kind: 'referral' };
    case 'airdrop':
      return { kind: 'income', amount, income_kind: 'airdrop' };
    default:
      return { kind: 'unmapped', why: `ledger type '${type}' has no mapping for this venue` };
  }
}

/** ccxt gives a ledger amount with a `direction`; Keel wants one signed amount (positive = in). */
export function signedLedgerAmount(entry: CcxtLedgerEntry): string {
  const amount = exactDecimal(entry.amount, 'amount');
  const magnitude = amount.startsWith('-') ? amount.slice(1) : amount;
  return entry.direction === 'out' ? (magnitude === '0' ? '0' : `-${magnitude}`) : magnitude;
}
