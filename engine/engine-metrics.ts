// The posting engine's metrics, Prometheus naming: base units, `_total` for counters, and labels
// with a small fixed set of values only (never an event id or an account).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type EngineMetrics = ReturnType<typeof createEngineMetrics>;

export function createEngineMetrics(registry: Registry) {
  const registers = [registry];
  return {
    events_consumed: new Counter({
      name: 'keel_engine_events_consumed_total',
      help: 'Events read from the event topic',
      registers,
    }),
    events_posted: new Counter({
      name: 'keel_engine_events_posted_total',
      help: 'Events whose transfers were created',
      registers,
    }),
    events_duplicate: new Counter({
      name: 'keel_engine_events_duplicate_total',
      help: 'Events already posted before (no effect)',
      registers,
    }),
    events_without_transfers: new Counter({
      name: 'keel_engine_events_without_transfers_total',
      help: 'Valid events that move no money',
      registers,
    }),
    events_dead_lettered: new Counter({
      name: 'keel_engine_events_dead_lettered_total',
      help: 'Events sent to the dead-letter topic, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    conflicts: new Counter({
      name: 'keel_engine_conflicts_total',
      help: 'Events re-delivered with the same id and different content',
      registers,
    }),
    transfers_created: new Counter({
      name: 'keel_engine_transfers_created_total',
      help: 'Ledger transfers created',
      registers,
    }),
    batch_size: new Histogram({
      name: 'keel_engine_batch_events',
      help: 'Events per consumed batch',
      buckets: [1, 10, 50, 100, 500, 1000, 2000, 5000, 10000],
      registers,
    }),
    batch_duration: new Histogram({
      name: 'keel_engine_batch_duration_seconds',
      help: 'Time to decode, post and commit one batch',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    ledger_latency: new Histogram({
      name: 'keel_engine_ledger_request_duration_seconds',
      help: 'Latency of ledger requests made by the engine',
      labelNames: ['operation'] as const,
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    }),
    ledger_available: new Gauge({
      name: 'keel_engine_ledger_available',
      help: '1 while the ledger answers, 0 while the engine waits for it',
      registers,
    }),
    consumer_lag: new Gauge({
      name: 'keel_engine_consumer_lag_events',
      help: 'Events behind the end of the partition after the last batch',
      labelNames: ['partition'] as const,
      registers,
    }),
  };
}
