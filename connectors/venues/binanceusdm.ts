// Binance USDⓈ-M futures (ccxt `binanceusdm`, REST /fapi). Exact strings: `qty`, `price`,
// `commission` from /fapi/v1/userTrades; `income` from /fapi/v1/income, signed as Binance books it
// (positive = received), which is Keel's funding sign: no sign change.
// A negative `commission` is a rebate and stays negative (Keel's rebate convention).
// The income history is the ledger; each income type goes to one place only:
//   FUNDING_FEE → funding stream, COMMISSION → fills (the fee of the fill), REALIZED_PNL →
//   settlement, TRANSFER → transfer between the futures and spot wallets (published by the sender),
//   rebates and referral kickbacks → income.
import { exactDecimal } from '../exact-decimal.js';
import type { LedgerDisposition, VenueMapping } from '../venue-mapping.js';
import { text, type CcxtLedgerEntry } from '../venue-records.js';

export const binanceusdm_mapping: VenueMapping = {
  fundingAmount: (funding) => exactDecimal(funding.info.income, 'info.income'),
  // tranId repeats across income types of one movement, so the type is part of the id.
  ledgerEntryId: (entry) =>
    `${text(entry.info.incomeType) ?? 'UNKNOWN'}:${text(entry.info.tranId) ?? text(entry.id) ?? ''}`,
  ledger: (entry) => incomeDisposition(entry),
};

function incomeDisposition(entry: CcxtLedgerEntry): LedgerDisposition {
  const type = text(entry.info.incomeType) ?? '';
  const amount = exactDecimal(entry.info.income, 'info.income');
  const symbol = text(entry.info.symbol);
  switch (type) {
    case 'FUNDING_FEE':
      return { kind: 'covered', by: 'funding', why: 'funding fees are read by the funding stream' };
    case 'COMMISSION':
      return { kind: 'covered', by: 'fills', why: 'the commission is the fee of its fill' };
    case 'REALIZED_PNL':
      return symbol === undefined
        ? { kind: 'unmapped', why: 'REALIZED_PNL without a symbol' }
        : { kind: 'settlement', amount, market_id: symbol, market_type: 'contract' };
    case 'TRANSFER':
      return { kind: 'transfer', amount, other_wallet: 'spot' };
    case 'COMMISSION_REBATE':
    case 'API_REBATE':
      return { kind: 'income', amount, income_kind: 'rebate' };
    case 'REFERRAL_KICKBACK':
      return { kind: 'income', amount, income_kind: 'referral' };
    case 'WELCOME_BONUS':
      return { kind: 'income', amount, income_kind: 'airdrop' };
    default:
      return { kind: 'unmapped', why: `binance income type '${type}' has no mapping` };
  }
}
