// Issue 16, items 1, 2 and 8 through files: poison lines in the middle of the example day. Each once
// made `keel post`, `keel lots`, `keel explain` or `keel publish` exit 1 (validation threw, or canonical
// JSON overflowed the stack); now each is listed with its line and reason, and the rest is processed
// exactly as if the poison were not there.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kafkaBrokers, readTopic, testKafka, uniqueTopics } from '../test/support/kafka-test-kit.js';
import { poisonEvents } from '../test/support/poison-events.js';
import { runKeel } from '../test/support/run-keel.js';

const examples_path = join(import.meta.dirname, '..', 'examples', 'events.jsonl');
const example_lines = readFileSync(examples_path, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '');
const poison = poisonEvents();
/** Poison starts at this line, after that many example lines. */
const poison_first_line = 10;

function poisonedFile(): string {
  const directory = mkdtempSync(join(tmpdir(), 'keel-poison-'));
  const input = join(directory, 'events.jsonl');
  const before = example_lines.slice(0, poison_first_line - 1);
  writeFileSync(
    input,
    [...before, ...poison.map((item) => item.text), ...example_lines.slice(poison_first_line - 1)].join('\n'),
  );
  return input;
}

const expected_rejections = poison.map((item, index) => ({
  line: poison_first_line + index,
  id: item.id,
  reason: expect.stringContaining(`${item.path}: `),
}));

/** The file commands that need no servers run without their settings. */
function keelOffline(args: string[], env: Record<string, string> = {}) {
  return runKeel(args, { DATABASE_URL: undefined, KAFKA_BROKERS: undefined, ...env });
}

describe('poison lines in event files', () => {
  it('keel post lists each poison line with its reason and posts the rest as if it were not there', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-poison-post-'));
    const poisoned = await keelOffline(['post', '--input', poisonedFile()], {
      KEEL_DATA_DIR: join(directory, 'poisoned'),
    });
    expect(poisoned.code, poisoned.stderr).toBe(0);
    const clean = await keelOffline(['post', '--input', examples_path], { KEEL_DATA_DIR: join(directory, 'clean') });
    const [poisoned_report, clean_report] = [JSON.parse(poisoned.stdout), JSON.parse(clean.stdout)];
    expect(poisoned_report.rejections).toEqual(expected_rejections);
    expect(poisoned_report.events).toEqual({
      ...clean_report.events,
      read: clean_report.events.read + poison.length,
      rejected: poison.length,
    });
    expect(poisoned_report.accounts).toEqual(clean_report.accounts);
  });

  it('keel lots and keel explain skip the poison lines and compute the same lots and records', async () => {
    const input = poisonedFile();
    const [lots, clean_lots] = await Promise.all([
      keelOffline(['lots', '--input', input]),
      keelOffline(['lots', '--input', examples_path]),
    ]);
    expect(lots.code, lots.stderr).toBe(0);
    const report = JSON.parse(lots.stdout);
    expect(report.rejections).toEqual(expected_rejections);
    expect({ ...report, rejections: [] }).toEqual(JSON.parse(clean_lots.stdout));

    const [explain, clean_explain] = await Promise.all([
      keelOffline(['explain', '--input', input, '--format', 'json']),
      keelOffline(['explain', '--input', examples_path, '--format', 'json']),
    ]);
    expect(explain.code, explain.stderr).toBe(0);
    expect(explain.stdout).toBe(clean_explain.stdout);
  });

  it('keel publish (real broker) lists each poison line and publishes every valid line', async () => {
    const topics = uniqueTopics('publish-poison');
    const result = await runKeel(['publish', '--input', poisonedFile()], {
      KAFKA_BROKERS: kafkaBrokers().join(','),
      KEEL_EVENTS_TOPIC: topics.events_topic,
      KEEL_DLQ_TOPIC: topics.dlq_topic,
      KEEL_EVENTS_PARTITIONS: '1',
    });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.events).toEqual({
      read: example_lines.length + poison.length,
      published: example_lines.length,
      rejected: poison.length,
    });
    expect(report.rejections).toEqual(expected_rejections);
    const messages = await readTopic(testKafka(), topics.events_topic, example_lines.length);
    expect(messages.map((message) => JSON.parse(message.value!).id)).toEqual(
      example_lines.map((line) => JSON.parse(line).id),
    );
  });
});
