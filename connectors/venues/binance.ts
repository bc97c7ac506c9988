// Binance spot (ccxt `binance`, REST /api/v3 and /sapi). ccxt's unified fill is right as it is:
// `qty`, `price`, `quoteQty` and `commission`/`commissionAsset` arrive as strings and go through
// unchanged (the fee can be in the quote, the base or a third asset such as BNB). Binance spot has
// no ledger endpoint in ccxt; transfers between its wallets come from /sapi/v1/asset/transfer.
import type { VenueMapping } from '../venue-mapping.js';

export const binance_mapping: VenueMapping = {};
