// `keel api` as a process: it refuses to start without tokens (exit 2), and with them it listens,
// answers over HTTP, creates the event topic, and stops cleanly on SIGTERM (exit 0); with Kafka
// away it still starts at once and answers writes with 503.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example_events } from '../test/support/example-events.js';
import { kafkaBrokers, testKafka, uniqueTopics, withAdmin } from '../test/support/kafka-test-kit.js';
import { createTestDatabase, type TestDatabase } from '../test/support/postgres-test-kit.js';

const run = promisify(execFile);
const main = join(import.meta.dirname, 'main.ts');
const token = 'cli-test-token-0123456789abcdef';
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ migrated: true });
});

afterAll(async () => {
  await db?.drop();
});

describe('keel api', () => {
  it('is a configuration error (exit 2) without tokens, or with a token under 16 characters', async () => {
    for (const tokens of ['', 'too-short:read']) {
      const failed = await run(process.execPath, ['--import', 'tsx', main, 'api'], {
        env: { ...process.env, KEEL_API_TOKENS: tokens },
      }).catch((error: { code: number; stderr: string }) => error);
      expect('code' in failed && failed.code).toBe(2);
      expect((failed as { stderr: string }).stderr).toContain('KEEL_ERR_CONFIG_INVALID');
      expect((failed as { stderr: string }).stderr).not.toContain('too-short');
    }
  });

  it('listens, answers, and stops cleanly on SIGTERM', { timeout: 60_000 }, async () => {
    const topics = uniqueTopics('api-cli');
    const child = spawn(process.execPath, ['--import', 'tsx', main, 'api'], {
      env: {
        ...process.env,
        KEEL_API_TOKENS: `${token}:read+metrics`,
        KEEL_API_PORT: '0',
        KEEL_DATA_DIR: mkdtempSync(join(tmpdir(), 'keel-api-cli-')),
        DATABASE_URL: db.url,
        KAFKA_BROKERS: kafkaBrokers().join(','),
        KEEL_EVENTS_TOPIC: topics.events_topic,
        KEEL_EVENTS_PARTITIONS: '2',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`keel api did not start: ${stderr}`)), 45_000);
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /"address":"(http:\/\/[^"]+)"/.exec(stderr);
        if (match !== null) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      void exited.then(() => reject(new Error(`keel api exited: ${stderr}`)));
    });
    try {
      expect((await fetch(`${address}/healthz`)).status).toBe(200);
      expect((await fetch(`${address}/readyz`)).status).toBe(200);
      const balances = await fetch(`${address}/v1/balances`, { headers: { authorization: `Bearer ${token}` } });
      expect(await balances.json()).toEqual({ as_of: { kind: 'current' }, balances: [], next_cursor: null });
      expect((await fetch(`${address}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      // The topic is prepared beside the listening server, not before it.
      await waitForLine(child, () => stderr, /"msg":"event topic ready"/);
      expect(await withAdmin(testKafka(), (admin) => admin.listTopics())).toContain(topics.events_topic);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).not.toContain(token);
  });

  it(
    'with Kafka away, listens at once, reports Kafka not ready, and answers a POST with 503',
    { timeout: 90_000 },
    async () => {
      const kafka_port = await closedPort();
      const child = spawn(process.execPath, ['--import', 'tsx', main, 'api'], {
        env: {
          ...process.env,
          KEEL_API_TOKENS: `${token}:read+write`,
          KEEL_API_PORT: '0',
          KEEL_DATA_DIR: mkdtempSync(join(tmpdir(), 'keel-api-cli-')),
          DATABASE_URL: db.url,
          KAFKA_BROKERS: `127.0.0.1:${kafka_port}`,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        const listening = await waitForLine(child, () => stderr, /"address":"(http:\/\/[^"]+)"/);
        // Listening came first: the event topic check was still retrying against the absent broker.
        expect(stderr).not.toContain('could not check the event topic');
        const address = listening[1]!;
        const ready = await fetch(`${address}/readyz`);
        expect(ready.status).toBe(503);
        const body = await ready.text();
        expect(JSON.parse(body)).toMatchObject({
          ready: false,
          checks: { kafka: { ok: false }, postgres: { ok: true } },
        });
        expect(body).not.toContain(String(kafka_port));
        expect((await fetch(`${address}/v1/trades`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(
          200,
        );
        const posted = await fetch(`${address}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(example_events.deposit),
        });
        expect(posted.status).toBe(503);
        expect(((await posted.json()) as { error: { code: string } }).error.code).toBe('KEEL_ERR_API_PUBLISH_FAILED');
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
    },
  );
});

/** The first match of `pattern` in the child's stderr, once it appears; rejects if the child exits first. */
function waitForLine(child: ChildProcess, stderr: () => string, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(stderr());
      if (match === null) return;
      child.stderr?.off('data', check);
      resolve(match);
    };
    child.stderr?.on('data', check);
    child.once('exit', () => reject(new Error(`keel api exited before ${pattern}: ${stderr()}`)));
    check();
  });
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
