import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createEngineMetrics } from '../engine/engine-metrics.js';
import { createMetricsRegistry, startMetricsServer } from './metrics.js';

describe('metrics endpoint', () => {
  it('serves the registry in Prometheus text format on GET /metrics, and 404 elsewhere', async () => {
    const registry = createMetricsRegistry();
    const metrics = createEngineMetrics(registry);
    metrics.events_consumed.inc(3);
    metrics.events_dead_lettered.inc({ reason: 'conflict' });
    const server = await startMetricsServer(registry, '127.0.0.1', 0);
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const response = await fetch(`${base}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      expect(text).toContain('keel_engine_events_consumed_total 3');
      expect(text).toContain('keel_engine_events_dead_lettered_total{reason="conflict"} 1');
      expect(text).toContain('process_cpu_seconds_total');
      expect((await fetch(`${base}/other`)).status).toBe(404);
    } finally {
      server.close();
    }
  });
});
