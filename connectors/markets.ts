// What the normalisers need of ccxt's market list, read once per exchange. A venue id can name a
// spot market and a contract at once (Bybit `LTCUSDT`); ledger rows of derivatives ask for the contract.
import type { Exchange } from 'ccxt';
import type { ConnectorErrorKind } from './connector-metrics.js';
import { exactDecimal } from './exact-decimal.js';
import {
  default_retry_policy,
  real_retry_environment,
  withRetry,
  type RetryEnvironment,
  type RetryPolicy,
} from './retry.js';
import type { MarketInfo } from './venue-records.js';

type CcxtMarket = {
  id?: unknown;
  symbol?: unknown;
  base?: unknown;
  quote?: unknown;
  settle?: unknown;
  type?: unknown;
  spot?: unknown;
  contractSize?: unknown;
  inverse?: unknown;
  contract?: unknown;
};

/**
 * Loads the venue's market list as every other venue request is made: a network error, an outage or
 * a rate limit is retried with back-off, and after the last attempt it is KEEL_ERR_CONNECTOR_VENUE_UNAVAILABLE.
 */
export async function loadMarketsWithRetry(
  exchange: Exchange,
  what: string,
  on_error: (kind: ConnectorErrorKind, error: Error, retry_in_ms: number | null) => void,
  retry: { policy?: RetryPolicy; environment?: RetryEnvironment } = {},
): Promise<void> {
  // reload: ccxt keeps a failed load's rejected promise and would hand it back to every retry.
  await withRetry(
    () => exchange.loadMarkets(true),
    `${what} loadMarkets`,
    retry.policy ?? default_retry_policy,
    retry.environment ?? real_retry_environment,
    on_error,
  );
}

export type MarketLookup = (symbol_or_id: string, prefer?: 'contract' | 'any') => MarketInfo | undefined;

export function marketLookup(exchange: Exchange): MarketLookup {
  const by_symbol = (exchange.markets ?? {}) as unknown as Record<string, CcxtMarket>;
  const by_id = ((exchange as unknown as { markets_by_id?: Record<string, CcxtMarket[]> }).markets_by_id ??
    {}) as Record<string, CcxtMarket[]>;
  const cache = new Map<string, MarketInfo | undefined>();
  return (symbol_or_id, prefer = 'any') => {
    const cache_key = `${prefer}|${symbol_or_id}`;
    if (cache.has(cache_key)) return cache.get(cache_key);
    const candidates = by_symbol[symbol_or_id] !== undefined ? [by_symbol[symbol_or_id]] : (by_id[symbol_or_id] ?? []);
    const chosen =
      prefer === 'contract' ? (candidates.find((market) => market.contract === true) ?? candidates[0]) : candidates[0];
    const info = chosen === undefined ? undefined : marketInfo(chosen);
    cache.set(cache_key, info);
    return info;
  };
}

export function marketInfo(market: CcxtMarket): MarketInfo {
  const type =
    market.type === 'spot' || market.type === 'swap' || market.type === 'future' || market.type === 'option'
      ? market.type
      : 'other';
  const contract = market.contract === true || type === 'swap' || type === 'future';
  const size = market.contractSize;
  return {
    id: String(market.id),
    symbol: String(market.symbol),
    base: String(market.base),
    quote: String(market.quote),
    settle: typeof market.settle === 'string' && market.settle !== '' ? market.settle : undefined,
    type,
    contract_size:
      contract && size !== undefined && size !== null
        ? exactDecimal(size, `market ${String(market.symbol)} contractSize`)
        : undefined,
    inverse: market.inverse === true,
  };
}
