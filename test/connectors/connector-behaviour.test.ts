// The connector's contract around the pure core: a restart mid-backfill neither skips nor
// duplicates (cursor + stable ids); a malformed record is dead-lettered and the page goes on;
// strict replay refuses unknown requests; retries back off with jitter; credentials never leak.
import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import type { KeelEvent } from '../../engine/event-schema.js';
import { MemoryCursorStore } from '../../connectors/cursor-store.js';
import { MemoryEventSink } from '../../connectors/event-sink.js';
import { loadCredentials, redactError, redactSecrets } from '../../connectors/credentials.js';
import { backoffMs, withRetry } from '../../connectors/retry.js';
import { createExchange, type FetchImplementation } from '../../connectors/ccxt-exchange.js';
import { loadMarketsWithRetry } from '../../connectors/markets.js';
import { venueSpec } from '../../connectors/venue-registry.js';
import { loadSession } from '../../connectors/replay.js';
import { replaySession } from '../../connectors/replay-runner.js';
import { join } from 'node:path';
import { replay, sessions_directory } from './replay-kit.js';

class FailingSink extends MemoryEventSink {
  constructor(private publishes_left: number) {
    super();
  }
  override async publish(
    events: readonly KeelEvent[],
    dead_letters: Parameters<MemoryEventSink['publish']>[1],
  ): Promise<void> {
    if (this.publishes_left <= 0) throw new Error('broker went away');
    this.publishes_left -= 1;
    await super.publish(events, dead_letters);
  }
}

describe('restart mid-backfill', () => {
  it('resumes from the cursor: every event once, none skipped, none twice', async () => {
    const reference = await replay('bybit-fills');
    for (const crash_after_pages of [1, 5, 20, 30]) {
      const cursors = new MemoryCursorStore();
      const collected = new MemoryEventSink();
      // First run: the sink fails after some pages (Kafka unreachable): the cursor stays at the last acknowledged page.
      const failing = new FailingSink(crash_after_pages);
      await expect(
        replaySession(loadSession(join(sessions_directory, 'bybit-fills.session.json')), failing, { cursors }),
      ).rejects.toThrow('broker went away');
      collected.events.push(...failing.events);
      // Restart with a fresh replay of the same recording (the venue answers the same pages again).
      const session = loadSession(join(sessions_directory, 'bybit-fills.session.json'));
      const resumed = await replaySession(session, collected, { cursors });
      expect(resumed.reports[0]!.stream).toBe('fills');
      const ids = collected.events.map((event) => event.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual(reference.raw_events.map((event) => event.id).sort());
    }
  });

  it('reading the same pages again with the stored cursor publishes nothing new', async () => {
    const cursors = new MemoryCursorStore();
    const first = await replay('kraken-transfers', { cursors });
    expect(first.events).toHaveLength(2);
    const again = await replay('kraken-transfers', { cursors });
    expect(again.events).toEqual([]);
  });
});

describe('a page with a malformed record', () => {
  it('dead-letters that record, in the engine DeadLetter shape, and publishes the rest of the page', async () => {
    const { events, dead_letters } = await replay('deribit-fills');
    expect(events.map((event) => event.id)).toEqual([
      'deribit:main:trade:BTC-26JUN20:47958936',
      'deribit:main:trade:ETH-PERPETUAL:ETH-2696068',
    ]);
    expect(dead_letters).toHaveLength(1);
    const letter = dead_letters[0]!;
    expect(Object.keys(letter).sort()).toEqual([
      'code',
      'dead_lettered_at',
      'event_id',
      'kind',
      'payload',
      'reason',
      'source',
    ]);
    expect(letter).toMatchObject({
      code: 'KEEL_ERR_CONNECTOR_RECORD_MALFORMED',
      kind: 'invalid',
      event_id: null,
      source: { topic: 'connector/deribit/main/fills', partition: 0, offset: 'fetchMyTrades:BTC@1589846400000' },
    });
    expect(JSON.parse(letter.payload!)).toMatchObject({ trade_id: '48078936', instrument_name: 'BTC-27MAY20-8750-C' });
  });
});

describe('strict replay', () => {
  it('fails a request that has no recorded answer (nothing can reach the network)', async () => {
    const session = loadSession(join(sessions_directory, 'okx-fills.session.json'));
    session.responses = session.responses.slice(0, 1);
    await expect(replaySession(session, new MemoryEventSink())).rejects.toMatchObject({
      code: 'KEEL_ERR_CONNECTOR_REPLAY_UNEXPECTED_REQUEST',
    });
  });
});

describe('retries', () => {
  const policy = { attempts_max: 4, backoff_ms_min: 100, backoff_ms_max: 1_000 };

  it('backs off exponentially with jitter, capped', () => {
    expect([0, 1, 2, 3, 10].map((attempt) => backoffMs(attempt, policy, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([0, 1, 2, 3, 10].map((attempt) => backoffMs(attempt, policy, () => 0.999999))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
  });

  it('waits out network errors and outages, then succeeds', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls += 1;
        if (calls === 1) throw new ccxt.NetworkError('socket hang up');
        if (calls === 2) throw new ccxt.ExchangeNotAvailable('maintenance');
        if (calls === 3) throw new ccxt.RateLimitExceeded('429');
        return 'page';
      },
      'test',
      policy,
      { sleep: async (duration_ms) => void waits.push(duration_ms), random: () => 0.5 },
      () => undefined,
    );
    expect(result).toBe('page');
    expect(waits).toEqual([75, 150, 300]);
  });

  it('gives up after the last attempt with a coded error', async () => {
    await expect(
      withRetry(
        async () => Promise.reject(new ccxt.RequestTimeout('timeout')),
        'bybit/x fills',
        policy,
        { sleep: async () => undefined, random: () => 0 },
        () => undefined,
      ),
    ).rejects.toMatchObject({
      code: 'KEEL_ERR_CONNECTOR_VENUE_UNAVAILABLE',
    });
  });

  it('retries loading the markets (a real ccxt exchange whose venue is away), then gives up with VENUE_UNAVAILABLE', async () => {
    let requests = 0;
    const venue_away: FetchImplementation = async () => {
      requests += 1;
      return new Response('<html>503 Service Temporarily Unavailable</html>', {
        status: 503,
        headers: { 'content-type': 'text/html' },
      });
    };
    const exchange = createExchange(venueSpec('bybit'), { fetch_implementation: venue_away, rate_limit: false });
    const failures: { kind: string; retry_in_ms: number | null; requests: number }[] = [];
    const waits: number[] = [];
    const loading = loadMarketsWithRetry(
      exchange,
      'bybit/unified-main',
      (kind, _error, retry_in_ms) => void failures.push({ kind, retry_in_ms, requests }),
      {
        policy,
        environment: { sleep: async (duration_ms) => void waits.push(duration_ms), random: () => 0.5 },
      },
    );
    await expect(loading).rejects.toMatchObject({
      code: 'KEEL_ERR_CONNECTOR_VENUE_UNAVAILABLE',
      message: expect.stringContaining('bybit/unified-main loadMarkets: still failing after 4 attempts'),
    });
    expect(failures.map((failure) => failure.kind)).toEqual(['outage', 'outage', 'outage', 'outage']);
    expect(failures.at(-1)?.retry_in_ms).toBeNull();
    expect(waits).toEqual([75, 150, 300]);
    // Every attempt asked the venue again (not the first failure handed back).
    const per_attempt = failures.map((failure, index) => failure.requests - (failures[index - 1]?.requests ?? 0));
    expect(per_attempt.every((count) => count > 0)).toBe(true);
  });

  it('does not retry refused credentials: a clear coded error, with the key redacted', async () => {
    const credentials = loadCredentials(
      'binance',
      'spot-main',
      { KEEL_BINANCE_SPOT_MAIN_API_KEY: 'AKIAkeyvalue123', KEEL_BINANCE_SPOT_MAIN_SECRET: 'very-secret-456' },
      undefined,
    );
    expect(credentials?.api_key).toBe('AKIAkeyvalue123');
    let calls = 0;
    const failure = withRetry(
      async () => {
        calls += 1;
        throw new ccxt.AuthenticationError(
          'binance {"code":-2015,"msg":"Invalid API-key AKIAkeyvalue123, IP, or permissions"}',
        );
      },
      'binance/spot-main fills',
      policy,
      { sleep: async () => undefined, random: () => 0 },
      () => undefined,
    );
    await expect(failure).rejects.toMatchObject({ code: 'KEEL_ERR_CONNECTOR_CREDENTIALS_REJECTED' });
    await failure.catch((error: Error) => {
      expect(error.message).not.toContain('AKIAkeyvalue123');
      expect(error.message).toContain('refused the API key');
    });
    expect(calls).toBe(1);
  });
});

describe('credentials', () => {
  it('come from the environment or a file, and never print', () => {
    const credentials = loadCredentials(
      'okx',
      'main',
      {
        KEEL_OKX_MAIN_API_KEY: 'okx-key-1',
        KEEL_OKX_MAIN_SECRET: 'okx-secret-1',
        KEEL_OKX_MAIN_PASSWORD: 'okx-pass-1',
      },
      undefined,
    )!;
    expect(credentials.password).toBe('okx-pass-1');
    expect(JSON.stringify({ credentials })).toBe('{"credentials":"[redacted]"}');
    expect(redactSecrets('GET /x?apiKey=abc&signature=def secret okx-secret-1 and okx-pass-1')).toBe(
      'GET /x?apiKey=[redacted]&signature=[redacted] secret [redacted] and [redacted]',
    );
    expect(redactError(new Error('failed with okx-key-1')).message).toBe('failed with [redacted]');
    expect(loadCredentials('okx', 'other', {}, undefined)).toBeUndefined();
  });
});
