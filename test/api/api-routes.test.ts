// Every route of the HTTP API through app.inject(), against a real migrated PostgreSQL database, an
// embedded ledger with the example events posted, and a real Kafka topic for POST /v1/events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiApp } from '../../api/build-app.js';
import { explainTrade } from '../../audit/explanation.js';
import { currentBalances, balancesAsOfEventTime } from '../../ledger/balances.js';
import { accountSpecsOfEvents } from '../../engine/posting-rules.js';
import { parseEvent } from '../../engine/event-schema.js';
import { postEventLines } from '../../engine/post-events.js';
import { storeEvents } from '../../audit/audit-store.js';
import { accountId } from '../../ledger/chart-of-accounts.js';
import { accountFilter } from '../../ledger/ledger-port.js';
import { readTopic, testKafka } from '../support/kafka-test-kit.js';
import { example_events as single_events } from '../support/example-events.js';
import { bearer, createApiWorld, example_events, tokens, type ApiWorld } from './api-test-kit.js';

let world: ApiWorld;
let app: ApiApp;

beforeAll(async () => {
  world = await createApiWorld();
  app = await world.app();
}, 120_000);

afterAll(async () => {
  await world?.close();
});

const trade_id = 'binance:spot-main:order:8812001';

async function get(url: string, token: string | null = tokens.reader, headers: Record<string, string> = {}) {
  return app.inject({ method: 'GET', url, headers: { ...(token === null ? {} : bearer(token)), ...headers } });
}

describe('access control', () => {
  it('lets /healthz and /readyz through without a token', async () => {
    expect((await get('/healthz', null)).json()).toEqual({ status: 'ok' });
    const ready = await get('/readyz', null);
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      ready: true,
      checks: { ledger: { ok: true }, kafka: { ok: true }, postgres: { ok: true } },
    });
  });

  it('answers 401 without a token, with a wrong one, and with a malformed header, on every protected route', async () => {
    for (const url of [
      '/v1/balances',
      `/v1/trades/${encodeURIComponent(trade_id)}`,
      '/v1/lots',
      '/v1/disposals',
      '/v1/audit/verify',
      '/metrics',
      '/docs/json',
      '/no/such/route',
    ]) {
      for (const headers of [
        {},
        bearer('wrong-token-0123456789abcdef'),
        { authorization: tokens.reader },
        { authorization: `Basic ${tokens.reader}` },
      ]) {
        const response = await app.inject({ method: 'GET', url, headers });
        expect(response.statusCode, `${url} ${JSON.stringify(headers)}`).toBe(401);
        expect(response.json().error.code).toBe('KEEL_ERR_API_UNAUTHORIZED');
        expect(response.headers['www-authenticate']).toContain('Bearer');
      }
    }
    const post = await app.inject({ method: 'POST', url: '/v1/events', payload: single_events.deposit });
    expect(post.statusCode).toBe(401);
  });

  it('answers 403 without the scope the route needs', async () => {
    expect((await get('/v1/balances', tokens.writer)).statusCode).toBe(403);
    expect((await get('/v1/balances', tokens.scraper)).json().error.code).toBe('KEEL_ERR_API_FORBIDDEN');
    expect((await get('/metrics', tokens.reader)).statusCode).toBe(403);
    const post = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: bearer(tokens.reader),
      payload: single_events.deposit,
    });
    expect(post.statusCode).toBe(403);
    expect(post.headers['www-authenticate']).toContain('insufficient_scope');
  });

  it('answers 404 with the coded error for an unknown route once authenticated', async () => {
    const response = await get('/v1/nothing-here');
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('KEEL_ERR_API_NOT_FOUND');
  });

  it('never writes a token to the log', async () => {
    await get('/v1/balances', tokens.admin);
    await get('/v1/balances', 'wrong-token-0123456789abcdef');
    const text = world.logs.join('');
    expect(text.length).toBeGreaterThan(0);
    for (const token of [...Object.values(tokens), 'wrong-token-0123456789abcdef']) expect(text).not.toContain(token);
  });
});

describe('GET /v1/balances', () => {
  it('gives the current balances of every account the stored events post to', async () => {
    const response = await get('/v1/balances?limit=1000');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    const expected = await currentBalances(world.ledger, accountSpecsOfEvents(example_events, world.registry));
    expect(body.as_of).toEqual({ kind: 'current' });
    expect(body.balances).toEqual(expected);
    expect(body.next_cursor).toBeNull();
    expect(body.balances).toContainEqual(
      expect.objectContaining({ venue: 'binance', account: 'spot-main', type: 'cash', asset: 'USDT' }),
    );
  });

  it('filters by venue, account, type and asset', async () => {
    const body = (await get('/v1/balances?venue=binance&account=spot-main&type=cash&asset=USDT')).json();
    expect(body.balances).toHaveLength(1);
    expect(body.balances[0]).toMatchObject({ venue: 'binance', account: 'spot-main', type: 'cash', asset: 'USDT' });
    expect(
      (await get('/v1/balances?venue=bybit')).json().balances.every((row: { venue: string }) => row.venue === 'bybit'),
    ).toBe(true);
    expect((await get('/v1/balances?venue=nowhere')).json().balances).toEqual([]);
  });

  it('as of an event time: only the transfers with event time at or before it', async () => {
    const usdt = '/v1/balances?venue=binance&account=spot-main&type=cash&asset=USDT';
    const before_all = (await get(`${usdt}&at=2024-03-01T07:59:59.999Z`)).json();
    expect(before_all.as_of).toEqual({ kind: 'event_time', at: '2024-03-01T07:59:59.999Z' });
    expect(before_all.balances[0].balance).toBe('0');
    // The USDT deposit of 50000 at 08:00 is in; the trades from 10:00 are not.
    expect((await get(`${usdt}&at=2024-03-01T08:00:00.000Z`)).json().balances[0].balance).toBe('50000');
    const spec = accountSpecsOfEvents(example_events, world.registry).filter(
      (item) => item.venue === 'binance' && item.type === 'cash' && item.asset === 'USDT',
    );
    const [expected] = await balancesAsOfEventTime(world.ledger, spec, Date.parse('2024-03-02T00:00:00.000Z'));
    expect((await get(`${usdt}&at=2024-03-02T00:00:00Z`)).json().balances[0]).toEqual(expected);
  });

  it('as known at a ledger time: TigerBeetle history by insertion time', async () => {
    const usdt_id = accountId({ venue: 'binance', account: 'spot-main', type: 'cash', asset: 'USDT' });
    const transfers = await world.ledger.getAccountTransfers(accountFilter(usdt_id));
    const first = transfers[0]!.timestamp;
    const last = transfers[transfers.length - 1]!.timestamp;
    const usdt = '/v1/balances?venue=binance&account=spot-main&type=cash&asset=USDT';
    const at_start = (await get(`${usdt}&known_at=${first - 1n}`)).json();
    expect(at_start.as_of).toEqual({ kind: 'known_at', known_at_ns: (first - 1n).toString() });
    expect(at_start.balances[0].balance).toBe('0');
    expect((await get(`${usdt}&known_at=${first}`)).json().balances[0].balance).toBe('50000');
    const current = (await get(usdt)).json().balances[0];
    expect((await get(`${usdt}&known_at=${last}`)).json().balances[0]).toEqual(current);
    // An ISO time means the end of that millisecond.
    expect((await get(`${usdt}&known_at=2100-01-01T00:00:00.000Z`)).json().balances[0]).toEqual(current);
    expect((await get(`${usdt}&known_at=1970-01-01T00:00:00.001Z`)).json().balances[0].balance).toBe('0');
  });

  it('pages with a cursor through exactly the same rows', async () => {
    const all = (await get('/v1/balances?limit=1000')).json().balances;
    expect(all.length).toBeGreaterThan(5);
    const walked: unknown[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const body: { balances: unknown[]; next_cursor: string | null } = (
        await get(`/v1/balances?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`)
      ).json();
      expect(body.balances.length).toBeLessThanOrEqual(2);
      walked.push(...body.balances);
      cursor = body.next_cursor;
      pages += 1;
    } while (cursor !== null && pages < 100);
    expect(walked).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 2));
  });

  it('lists every problem of the query with its path', async () => {
    const response = await get('/v1/balances?limit=0&at=yesterday&colour=blue');
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error.code).toBe('KEEL_ERR_API_VALIDATION');
    expect(body.error.issues.map((issue: { path: string }) => issue.path)).toEqual(
      expect.arrayContaining(['query.limit', 'query.at', 'query']),
    );
    expect((await get('/v1/balances?limit=1001')).json().error.issues).toEqual([
      expect.objectContaining({ path: 'query.limit' }),
    ]);
    expect((await get('/v1/balances?at=2024-03-01T00:00:00Z&known_at=5')).json().error.issues).toEqual([
      expect.objectContaining({ path: 'query.known_at' }),
    ]);
    const bad_cursor = await get('/v1/balances?cursor=bm9wZQ');
    expect(bad_cursor.statusCode).toBe(400);
    expect(bad_cursor.json().error.code).toBe('KEEL_ERR_API_CURSOR_INVALID');
  });
});

describe('GET /v1/accounts/:id/transfers', () => {
  const usdt_id = accountId({ venue: 'binance', account: 'spot-main', type: 'cash', asset: 'USDT' });

  it("lists an account's transfers with their event, leg and amount", async () => {
    const response = await get(`/v1/accounts/${usdt_id}/transfers`);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.account).toMatchObject({
      id: usdt_id.toString(),
      venue: 'binance',
      account: 'spot-main',
      type: 'cash',
      asset: 'USDT',
    });
    const ledger_transfers = await world.ledger.getAccountTransfers(accountFilter(usdt_id));
    expect(body.transfers.map((transfer: { id: string }) => transfer.id)).toEqual(
      ledger_transfers.map((transfer) => transfer.id.toString()),
    );
    expect(body.transfers[0]).toMatchObject({
      direction: 'debit',
      amount: '50000',
      event_type: 'deposit',
      leg: 'amount',
      event_time: '2024-03-01T08:00:00.000Z',
    });
    expect(body.next_cursor).toBeNull();
  });

  it('pages by ledger timestamp', async () => {
    const all = (await get(`/v1/accounts/${usdt_id}/transfers`)).json().transfers;
    const first = (await get(`/v1/accounts/${usdt_id}/transfers?limit=2`)).json();
    expect(first.transfers).toEqual(all.slice(0, 2));
    const second = (await get(`/v1/accounts/${usdt_id}/transfers?limit=2&cursor=${first.next_cursor}`)).json();
    expect(second.transfers).toEqual(all.slice(2, 4));
  });

  it('answers 404 for an account the ledger does not have, 400 for an id that is not one', async () => {
    expect((await get('/v1/accounts/12345/transfers')).json().error.code).toBe('KEEL_ERR_API_NOT_FOUND');
    const bad = await get('/v1/accounts/abc/transfers');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.issues[0].path).toBe('params.id');
  });
});

describe('trade records', () => {
  it('GET /v1/trades/:id gives the current record', async () => {
    const response = await get(`/v1/trades/${encodeURIComponent(trade_id)}`);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ trade_id, version: 1, is_current: true, superseded_by: null });
    expect(body.record.trade_id).toBe(trade_id);
    expect(body.record.fills).toHaveLength(2);
    expect(body.record_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(body.audit_sequence).toBeGreaterThan(0);
    expect((await get(`/v1/trades/${encodeURIComponent(trade_id)}?version=1`)).json()).toEqual(body);
    expect((await get(`/v1/trades/${encodeURIComponent(trade_id)}?version=2`)).statusCode).toBe(404);
    expect((await get('/v1/trades/nope')).json().error.code).toBe('KEEL_ERR_API_NOT_FOUND');
  });

  it('GET /v1/trades lists current records a page at a time', async () => {
    const all = (await get('/v1/trades')).json();
    expect(all.trades.length).toBeGreaterThanOrEqual(3);
    expect(all.trades[0].trade_id).toBe(trade_id);
    const first = (await get('/v1/trades?limit=1')).json();
    const second = (await get(`/v1/trades?limit=1&cursor=${first.next_cursor}`)).json();
    expect([first.trades[0].trade_id, second.trades[0].trade_id]).toEqual(
      all.trades.slice(0, 2).map((trade: { trade_id: string }) => trade.trade_id),
    );
    expect(
      (await get('/v1/trades?venue=bybit'))
        .json()
        .trades.every((trade: { record: { venue: string } }) => trade.record.venue === 'bybit'),
    ).toBe(true);
  });

  it('GET /v1/trades/:id/explanation as text, JSON, or PDF by Accept', async () => {
    const record = (await get(`/v1/trades/${encodeURIComponent(trade_id)}`)).json().record;
    const url = `/v1/trades/${encodeURIComponent(trade_id)}/explanation`;
    const text = await get(url, tokens.reader, { accept: 'text/plain' });
    expect(text.statusCode).toBe(200);
    expect(text.headers['content-type']).toContain('text/plain');
    expect(text.body).toBe(`${explainTrade(record)}\n`);
    const json = await get(url, tokens.reader, { accept: 'application/json' });
    expect(json.headers['content-type']).toContain('application/json');
    expect(json.json()).toEqual({ trade_id, version: 1, explanation: explainTrade(record), record });
    expect((await get(url)).json().explanation).toBe(explainTrade(record));
    const html = await get(url, tokens.reader, { accept: 'text/html' });
    expect(html.statusCode).toBe(406);
    expect(html.json().error.code).toBe('KEEL_ERR_API_NOT_ACCEPTABLE');
    expect((await get('/v1/trades/nope/explanation', tokens.reader, { accept: 'text/plain' })).statusCode).toBe(404);
  });

  it('serves the one-page PDF (reports/trade-explanation-pdf.ts), and 406 with a coded error without a renderer', async () => {
    const url = `/v1/trades/${encodeURIComponent(trade_id)}/explanation`;
    const pdf = await get(url, tokens.reader, { accept: 'application/pdf' });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toBe('inline; filename="trade-binance_spot-main_order_8812001-v1.pdf"');
    const bytes = pdf.rawPayload.toString('latin1');
    expect(bytes.startsWith('%PDF-')).toBe(true);
    expect(bytes.match(/\/Type \/Page\b/g)).toHaveLength(1);

    const without = await world.app({ render_trade_pdf: null });
    const refused = await without.inject({
      method: 'GET',
      url,
      headers: { ...bearer(tokens.reader), accept: 'application/pdf' },
    });
    expect(refused.statusCode).toBe(406);
    expect(refused.json().error.code).toBe('KEEL_ERR_API_PDF_UNAVAILABLE');

    const seen: unknown[] = [];
    const with_renderer = await world.app({
      render_trade_pdf: async (record, explanation, stored) => {
        seen.push({
          trade_id: record.trade_id,
          first_line: explanation.split('\n')[0],
          version: stored.version,
          audit_sequence: stored.audit_sequence,
        });
        return Buffer.from('%PDF-1.7 fake');
      },
    });
    const fake = await with_renderer.inject({
      method: 'GET',
      url,
      headers: { ...bearer(tokens.reader), accept: 'application/pdf' },
    });
    expect(fake.rawPayload.toString()).toBe('%PDF-1.7 fake');
    expect(seen).toEqual([
      {
        trade_id,
        first_line: `Trade ${trade_id}: BUY 0.5 BTC (spot BTC/USDT) on binance, account spot-main, from 2024-03-01 10:00:01.120 UTC to 2024-03-01 10:00:01.480 UTC.`,
        version: 1,
        audit_sequence: expect.any(Number),
      },
    ]);
  });
});

describe('lots and disposals', () => {
  it('GET /v1/lots filters open and closed lots, as the audit store has them', async () => {
    const all = (await get('/v1/lots?limit=1000')).json().lots;
    const { rows } = await world.db.pool.query<{ open: string; closed: string }>(
      'select count(*) filter (where remaining_quantity > 0) as open, count(*) filter (where remaining_quantity = 0) as closed from lots',
    );
    expect(all).toHaveLength(Number(rows[0]!.open) + Number(rows[0]!.closed));
    const open = (await get('/v1/lots?open=true&limit=1000')).json().lots;
    const closed = (await get('/v1/lots?open=false&limit=1000')).json().lots;
    expect(open).toHaveLength(Number(rows[0]!.open));
    expect(closed).toHaveLength(Number(rows[0]!.closed));
    expect(open.every((lot: { remaining_quantity: string }) => lot.remaining_quantity !== '0')).toBe(true);
    expect(all[0]).toMatchObject({ pool: 'binance/spot-main', acquired_at: expect.stringMatching(/Z$/) });
    const first = (await get('/v1/lots?limit=1')).json();
    expect((await get(`/v1/lots?limit=1&cursor=${first.next_cursor}`)).json().lots[0]).toEqual(all[1]);
    expect((await get('/v1/lots?open=maybe')).json().error.issues[0].path).toBe('query.open');
  });

  it('GET /v1/disposals in a time range, from inclusive, to exclusive', async () => {
    const all = (await get('/v1/disposals?limit=1000')).json().disposals;
    expect(all.length).toBeGreaterThan(0);
    const first_time = all[0].disposed_at;
    expect((await get(`/v1/disposals?from=${first_time}`)).json().disposals).toHaveLength(all.length);
    expect((await get(`/v1/disposals?to=${first_time}`)).json().disposals).toHaveLength(0);
    expect((await get('/v1/disposals?from=2030-01-01T00:00:00Z')).json().disposals).toEqual([]);
    const reversed = await get('/v1/disposals?from=2025-01-01T00:00:00Z&to=2024-01-01T00:00:00Z');
    expect(reversed.statusCode).toBe(400);
    expect(reversed.json().error.issues[0].path).toBe('query.to');
  });
});

describe('POST /v1/events', () => {
  it('publishes valid events to the event topic, keyed by venue account, and answers 202 with their ids', async () => {
    const events = [
      { ...single_events.deposit, id: 'api-test:deposit:1' },
      { ...single_events.trade, id: 'api-test:trade:1', fees: undefined },
    ];
    const response = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: bearer(tokens.writer),
      payload: events,
    });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ accepted: 2, event_ids: ['api-test:deposit:1', 'api-test:trade:1'] });
    const single = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: bearer(tokens.writer),
      payload: { ...single_events.income, id: 'api-test:income:1' },
    });
    expect(single.json()).toEqual({ accepted: 1, event_ids: ['api-test:income:1'] });
    const messages = await readTopic(testKafka(), world.topics.events_topic, 3);
    const by_id = new Map(messages.map((message) => [JSON.parse(message.value!).id as string, message]));
    expect(by_id.get('api-test:deposit:1')?.key).toBe('binance/spot-main');
    // As validated: defaults applied (no fees → []).
    expect(JSON.parse(by_id.get('api-test:trade:1')!.value!).fees).toEqual([]);
    expect([...by_id.keys()].sort()).toEqual(['api-test:deposit:1', 'api-test:income:1', 'api-test:trade:1']);
  });

  it('answers 400 listing every problem of every event with its path, and publishes nothing', async () => {
    const published: unknown[] = [];
    const spy_app = await world.app({ publisher: { publish: async (events) => void published.push(...events) } });
    const response = await spy_app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: bearer(tokens.writer),
      payload: [
        single_events.deposit,
        single_events.deposit,
        single_events.deposit,
        { ...single_events.trade, fees: [{ asset: 'BNB', amount: 'lots' }], side: 'hold' },
        { type: 'nonsense' },
      ],
    });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error.code).toBe('KEEL_ERR_API_VALIDATION');
    expect(body.error.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '[3].fees.0.amount' }),
        expect.objectContaining({ path: '[3].side' }),
        expect.objectContaining({ path: '[4].type' }),
      ]),
    );
    expect(published).toEqual([]);
  });

  it('refuses bad JSON, other media types, too many events and too large a body with coded errors', async () => {
    const post = (payload: string | object, headers: Record<string, string> = {}) =>
      app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { ...bearer(tokens.writer), 'content-type': 'application/json', ...headers },
        payload,
      });
    const bad_json = await post('{"id": ');
    expect([bad_json.statusCode, bad_json.json().error.code]).toEqual([400, 'KEEL_ERR_API_BODY_INVALID_JSON']);
    const text = await post('hello', { 'content-type': 'text/plain' });
    expect([text.statusCode, text.json().error.code]).toEqual([415, 'KEEL_ERR_API_UNSUPPORTED_MEDIA_TYPE']);
    const many = await post(
      Array.from({ length: 1001 }, (_, index) => ({ ...single_events.income, id: `many:${index}` })),
    );
    expect([many.statusCode, many.json().error.code]).toEqual([413, 'KEEL_ERR_API_TOO_MANY_EVENTS']);
    const small = await world.app({ limits: { body_limit_bytes: 2_048 } });
    const large = await small.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { ...bearer(tokens.writer), 'content-type': 'application/json' },
      payload: Array.from({ length: 20 }, (_, index) => ({ ...single_events.income, id: `large:${index}` })),
    });
    expect([large.statusCode, large.json().error.code]).toEqual([413, 'KEEL_ERR_API_BODY_TOO_LARGE']);
  });

  it('rate-limits writes per token, with a coded 429', async () => {
    const limited = await world.app({
      limits: { writes_per_minute: 2 },
      publisher: { publish: async () => undefined },
    });
    const post = (token: string) =>
      limited.inject({ method: 'POST', url: '/v1/events', headers: bearer(token), payload: single_events.income });
    expect((await post(tokens.writer)).statusCode).toBe(202);
    expect((await post(tokens.writer)).statusCode).toBe(202);
    const third = await post(tokens.writer);
    expect(third.statusCode).toBe(429);
    expect(third.json().error.code).toBe('KEEL_ERR_API_RATE_LIMITED');
    expect(third.headers['retry-after']).toBeDefined();
    // Another token has its own allowance; reads have theirs (1200 a minute by default).
    expect((await post(tokens.admin)).statusCode).toBe(202);
    for (let index = 0; index < 5; index += 1)
      expect(
        (await limited.inject({ method: 'GET', url: '/v1/lots', headers: bearer(tokens.reader) })).statusCode,
      ).toBe(200);
  });

  it('rate-limits reads per token and route, never health and readiness', async () => {
    const limited = await world.app({ limits: { reads_per_minute: 3 } });
    const read = (url: string, token: string = tokens.reader) =>
      limited.inject({ method: 'GET', url, headers: bearer(token) });
    for (let index = 0; index < 3; index += 1) expect((await read('/v1/lots')).statusCode).toBe(200);
    const fourth = await read('/v1/lots');
    expect(fourth.statusCode).toBe(429);
    expect(fourth.json().error).toMatchObject({
      code: 'KEEL_ERR_API_RATE_LIMITED',
      message: expect.stringMatching(/^at most 3 read requests per minute on this route; retry in \d+ s$/),
    });
    expect(fourth.headers['retry-after']).toBeDefined();
    expect((await read('/v1/disposals')).statusCode).toBe(200);
    expect((await read('/v1/lots', tokens.admin)).statusCode).toBe(200);
    for (let index = 0; index < 5; index += 1)
      expect((await limited.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('answers 503 with a coded error when the event log cannot take the events', async () => {
    const failing = await world.app({ publisher: { publish: async () => Promise.reject(new Error('broker down')) } });
    const response = await failing.inject({
      method: 'POST',
      url: '/v1/events',
      headers: bearer(tokens.writer),
      payload: single_events.income,
    });
    expect(response.statusCode).toBe(503);
    expect(response.json().error.code).toBe('KEEL_ERR_API_PUBLISH_FAILED');
  });
});

describe('GET /v1/audit/verify', () => {
  it('verifies the audit chain the seal appended', async () => {
    const response = await get('/v1/audit/verify');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ ok: true, head: { sequence: body.entries } });
    expect(body.entries).toBeGreaterThanOrEqual(3);
    const anchored = (await get(`/v1/audit/verify?batch_rows=1&anchor=1:${'0'.repeat(64)}`)).json();
    expect(anchored).toMatchObject({ ok: false, first_problem: { sequence: 1, problem: 'anchor_mismatch' } });
    expect((await get('/v1/audit/verify?anchor=x')).json().error.issues[0].path).toBe('query.anchor');
  });
});

describe('GET /metrics', () => {
  it('serves the registry with request metrics labelled by route pattern, never the raw URL', async () => {
    await get(`/v1/trades/${encodeURIComponent(trade_id)}`);
    await get('/v1/trades/nope');
    const response = await get('/metrics', tokens.scraper);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toMatch(/keel_api_requests_total\{route="\/v1\/trades\/:id",method="GET",status="200"\} \d+/);
    expect(response.body).toMatch(/keel_api_requests_total\{route="\/v1\/trades\/:id",method="GET",status="404"\} \d+/);
    expect(response.body).toContain('keel_api_request_duration_seconds_bucket');
    expect(response.body).not.toContain('nope');
    expect(response.body).not.toContain('8812001');
  });
});

describe('GET /docs', () => {
  it('serves the OpenAPI document and the UI to a reader', async () => {
    const spec = await get('/docs/json');
    expect(spec.statusCode).toBe(200);
    expect(Object.keys(spec.json().paths)).toContain('/v1/balances');
    const ui = await get('/docs/');
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
    expect(ui.body).not.toMatch(/https?:\/\/(?!localhost)[\w.-]+\/[\w/.-]*\.(js|css)/);
  });
});

describe('the account catalogue behind /v1/balances', () => {
  it('picks up accounts of events stored after it was first read', async () => {
    expect((await get('/v1/balances?venue=kraken')).json().balances).toEqual([]);
    const deposit = parseEvent({
      ...single_events.deposit,
      id: 'kraken:main:deposit:1',
      venue: 'kraken',
      account: 'main',
      asset: 'ETH',
      amount: '3',
      fee: undefined,
      cost_basis: undefined,
    });
    if (!deposit.ok) throw new Error(JSON.stringify(deposit.issues));
    await postEventLines([{ ok: true, event: deposit.event, line: 1 }], world.ledger, world.registry);
    const client = await world.db.pool.connect();
    try {
      await storeEvents(client, [{ event: deposit.event, source: null }]);
    } finally {
      client.release();
    }
    const rows = (await get('/v1/balances?venue=kraken')).json().balances;
    expect(rows).toEqual([
      { venue: 'kraken', account: 'main', type: 'cash', asset: 'ETH', debits: '3', credits: '0', balance: '3' },
      { venue: 'kraken', account: 'main', type: 'external', asset: 'ETH', debits: '0', credits: '3', balance: '-3' },
    ]);
  });

  it('is bounded: past its limit it answers 503 with a coded error instead of growing', async () => {
    const small = await world.app({ catalogue_options: { accounts_max: 3 } });
    const response = await small.inject({ method: 'GET', url: '/v1/balances', headers: bearer(tokens.reader) });
    expect(response.statusCode).toBe(503);
    expect(response.json().error.code).toBe('KEEL_ERR_API_TOO_MANY_ACCOUNTS');
  });
});
