// Creating a ccxt exchange for one venue account, the only place ccxt is configured:
// - `number = String`: ccxt then returns every amount as the exact decimal string its own string
//   arithmetic (Precise) produced from the venue's digits, never a float (DESIGN §4: money is
//   never a JS number);
// - ccxt's own rate limiter stays on (`enableRateLimit`), so pagination never outruns the venue;
// - venues that send amounts as JSON numbers (Deribit) have every number quoted before parsing,
//   so no digit is lost to a double;
// - a `fetch` can be injected: the replay of recorded responses uses it, and nothing else.
import ccxt, { type Exchange } from 'ccxt';
import { connector_error_codes, connectorError } from './connector-errors.js';
import type { Credentials } from './credentials.js';
import type { VenueSpec } from './venue-registry.js';

export type FetchImplementation = (
  url: string,
  init: { method?: string; headers?: unknown; body?: unknown },
) => Promise<Response>;

export type ExchangeOptions = {
  credentials?: Credentials | undefined;
  fetch_implementation?: FetchImplementation | undefined;
  /** Per request; ccxt raises RequestTimeout after it, which the connector retries with back-off. */
  request_timeout_ms?: number;
  /** Off only for replays: there is no venue to protect, and waiting would only slow the tests. */
  rate_limit?: boolean;
};

type ExchangeClass = new (config: Record<string, unknown>) => Exchange;

export function createExchange(spec: VenueSpec, options: ExchangeOptions = {}): Exchange {
  const classes = ccxt as unknown as Record<string, ExchangeClass | undefined>;
  const ExchangeClass = classes[spec.ccxt_id];
  if (ExchangeClass === undefined)
    throw connectorError(connector_error_codes.venue_unknown, `ccxt ${ccxt.version} has no exchange '${spec.ccxt_id}'`);
  const credentials = options.credentials;
  const exchange = new ExchangeClass({
    enableRateLimit: options.rate_limit ?? true,
    timeout: options.request_timeout_ms ?? 30_000,
    options: structuredClone(spec.ccxt_options),
    ...(credentials === undefined
      ? {}
      : {
          apiKey: credentials.api_key,
          secret: credentials.secret,
          ...(credentials.password === undefined ? {} : { password: credentials.password }),
        }),
  });
  (exchange as unknown as { number: unknown }).number = String;
  if (options.fetch_implementation !== undefined)
    (exchange as unknown as { fetchImplementation: unknown }).fetchImplementation = options.fetch_implementation;
  if (spec.quote_json_numbers) quoteJsonNumbers(exchange);
  return exchange;
}

/** ccxt's own number-quoting (used by it for integers beyond 2^53), applied to every response. */
function quoteJsonNumbers(exchange: Exchange): void {
  const target = exchange as unknown as {
    parseJson: (text: string) => unknown;
    onJsonResponse: (text: string) => string;
  };
  target.parseJson = (body: string) => {
    try {
      return JSON.parse(target.onJsonResponse(body));
    } catch {
      return undefined;
    }
  };
}
