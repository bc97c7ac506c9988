// /readyz against real and unreachable dependencies: a closed port for PostgreSQL and for Kafka, a
// closed ledger; each failure is named (its reason goes to the log), within the bound, and /healthz stays up.
import { createServer, type Server } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaReadiness, ledgerReadiness, postgresReadiness, runReadinessChecks } from '../../api/readiness.js';
import { EmbeddedLedger } from '../../ledger/embedded-ledger.js';
import { createPool } from '../../platform/postgres.js';
import { createApiWorld, type ApiWorld } from './api-test-kit.js';

let world: ApiWorld;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  world = await createApiWorld([]);
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

describe('GET /readyz', () => {
  it('is 200 when the ledger, Kafka and PostgreSQL answer', async () => {
    const app = await world.app();
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(Object.keys(response.json().checks).sort()).toEqual(['kafka', 'ledger', 'postgres']);
  });

  it('is 503 naming each dependency that does not answer, while /healthz stays 200', async () => {
    const pg_port = await closedPort();
    const kafka_port = await closedPort();
    const pool = createPool(`postgres://keel@127.0.0.1:${pg_port}/keel`, {
      max_connections: 1,
      connection_timeout_ms: 1_000,
    });
    cleanup.push(() => pool.end());
    const kafka = new Kafka({
      clientId: 'keel-readyz-test',
      brokers: [`127.0.0.1:${kafka_port}`],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 500,
      retry: { retries: 0 },
    });
    const admin = kafka.admin();
    cleanup.push(() => admin.disconnect());
    const ledger = new EmbeddedLedger();
    await ledger.close();
    const app = await world.app({
      readiness: [ledgerReadiness(ledger), kafkaReadiness(admin), postgresReadiness(pool)],
      limits: { readiness_timeout_ms: 3_000 },
    });
    const started_ms = Date.now();
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(Date.now() - started_ms).toBeLessThan(5_000);
    expect(response.statusCode).toBe(503);
    const body = response.json();
    expect(body.ready).toBe(false);
    for (const name of ['ledger', 'kafka', 'postgres']) {
      expect(body.checks[name], name).toEqual({ ok: false, latency_ms: expect.any(Number) });
    }
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('fails one dependency alone, the others stay ok', async () => {
    const pg_port = await closedPort();
    const pool = createPool(`postgres://keel@127.0.0.1:${pg_port}/keel`, {
      max_connections: 1,
      connection_timeout_ms: 1_000,
    });
    cleanup.push(() => pool.end());
    const deps = world.deps();
    const app = await world.app({ readiness: [deps.readiness[0]!, deps.readiness[1]!, postgresReadiness(pool)] });
    const body = (await app.inject({ method: 'GET', url: '/readyz' })).json();
    expect(body).toMatchObject({
      ready: false,
      checks: { ledger: { ok: true }, kafka: { ok: true }, postgres: { ok: false } },
    });
  });

  it('bounds a check that never answers', async () => {
    const results = await runReadinessChecks([{ name: 'stuck', check: () => new Promise(() => undefined) }], 100);
    expect(results.stuck).toMatchObject({ ok: false, error: 'no answer within 100 ms' });
  });
});
