// A world for API tests: a migrated test database holding the example events, sealed (lots, trade
// records, audit log); an embedded ledger with the same events posted; a real Kafka topic behind
// the publisher; and tokens of every scope. Logs are captured, to check what they never contain.
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildApp, type ApiApp } from '../../api/build-app.js';
import type { ApiDeps } from '../../api/api-context.js';
import { KafkaEventPublisher } from '../../api/kafka-publisher.js';
import { kafkaReadiness, ledgerReadiness, postgresReadiness } from '../../api/readiness.js';
import { seal } from '../../audit/audit-seal.js';
import { storeEvents } from '../../audit/audit-store.js';
import type { KeelEvent } from '../../engine/event-schema.js';
import { postEventLines } from '../../engine/post-events.js';
import { AssetRegistry } from '../../ledger/asset-registry.js';
import { EmbeddedLedger } from '../../ledger/embedded-ledger.js';
import type { ApiToken } from '../../platform/config.js';
import { createTopics, testKafka, uniqueTopics, type TestTopics } from '../support/kafka-test-kit.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres-test-kit.js';
import { readValidEventFile } from '../../engine/event-file.js';

export const tokens = {
  reader: 'reader-token-0123456789abcdef',
  writer: 'writer-token-0123456789abcdef',
  scraper: 'scraper-token-0123456789abcdef',
  admin: 'admin-token-0123456789abcdef',
} as const;

export const api_tokens: ApiToken[] = [
  { name: 'reader', token: tokens.reader, scopes: ['read'] },
  { name: 'writer', token: tokens.writer, scopes: ['write'] },
  { name: 'scraper', token: tokens.scraper, scopes: ['metrics'] },
  { name: 'admin', token: tokens.admin, scopes: ['read', 'write', 'metrics'] },
];

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

export const example_events: KeelEvent[] = await readValidEventFile(
  join(import.meta.dirname, '..', '..', 'examples', 'events.jsonl'),
);

export type ApiWorld = {
  db: TestDatabase;
  ledger: EmbeddedLedger;
  registry: AssetRegistry;
  topics: TestTopics;
  publisher: KafkaEventPublisher;
  /** Ledger timestamps (ns) just before and just after the events were posted. */
  posted_between_ns: { before: bigint; after: bigint };
  logs: string[];
  deps(overrides?: Partial<ApiDeps>): ApiDeps;
  app(overrides?: Partial<ApiDeps>): Promise<ApiApp>;
  close(): Promise<void>;
};

export async function createApiWorld(events: readonly KeelEvent[] = example_events): Promise<ApiWorld> {
  const db = await createTestDatabase({ migrated: true });
  const registry = new AssetRegistry();
  const ledger = new EmbeddedLedger();
  const before = now_ns();
  const report = await postEventLines(
    events.map((event, index) => ({ ok: true as const, event, line: index + 1 })),
    ledger,
    registry,
  );
  if (report.events.rejected > 0) throw new Error(`test events rejected: ${JSON.stringify(report.rejections)}`);
  const after = now_ns();
  const client = await db.pool.connect();
  try {
    await storeEvents(
      client,
      events.map((event) => ({ event, source: null })),
    );
    await seal(client, registry, {});
  } finally {
    client.release();
  }
  const kafka = testKafka();
  const topics = uniqueTopics('api');
  await createTopics(kafka, topics, 3);
  const publisher = new KafkaEventPublisher(kafka, topics.events_topic);
  const admin = kafka.admin();
  const logs: string[] = [];
  const log_stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const apps: ApiApp[] = [];
  const deps = (overrides: Partial<ApiDeps> = {}): ApiDeps => ({
    ledger,
    pool: db.pool,
    publisher,
    registry,
    tokens: api_tokens,
    metrics: new Registry(),
    logger: pino({ level: 'info' }, log_stream),
    readiness: [ledgerReadiness(ledger), kafkaReadiness(admin), postgresReadiness(db.pool)],
    ...overrides,
  });
  return {
    db,
    ledger,
    registry,
    topics,
    publisher,
    posted_between_ns: { before, after },
    logs,
    deps,
    app: async (overrides = {}) => {
      const app = await buildApp(deps(overrides));
      apps.push(app);
      await app.ready();
      return app;
    },
    close: async () => {
      for (const app of apps) await app.close();
      await publisher.close();
      await admin.disconnect();
      await ledger.close();
      await db.drop();
    },
  };
}

function now_ns(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
