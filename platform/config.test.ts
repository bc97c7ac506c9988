import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('configuration from the environment', () => {
  it('has working defaults: embedded ledger, local Kafka, nothing required', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      ledger: 'embedded',
      data_dir: '.keel',
      kafka: { brokers: ['127.0.0.1:19092'], events_topic: 'keel.events', dlq_topic: 'keel.events.dlq' },
    });
    expect(config.tigerbeetle).toEqual({ replica_addresses: [], cluster_id: 0n, request_timeout_ms: 5_000 });
  });

  it('fails fast listing every problem by variable name', () => {
    let message = '';
    try {
      loadConfig({
        KEEL_LEDGER: 'tigerbeetle',
        TB_CLUSTER_ID: 'x',
        KAFKA_BROKERS: 'nohost',
        KEEL_EVENTS_PARTITIONS: '0',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const variable of ['TB_ADDRESS', 'TB_CLUSTER_ID', 'KAFKA_BROKERS', 'KEEL_EVENTS_PARTITIONS'])
      expect(message).toContain(variable);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ KEEL_LEDGER: '', TB_ADDRESS: '' }).ledger).toBe('embedded');
  });
});
