// `keel engine` and `keel audit` as processes, for what an operator reads in their logs: the metrics
// address they really got (KEEL_METRICS_PORT=0 picks a free port), and a line when SIGTERM stops them.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopics, kafkaBrokers, testKafka, uniqueTopics } from '../test/support/kafka-test-kit.js';
import { createTestDatabase, type TestDatabase } from '../test/support/postgres-test-kit.js';

const main = join(import.meta.dirname, 'main.ts');
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

type Run = {
  stderr: () => string;
  waitFor: (pattern: RegExp) => Promise<RegExpExecArray>;
  stop: () => Promise<number | null>;
};

/** Starts `keel <command>`; `waitFor` resolves with the first stderr match, `stop` sends SIGTERM and gives the exit code. */
function start(command: string, env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', main, command], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    stderr: () => stderr,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stderr);
          if (match !== null) resolve(match);
        };
        child.stderr.on('data', check);
        void exited.then(() => reject(new Error(`keel ${command} exited before ${pattern}:\n${stderr}`)));
        check();
      }),
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('service commands', () => {
  it('keel engine logs the metrics address it got, not port 0', { timeout: 90_000 }, async () => {
    const topics = uniqueTopics('engine-log');
    await createTopics(testKafka(), topics, 1);
    const engine = start('engine', {
      KAFKA_BROKERS: kafkaBrokers().join(','),
      KEEL_EVENTS_TOPIC: topics.events_topic,
      KEEL_DLQ_TOPIC: topics.dlq_topic,
      KEEL_ENGINE_GROUP: topics.group_id,
      KEEL_EVENTS_PARTITIONS: '1',
      KEEL_DATA_DIR: mkdtempSync(join(tmpdir(), 'keel-engine-log-')),
      KEEL_METRICS_PORT: '0',
    });
    try {
      const [, url, port] = await engine.waitFor(
        /"metrics":"(http:\/\/127\.0\.0\.1:(\d+)\/metrics)"[^\n]*keel engine starting/,
      );
      expect(Number(port)).toBeGreaterThan(0);
      expect((await fetch(url!)).status).toBe(200);
    } finally {
      expect(await engine.stop()).toBe(0);
    }
  });

  it('keel audit says when it starts and when SIGTERM stops it', { timeout: 90_000 }, async () => {
    const topics = uniqueTopics('audit-log');
    await createTopics(testKafka(), topics, 1);
    const audit = start('audit', {
      KAFKA_BROKERS: kafkaBrokers().join(','),
      KEEL_EVENTS_TOPIC: topics.events_topic,
      KEEL_AUDIT_GROUP: topics.group_id,
      KEEL_TRADE_RECORDS_TOPIC: `${topics.events_topic}.records`,
      DATABASE_URL: db.url,
      KEEL_METRICS_PORT: '0',
    });
    await audit.waitFor(/"metrics":"http:\/\/127\.0\.0\.1:[1-9]\d*\/metrics"[^\n]*keel audit starting/);
    expect(await audit.stop()).toBe(0);
    expect(audit.stderr()).toMatch(/"signal":"SIGTERM"[^\n]*stopping: finishing the batch in flight/);
    expect(audit.stderr()).toContain('keel audit stopped');
  });
});
