// `keel connect --replay DIR` and the offline tests: each recorded session is read through the
// real connector (ccxt, normalisation, cursor, sink), with the replay fetch in place of the network.
import type { Exchange } from 'ccxt';
import { createExchange } from './ccxt-exchange.js';
import { Connector, type ConnectorOptions, type StreamReport } from './connector.js';
import { MemoryCursorStore, type CursorStore } from './cursor-store.js';
import type { EventSink } from './event-sink.js';
import { readSessionJson, replayFetch, type ReplayFetch, type ReplaySession } from './replay.js';
import type { StreamName } from './venue-mapping.js';
import { venueSpec } from './venue-registry.js';

export type ReplayResult = { session: ReplaySession; reports: StreamReport[]; replay: ReplayFetch };

export function replayExchange(session: ReplaySession): { exchange: Exchange; replay: ReplayFetch } {
  const replay = replayFetch(session);
  // Fake keys: private endpoints are signed as usual (base64 without padding suits every venue's
  // signer), and the signature never leaves the process.
  const exchange = createExchange(venueSpec(session.venue), {
    fetch_implementation: replay.fetch,
    rate_limit: false,
    credentials: { api_key: 'replay-key', secret: 'cmVwbGF5c2VjcmV0a2V5', password: 'replay-password' },
  });
  const markets = readSessionJson(session, session.markets) as Parameters<Exchange['setMarkets']>[0];
  const currencies =
    session.currencies === undefined
      ? undefined
      : (readSessionJson(session, session.currencies) as Parameters<Exchange['setMarkets']>[1]);
  exchange.setMarkets(markets, currencies);
  return { exchange, replay };
}

export async function replaySession(
  session: ReplaySession,
  sink: EventSink,
  options: {
    cursors?: CursorStore;
    signal?: AbortSignal;
    on_progress?: ConnectorOptions['on_progress'];
    streams?: readonly StreamName[];
  } = {},
): Promise<ReplayResult> {
  const { exchange, replay } = replayExchange(session);
  const connector = new Connector(exchange, options.cursors ?? new MemoryCursorStore(), sink, {
    spec: venueSpec(session.venue),
    account: session.account,
    settings: { symbols: session.symbols, currencies: session.currency_codes },
    streams: (options.streams ?? session.streams) as StreamName[],
    since_ms: Date.parse(session.since),
    until_ms: Date.parse(session.until),
    wallet_accounts: session.wallet_accounts,
    on_progress: options.on_progress,
    // A replay never waits: an error is a failed test, not an outage to sit out.
    retry: { attempts_max: 1, backoff_ms_min: 0, backoff_ms_max: 0 },
  });
  const reports = await connector.backfill(options.signal);
  return { session, reports, replay };
}
