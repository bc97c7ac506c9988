// Deribit (ccxt `deribit`). Deribit sends amounts as JSON numbers, so the venue spec quotes every
// number before parsing (exact digits, see ccxt-exchange.ts). For inverse contracts (BTC-PERPETUAL)
// Deribit's `amount` is the USD notional, not contracts: contracts = amount / contract size (10 USD),
// exactly, or the record is refused. Fees are in the settlement coin (BTC for BTC-PERPETUAL).
// A fill of a liquidation carries `liquidation: "M" | "T" | "MT"`.
// Transfers between subaccounts have a `direction` (payment = out of this account).
// ccxt 4.5.84 has no ledger and no funding history for Deribit: funding and session PnL are in
// /private/get_transaction_log, which this connector does not read yet.
import { divideDecimalTexts, exactDecimal } from '../exact-decimal.js';
import type { VenueMapping } from '../venue-mapping.js';
import { text } from '../venue-records.js';

export const deribit_mapping: VenueMapping = {
  quantity: (trade, market) => {
    const amount = exactDecimal(trade.info.amount, 'info.amount');
    if (market.type === 'spot' || market.contract_size === undefined) return amount;
    return divideDecimalTexts(amount, market.contract_size, 'quantity');
  },
  liquidation: (info) => text(info.liquidation) !== undefined,
  clientOrderId: (info) => text(info.label),
  transferWallets: (transfer, own_wallet) => {
    const other = text(transfer.info.other_side) ?? 'unknown';
    return transfer.info.direction === 'payment' ? { from: own_wallet, to: other } : { from: other, to: own_wallet };
  },
};
