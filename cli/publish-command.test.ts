import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generateEvents } from '../test/support/event-generator.js';
import { kafkaBrokers, readTopic, testKafka, uniqueTopics } from '../test/support/kafka-test-kit.js';

const run = promisify(execFile);

describe('keel publish (real broker)', () => {
  it('publishes the valid lines keyed by venue account, reports the bad ones, and creates the topics', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-publish-'));
    const input = join(directory, 'events.jsonl');
    const events = [...generateEvents(50, { seed: 9 })];
    writeFileSync(
      input,
      [
        ...events.slice(0, 25).map((event) => JSON.stringify(event)),
        '{"oops"',
        ...events.slice(25).map((event) => JSON.stringify(event)),
      ].join('\n'),
    );
    const topics = uniqueTopics('publish');
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'main.ts'), 'publish', '--input', input],
      {
        env: {
          ...process.env,
          KAFKA_BROKERS: kafkaBrokers().join(','),
          KEEL_EVENTS_TOPIC: topics.events_topic,
          KEEL_DLQ_TOPIC: topics.dlq_topic,
          KEEL_EVENTS_PARTITIONS: '3',
        },
      },
    );
    const report = JSON.parse(stdout);
    // The two known, harmless kafkajs warnings (partitioner change, idempotent retries) are not printed.
    expect(stderr).not.toMatch(/partitioner|Limiting retries/);
    expect(report.events).toEqual({ read: 51, published: 50, rejected: 1 });
    expect(report.rejections).toEqual([{ line: 26, id: null, reason: expect.stringContaining('malformed JSON') }]);

    const messages = await readTopic(testKafka(), topics.events_topic, 50);
    expect(messages.map((message) => JSON.parse(message.value!).id).sort()).toEqual(
      events.map((event) => event.id).sort(),
    );
    for (const message of messages) {
      const event = JSON.parse(message.value!);
      expect(message.key).toBe(`${event.venue}/${event.account}`);
    }
  });
});
