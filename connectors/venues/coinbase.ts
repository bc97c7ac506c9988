// Coinbase Advanced Trade v3 (ccxt `coinbase`), spot and INTX perpetuals. Fills
// (/api/v3/brokerage/orders/historical/fills) carry string `size`, `price`, `commission`; the time
// is taken from ccxt's millisecond timestamp, never from Coinbase's microsecond text. Deposits and
// withdrawals are the v2 account transactions (`send` rows), whose network fee is charged beside
// the amount. The v2 transactions also feed ccxt's ledger: buys, sells and trades repeat fills,
// sends repeat the transfers stream.
import type { LedgerDisposition, VenueMapping } from '../venue-mapping.js';
import { text, type CcxtLedgerEntry } from '../venue-records.js';

export const coinbase_mapping: VenueMapping = {
  ledger: (entry) => ledgerDisposition(entry),
};

function ledgerDisposition(entry: CcxtLedgerEntry): LedgerDisposition {
  const type = text(entry.info.type) ?? '';
  switch (type) {
    case 'buy':
    case 'sell':
    case 'trade':
    case 'advanced_trade_fill':
      return { kind: 'covered', by: 'fills', why: 'trade rows repeat the fills' };
    case 'send':
    case 'fiat_deposit':
    case 'fiat_withdrawal':
    case 'exchange_deposit':
    case 'exchange_withdrawal':
      return { kind: 'covered', by: 'transfers', why: 'deposits and withdrawals arrive through the transfers stream' };
    case 'interest':
    case 'staking_reward':
    case 'inflation_reward':
      return { kind: 'income', amount: signed(entry), income_kind: 'interest' };
    default:
      return { kind: 'unmapped', why: `coinbase transaction type '${type}' has no mapping` };
  }
}

function signed(entry: CcxtLedgerEntry): string {
  const amount = text((entry.info.amount as Record<string, unknown> | undefined)?.amount) ?? '0';
  return amount;
}
