// `keel connect` as a user runs it: --replay publishes the recorded sessions into the real broker;
// a live run without an API key stops with a clear coded error that names where keys go.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { kafkaBrokers, readTopic, testKafka, uniqueTopics } from '../support/kafka-test-kit.js';
import { sessions_directory } from './replay-kit.js';

const run = promisify(execFile);
const main = join(import.meta.dirname, '..', '..', 'cli', 'main.ts');

describe('keel connect', () => {
  it('--replay DIR publishes every recorded session into the event topic (real broker)', async () => {
    const topics = uniqueTopics('connect-replay');
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', main, 'connect', '--replay', sessions_directory],
      {
        env: {
          ...process.env,
          KAFKA_BROKERS: kafkaBrokers().join(','),
          KEEL_EVENTS_TOPIC: topics.events_topic,
          KEEL_DLQ_TOPIC: topics.dlq_topic,
          KEEL_EVENTS_PARTITIONS: '2',
        },
      },
    );
    const summary = JSON.parse(stdout);
    expect(summary.recordings).toBe(18);
    expect(summary.events_published).toBeGreaterThan(40);
    expect(summary.dead_letters).toBe(3);
    const messages = await readTopic(testKafka(), topics.events_topic, summary.events_published);
    const ids = messages.map((message) => JSON.parse(message.value!).id);
    expect(new Set(ids).size).toBe(summary.events_published);
    expect(ids).toContain('deribit:main:trade:BTC-26JUN20:47958936');
  });

  it('without an API key: exit 1 and a message that says where keys go, never a stack', async () => {
    const failure = await run(
      process.execPath,
      ['--import', 'tsx', main, 'connect', '--venue', 'bybit', '--account', 'unified-main', '--once'],
      {
        env: { ...process.env, KEEL_CREDENTIALS_FILE: '' },
      },
    ).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toContain(
      'KEEL_ERR_CONNECTOR_CREDENTIALS_MISSING: no API key for bybit/unified-main: set KEEL_BYBIT_UNIFIED_MAIN_API_KEY',
    );
  });

  it('an unknown venue is refused with a coded error naming the venues', async () => {
    const failure = await run(
      process.execPath,
      ['--import', 'tsx', main, 'connect', '--venue', 'mtgox', '--account', 'a'],
      { env: process.env },
    ).catch((error: { code: number; stderr: string }) => error);
    expect((failure as { stderr: string }).stderr).toContain('KEEL_ERR_CONNECTOR_VENUE_UNKNOWN');
    expect((failure as { stderr: string }).stderr).toContain(
      'binance, binanceusdm, bybit, okx, kraken, coinbase, deribit',
    );
  });
});
