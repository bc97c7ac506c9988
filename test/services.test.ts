// The real services the project's scripts start (scripts/services.sh, run by test/global-setup.ts
// or by CI before the tests) answer through the production drivers.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { publish, readTopic, testKafka, uniqueTopics, createTopics } from './support/kafka-test-kit.js';

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (url === undefined || url === '')
    throw new Error('DATABASE_URL is not set: start PostgreSQL with `bash scripts/services.sh start`');
  return url;
}

describe('services started by the project scripts', () => {
  it('Kafka: a topic can be created, written and read back', async () => {
    const kafka = testKafka();
    const topics = uniqueTopics('smoke');
    await createTopics(kafka, topics, 1);
    await publish(kafka, topics.events_topic, [{ key: 'k', value: 'hello' }]);
    expect(await readTopic(kafka, topics.events_topic, 1)).toEqual([{ key: 'k', value: 'hello', offset: '0' }]);
  });

  it('PostgreSQL: the keel database answers on a real connection', async () => {
    const client = new pg.Client({ connectionString: databaseUrl(), connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      const result = await client.query<{ database: string; answer: number }>(
        'select current_database() as database, 1 as answer',
      );
      expect(result.rows).toEqual([{ database: 'keel', answer: 1 }]);
    } finally {
      await client.end();
    }
  });
});
