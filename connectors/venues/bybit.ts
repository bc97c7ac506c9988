// Bybit unified trading account v5 (ccxt `bybit`). Exact strings from the raw payload where
// ccxt's unified value has another meaning:
// - /v5/execution/list returns funding rows (`execType: Funding`) among fills, and ccxt parses them
//   as trades; they become funding events with the same id the funding stream gives them.
// - Funding sign: `execFee` > 0 means the account PAID funding (fee semantics), so Keel's amount
//   is −execFee. ccxt 4.5.84 passes execFee through unchanged, the opposite of Binance.
// - `execType: BustTrade` is a liquidation fill.
// - /v5/account/transaction-log: TRADE rows carry the fill's fee (covered by fills) and, on closing
//   trades, realised PnL in `cashFlow` (a settlement); SETTLEMENT rows carry funding (covered by
//   the funding stream) and, for USDC contracts, the session's PnL in `cashFlow`. ccxt's `before`
//   for these rows is wrong (after − |amount| even when money left), so it is never read.
import { negateDecimalText, exactDecimal, signOfDecimal } from '../exact-decimal.js';
import type { LedgerDisposition, VenueMapping } from '../venue-mapping.js';
import { text, type CcxtLedgerEntry } from '../venue-records.js';

export const bybit_mapping: VenueMapping = {
  classifyFill: (trade, market) => {
    if (trade.info.execType !== 'Funding') return { kind: 'trade' };
    return {
      kind: 'funding',
      amount: negateDecimalText(exactDecimal(trade.info.execFee, 'info.execFee')),
      asset: market.settle ?? market.quote,
    };
  },
  liquidation: (info) => info.execType === 'BustTrade',
  clientOrderId: (info) => text(info.orderLinkId),
  fundingAmount: (funding) => negateDecimalText(exactDecimal(funding.info.execFee, 'info.execFee')),
  fundingId: (funding) => text(funding.info.execId),
  ledger: (entry) => transactionLogDisposition(entry),
  // Older transaction-log rows have no `id`; type, trade id and time name a row uniquely.
  ledgerEntryId: (entry) =>
    text(entry.info.id) ??
    `${text(entry.info.type) ?? ''}:${text(entry.info.tradeId) ?? ''}:${text(entry.info.transactionTime) ?? ''}`,
};

function transactionLogDisposition(entry: CcxtLedgerEntry): LedgerDisposition {
  const type = text(entry.info.type) ?? '';
  const cash_flow = exactDecimal(entry.info.cashFlow ?? '0', 'info.cashFlow');
  const change = exactDecimal(entry.info.change ?? '0', 'info.change');
  const market_id = text(entry.info.symbol);
  const pnl = () =>
    market_id === undefined
      ? ({ kind: 'unmapped', why: `${type} row with realised PnL but no symbol` } as const)
      : ({ kind: 'settlement', amount: cash_flow, market_id, market_type: 'contract' } as const);
  switch (type) {
    case 'TRADE':
      return signOfDecimal(cash_flow) === 0 ? { kind: 'covered', by: 'fills', why: 'the fee of a fill' } : pnl();
    case 'SETTLEMENT':
    case 'DELIVERY':
    case 'LIQUIDATION':
      return signOfDecimal(cash_flow) === 0
        ? { kind: 'covered', by: 'funding', why: 'funding settlement, read by the funding stream' }
        : pnl();
    case 'TRANSFER_IN':
    case 'TRANSFER_OUT':
    case 'DEPOSIT':
    case 'WITHDRAW':
      return {
        kind: 'covered',
        by: 'transfers',
        why: 'moves in and out of the account arrive through the transfers stream',
      };
    case 'INTEREST':
      return { kind: 'income', amount: change, income_kind: 'interest' };
    case 'BONUS':
      return { kind: 'income', amount: change, income_kind: 'other' };
    case 'FEE_REFUND':
      return { kind: 'income', amount: change, income_kind: 'rebate' };
    default:
      return { kind: 'unmapped', why: `bybit transaction-log type '${type}' has no mapping` };
  }
}
