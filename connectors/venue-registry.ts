// The venues Keel reads, as configuration: which ccxt exchange, with which options, which wallet a
// Keel account reads, and which ccxt calls make up each stream. Adding a ccxt venue is an entry
// here plus, at most, one small mapping file in venues/ for what its raw payload means.
import { connector_error_codes, connectorError } from './connector-errors.js';
import type { StreamName, VenueMapping } from './venue-mapping.js';
import { binance_mapping } from './venues/binance.js';
import { binanceusdm_mapping } from './venues/binanceusdm.js';
import { bybit_mapping } from './venues/bybit.js';
import { coinbase_mapping } from './venues/coinbase.js';
import { deribit_mapping } from './venues/deribit.js';
import { kraken_mapping } from './venues/kraken.js';
import { okx_mapping } from './venues/okx.js';

export type RecordKind = 'trade' | 'funding' | 'ledger' | 'transaction' | 'transfer';

export type CcxtMethod =
  | 'fetchMyTrades'
  | 'fetchFundingHistory'
  | 'fetchLedger'
  | 'fetchDeposits'
  | 'fetchWithdrawals'
  | 'fetchDepositsWithdrawals'
  | 'fetchTransfers';

/** One ccxt call that is paged on its own (its own position in the stream's cursor). */
export type StreamRequest = {
  /** Stable within the stream: the cursor keeps one position per key. */
  key: string;
  method: CcxtMethod;
  record_kind: RecordKind;
  /** First argument: a unified symbol (fills, funding) or currency code (ledger, transfers). */
  first_argument?: string | undefined;
  params?: Record<string, unknown>;
};

/** What a venue account needs beyond the venue: the markets and currencies to read where the venue asks for them. */
export type AccountSettings = { symbols: readonly string[]; currencies: readonly string[] };

export type VenueSpec = {
  venue: string;
  ccxt_id: string;
  ccxt_options: Record<string, unknown>;
  /** The venue wallet a Keel account of this venue reads (transfers from it are this account's). */
  wallet: string;
  mapping: VenueMapping;
  /** Deribit sends amounts as JSON numbers: quote them before parsing so no digit is lost. */
  quote_json_numbers: boolean;
  /** Requests per stream; streams the venue (or ccxt for it) lacks are absent. */
  streams: Partial<Record<StreamName, (settings: AccountSettings) => StreamRequest[]>>;
  /**
   * Venues whose history endpoints answer a bounded time window per request (Binance futures: 7
   * days): the connector walks the history window by window.
   */
  window_ms?: Partial<Record<StreamName, number>>;
  /** Longest page the venue serves for each stream. */
  page_limit: Partial<Record<StreamName, number>>;
};

const day_ms = 86_400_000;

const perSymbol =
  (method: CcxtMethod, record_kind: RecordKind, params?: Record<string, unknown>) => (settings: AccountSettings) =>
    settings.symbols.map((symbol) => ({
      key: `${method}:${symbol}`,
      method,
      record_kind,
      first_argument: symbol,
      ...(params === undefined ? {} : { params }),
    }));
const perCurrency =
  (method: CcxtMethod, record_kind: RecordKind, params?: Record<string, unknown>) => (settings: AccountSettings) =>
    settings.currencies.map((code) => ({
      key: `${method}:${code}`,
      method,
      record_kind,
      first_argument: code,
      ...(params === undefined ? {} : { params }),
    }));
const once =
  (method: CcxtMethod, record_kind: RecordKind, params?: Record<string, unknown>, key_suffix = '') =>
  () => [{ key: `${method}${key_suffix}`, method, record_kind, ...(params === undefined ? {} : { params }) }];
const all =
  (...builders: ((settings: AccountSettings) => StreamRequest[])[]) =>
  (settings: AccountSettings) =>
    builders.flatMap((build) => build(settings));

export const venue_specs: readonly VenueSpec[] = [
  {
    venue: 'binance',
    ccxt_id: 'binance',
    ccxt_options: { defaultType: 'spot', adjustForTimeDifference: false },
    wallet: 'spot',
    mapping: binance_mapping,
    quote_json_numbers: false,
    streams: {
      fills: perSymbol('fetchMyTrades', 'trade'),
      transfers: all(
        once('fetchDeposits', 'transaction'),
        once('fetchWithdrawals', 'transaction'),
        once('fetchTransfers', 'transfer', { type: 'MAIN_UMFUTURE' }, ':MAIN_UMFUTURE'),
        once('fetchTransfers', 'transfer', { type: 'UMFUTURE_MAIN' }, ':UMFUTURE_MAIN'),
      ),
    },
    window_ms: { transfers: 90 * day_ms },
    page_limit: { fills: 1000, transfers: 1000 },
  },
  {
    venue: 'binanceusdm',
    ccxt_id: 'binanceusdm',
    ccxt_options: { defaultType: 'future', adjustForTimeDifference: false },
    wallet: 'future',
    mapping: binanceusdm_mapping,
    quote_json_numbers: false,
    streams: {
      fills: perSymbol('fetchMyTrades', 'trade'),
      funding: once('fetchFundingHistory', 'funding'),
      ledger: once('fetchLedger', 'ledger'),
    },
    window_ms: { fills: 7 * day_ms, funding: 7 * day_ms, ledger: 7 * day_ms },
    page_limit: { fills: 1000, funding: 1000, ledger: 1000 },
  },
  {
    venue: 'bybit',
    ccxt_id: 'bybit',
    // Keel reads unified trading accounts; saying so spares two account-probing requests per call.
    ccxt_options: {
      enableUnifiedAccount: true,
      enableUnifiedMargin: false,
      unifiedMarginStatus: 6,
      adjustForTimeDifference: false,
    },
    wallet: 'unified',
    mapping: bybit_mapping,
    quote_json_numbers: false,
    streams: {
      fills: all(
        once('fetchMyTrades', 'trade', { type: 'spot' }, ':spot'),
        once('fetchMyTrades', 'trade', { type: 'swap', subType: 'linear' }, ':linear'),
      ),
      funding: perSymbol('fetchFundingHistory', 'funding'),
      ledger: once('fetchLedger', 'ledger'),
      transfers: all(
        once('fetchDeposits', 'transaction'),
        once('fetchWithdrawals', 'transaction'),
        once('fetchTransfers', 'transfer'),
      ),
    },
    window_ms: { fills: 7 * day_ms, funding: 7 * day_ms, ledger: 7 * day_ms, transfers: 30 * day_ms },
    page_limit: { fills: 100, funding: 100, ledger: 50, transfers: 50 },
  },
  {
    venue: 'okx',
    ccxt_id: 'okx',
    ccxt_options: {},
    wallet: 'trading',
    mapping: okx_mapping,
    quote_json_numbers: false,
    streams: {
      fills: all(
        once('fetchMyTrades', 'trade', { instType: 'SPOT' }, ':SPOT'),
        once('fetchMyTrades', 'trade', { instType: 'SWAP' }, ':SWAP'),
      ),
      funding: once('fetchFundingHistory', 'funding'),
      // ccxt names one instrument type per bills request; the funding account's bills are another endpoint.
      ledger: all(
        once('fetchLedger', 'ledger', { type: 'spot' }, ':SPOT'),
        once('fetchLedger', 'ledger', { type: 'swap' }, ':SWAP'),
        once('fetchLedger', 'ledger', { method: 'privateGetAssetBills' }, ':funding'),
      ),
      transfers: all(once('fetchDeposits', 'transaction'), once('fetchWithdrawals', 'transaction')),
    },
    page_limit: { fills: 100, funding: 100, ledger: 100, transfers: 100 },
  },
  {
    venue: 'kraken',
    ccxt_id: 'kraken',
    ccxt_options: {},
    wallet: 'spot',
    mapping: kraken_mapping,
    quote_json_numbers: false,
    streams: {
      fills: once('fetchMyTrades', 'trade'),
      ledger: once('fetchLedger', 'ledger'),
      transfers: all(perCurrency('fetchDeposits', 'transaction'), perCurrency('fetchWithdrawals', 'transaction')),
    },
    page_limit: { fills: 50, ledger: 50, transfers: 50 },
  },
  {
    venue: 'coinbase',
    ccxt_id: 'coinbase',
    ccxt_options: {},
    wallet: 'spot',
    mapping: coinbase_mapping,
    quote_json_numbers: false,
    streams: {
      fills: perSymbol('fetchMyTrades', 'trade'),
      ledger: perCurrency('fetchLedger', 'ledger'),
      transfers: perCurrency('fetchDepositsWithdrawals', 'transaction'),
    },
    page_limit: { fills: 100, ledger: 100, transfers: 100 },
  },
  {
    venue: 'deribit',
    ccxt_id: 'deribit',
    ccxt_options: {},
    wallet: 'main',
    mapping: deribit_mapping,
    quote_json_numbers: true,
    streams: {
      // Deribit names the currency of a trade history in a parameter, not as the symbol argument.
      fills: (settings) =>
        settings.currencies.map((code) => ({
          key: `fetchMyTrades:${code}`,
          method: 'fetchMyTrades',
          record_kind: 'trade',
          params: { code },
        })),
      transfers: all(
        perCurrency('fetchDeposits', 'transaction'),
        perCurrency('fetchWithdrawals', 'transaction'),
        perCurrency('fetchTransfers', 'transfer'),
      ),
    },
    page_limit: { fills: 100, transfers: 100 },
  },
];

export function venueSpec(venue: string): VenueSpec {
  const spec = venue_specs.find((candidate) => candidate.venue === venue);
  if (spec === undefined) {
    throw connectorError(
      connector_error_codes.venue_unknown,
      `unknown venue '${venue}': one of ${venue_specs.map((known) => known.venue).join(', ')}`,
    );
  }
  return spec;
}

export function streamRequests(spec: VenueSpec, stream: StreamName, settings: AccountSettings): StreamRequest[] {
  const build = spec.streams[stream];
  if (build === undefined) {
    throw connectorError(
      connector_error_codes.stream_unsupported,
      `${spec.venue} has no ${stream} stream (ccxt ${spec.ccxt_id} offers: ${Object.keys(spec.streams).join(', ')})`,
    );
  }
  return build(settings);
}
