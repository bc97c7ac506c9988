// The API at its edges, as a hostile caller or an unlucky operator would meet it: tokens in query
// strings kept out of the log; malformed URLs answered only after authentication; NUL in ids and
// paths out of the docs folder as 4xx, never 500; PostgreSQL and Kafka away as quick coded 503s;
// readiness that names a failed dependency without its internals; repeated query parameters; and
// amounts the engine could not post refused at the door. Real PostgreSQL, Kafka and sockets.
import { request as httpRequest } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiApp } from '../../api/build-app.js';
import { KafkaEventPublisher } from '../../api/kafka-publisher.js';
import { kafkaReadiness, postgresReadiness } from '../../api/readiness.js';
import { createPool } from '../../platform/postgres.js';
import { example_events as single_events } from '../support/example-events.js';
import { bearer, createApiWorld, tokens, type ApiWorld } from './api-test-kit.js';

let world: ApiWorld;
let app: ApiApp;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  world = await createApiWorld();
  app = await world.app();
}, 120_000);

afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
  await world?.close();
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A GET with the path sent exactly as given (fetch and inject would resolve `..` first). */
function rawGet(
  address: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const url = new URL(address);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: url.hostname, port: url.port, path, headers }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('logging', () => {
  it('never writes a query string to the log: a token there stays out', async () => {
    const secret = 'query-token-0123456789abcdef';
    await app.inject({ method: 'GET', url: `/v1/balances?access_token=${secret}`, headers: bearer(tokens.reader) });
    await app.inject({ method: 'GET', url: `/v1/balances?access_token=${secret}` });
    await app.inject({ method: 'GET', url: `/no/such/route?access_token=${secret}`, headers: bearer(tokens.reader) });
    await app.inject({
      method: 'GET',
      url: `/v1/trades/%E0%A4%A?access_token=${secret}`,
      headers: bearer(tokens.reader),
    });
    const text = world.logs.join('');
    expect(text).toContain('"url":"/v1/balances?[redacted]"');
    expect(text).not.toContain(secret);
  });
});

describe('malformed URLs', () => {
  const long_id = 'x'.repeat(2_000);

  it('answer a stranger 401, never a Fastify-shaped 400 or 414', async () => {
    for (const url of ['/v1/trades/%E0%A4%A', `/v1/trades/${long_id}`]) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(401);
      expect(response.json().error.code).toBe('KEEL_ERR_API_UNAUTHORIZED');
      expect(response.body).not.toContain('FST_ERR');
    }
  });

  it('answer an authenticated caller with coded errors', async () => {
    const bad_encoding = await app.inject({
      method: 'GET',
      url: '/v1/trades/%E0%A4%A',
      headers: bearer(tokens.reader),
    });
    expect(bad_encoding.statusCode).toBe(400);
    expect(bad_encoding.json().error).toMatchObject({
      code: 'KEEL_ERR_API_VALIDATION',
      issues: [{ path: 'url', message: 'bad percent-encoding' }],
    });
    const too_long = await app.inject({ method: 'GET', url: `/v1/trades/${long_id}`, headers: bearer(tokens.reader) });
    expect(too_long.statusCode).toBe(414);
    expect(too_long.json().error.code).toBe('KEEL_ERR_API_URI_TOO_LONG');
  });

  it('refuse NUL and lone surrogates in ids, query values and cursors with 400 naming the field', async () => {
    const cases = [
      ['/v1/trades/%00', 'params.id'],
      ['/v1/trades/a%00b/explanation', 'params.id'],
      ['/v1/lots?asset=BTC%00', 'query.asset'],
      [
        `/v1/trades?cursor=${Buffer.from(JSON.stringify(['2024-01-01T00:00:00.000Z', 'x\u0000'])).toString('base64url')}`,
        'query.cursor',
      ],
      [
        `/v1/lots?cursor=${Buffer.from('["2024-01-01T00:00:00.000Z", "\\ud800"]').toString('base64url')}`,
        'query.cursor',
      ],
    ] as const;
    for (const [url, path] of cases) {
      const response = await app.inject({ method: 'GET', url, headers: bearer(tokens.reader) });
      expect(response.statusCode, url).toBe(400);
      expect(response.json().error.issues, url).toEqual([expect.objectContaining({ path })]);
    }
  });

  it('refuse a path out of the documentation folder with 404, not 500', async () => {
    const address = await (await world.app()).listen({ host: '127.0.0.1', port: 0 });
    for (const path of ['/docs/static/../../package.json', '/docs/static/%2e%2e/%2e%2e/package.json']) {
      const response = await rawGet(address, path, bearer(tokens.reader));
      expect(response.status, path).toBe(404);
      expect(JSON.parse(response.body).error.code).toBe('KEEL_ERR_API_NOT_FOUND');
      expect(response.body).not.toContain('"name":"keel"');
    }
  });

  it('name a query parameter given twice, instead of "received NaN"', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/trades?limit=1&limit=2',
      headers: bearer(tokens.reader),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.issues).toEqual([{ path: 'query.limit', message: 'given 2 times; give it once' }]);
  });
});

describe('dependencies away', () => {
  it('answers reads with 503 KEEL_ERR_API_STORE_UNAVAILABLE when PostgreSQL does not answer', async () => {
    const pool = createPool(`postgres://keel@127.0.0.1:${await closedPort()}/keel`, {
      max_connections: 1,
      connection_timeout_ms: 1_000,
    });
    cleanup.push(() => pool.end());
    const store_down = await world.app({ pool });
    for (const url of [
      '/v1/trades',
      '/v1/trades/binance:spot-main:order:8812001',
      '/v1/lots',
      '/v1/disposals',
      '/v1/audit/verify',
    ]) {
      const response = await store_down.inject({ method: 'GET', url, headers: bearer(tokens.reader) });
      expect(response.statusCode, url).toBe(503);
      expect(response.json().error.code, url).toBe('KEEL_ERR_API_STORE_UNAVAILABLE');
    }
  });

  it('answers a POST with 503 within its bound when Kafka takes the connection but never answers', async () => {
    // A broker that accepts connections and never replies: the client would wait and retry for long.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const port = (silent.address() as { port: number }).port;
    const kafka = new Kafka({
      clientId: 'keel-silent-test',
      brokers: [`127.0.0.1:${port}`],
      logLevel: logLevel.NOTHING,
    });
    const publisher = new KafkaEventPublisher(kafka, world.topics.events_topic);
    cleanup.push(() => publisher.close().catch(() => undefined));
    cleanup.push(() => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => silent.close(resolve));
    });
    const kafka_down = await world.app({ publisher, limits: { publish_timeout_ms: 300 } });
    const response = await kafka_down.inject({
      method: 'POST',
      url: '/v1/events',
      headers: bearer(tokens.writer),
      payload: single_events.deposit,
    });
    expect(response.statusCode).toBe(503);
    expect(response.json().error.code).toBe('KEEL_ERR_API_PUBLISH_FAILED');
  });

  it('says on /readyz which dependency is down by name only: no address, no driver message', async () => {
    const pg_port = await closedPort();
    const kafka_port = await closedPort();
    const pool = createPool(`postgres://keel@127.0.0.1:${pg_port}/keel`, {
      max_connections: 1,
      connection_timeout_ms: 1_000,
    });
    cleanup.push(() => pool.end());
    const kafka = new Kafka({
      clientId: 'keel-readyz-edges',
      brokers: [`127.0.0.1:${kafka_port}`],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 500,
      retry: { retries: 0 },
    });
    const admin = kafka.admin();
    cleanup.push(() => admin.disconnect());
    const deps = world.deps();
    const down = await world.app({
      readiness: [deps.readiness[0]!, kafkaReadiness(admin), postgresReadiness(pool)],
      limits: { readiness_timeout_ms: 3_000 },
    });
    const response = await down.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      ready: false,
      checks: {
        ledger: { ok: true, latency_ms: expect.any(Number) },
        kafka: { ok: false, latency_ms: expect.any(Number) },
        postgres: { ok: false, latency_ms: expect.any(Number) },
      },
    });
    for (const internal of ['127.0.0.1', String(pg_port), String(kafka_port), 'ECONNREFUSED'])
      expect(response.body).not.toContain(internal);
    // The operator still learns why, from the log.
    expect(world.logs.join('')).toContain('not ready: kafka, postgres not answering');
  });
});

describe('POST /v1/events against the asset registry', () => {
  it('answers 400 for amounts finer than the scale or beyond u128, with the path of each, and publishes nothing', async () => {
    const published: unknown[] = [];
    const spy_app = await world.app({ publisher: { publish: async (events) => void published.push(...events) } });
    const payload = [
      single_events.withdrawal,
      { ...single_events.income, id: 'edges:fine', amount: '0.000000001' },
      { ...single_events.trade, id: 'edges:big', cost: '1'.padEnd(40, '0') },
      {
        ...single_events.trade,
        id: 'edges:fee',
        fees: [
          { asset: 'USDT', amount: '1' },
          { asset: 'BNB', amount: '0.1234567891' },
        ],
      },
    ];
    const response = await spy_app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: bearer(tokens.writer),
      payload,
    });
    expect(response.statusCode).toBe(400);
    const error = response.json().error;
    expect(error.message).toBe('3 of 4 events invalid; nothing was published');
    expect(error.issues.map((issue: { path: string }) => issue.path)).toEqual([
      '[1].amount',
      '[2].cost',
      '[3].fees.1.amount',
    ]);
    expect(published).toEqual([]);
  });
});
