// Kraken spot (ccxt `kraken`). Fills from /0/private/TradesHistory have string `vol`, `price`,
// `cost`, `fee`; a forced close shows as `ordertype: "liquidation market"`. Ledger rows
// (/0/private/Ledgers) of type trade repeat fills, deposit and withdrawal repeat the transfers
// stream; staking rewards are income; margin rollover is interest paid (the row's fee).
import { exactDecimal, negateDecimalText, signOfDecimal, addDecimalTexts } from '../exact-decimal.js';
import type { LedgerDisposition, VenueMapping } from '../venue-mapping.js';
import { text, type CcxtLedgerEntry } from '../venue-records.js';

export const kraken_mapping: VenueMapping = {
  liquidation: (info) => (text(info.ordertype) ?? '').includes('liquidation'),
  ledger: (entry) => ledgerDisposition(entry),
};

function ledgerDisposition(entry: CcxtLedgerEntry): LedgerDisposition {
  const type = text(entry.info.type) ?? '';
  switch (type) {
    case 'trade':
    case 'margin':
      return { kind: 'covered', by: 'fills', why: 'trade rows repeat the fills' };
    case 'deposit':
    case 'withdrawal':
      return { kind: 'covered', by: 'transfers', why: 'deposits and withdrawals arrive through the transfers stream' };
    case 'staking':
    case 'earn':
    case 'reward':
      return { kind: 'income', amount: netAmount(entry), income_kind: 'interest' };
    case 'rollover':
      return { kind: 'income', amount: netAmount(entry), income_kind: 'interest' };
    default:
      return { kind: 'unmapped', why: `kraken ledger type '${type}' has no mapping` };
  }
}

/** Kraken books a row's fee beside its amount: what the balance moved by is amount − fee. */
function netAmount(entry: CcxtLedgerEntry): string {
  const amount = exactDecimal(entry.info.amount, 'info.amount');
  const fee = exactDecimal(entry.info.fee ?? '0', 'info.fee');
  return signOfDecimal(fee) === 0 ? amount : addDecimalTexts(amount, negateDecimalText(fee));
}
