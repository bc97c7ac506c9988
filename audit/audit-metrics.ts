// The audit consumer's metrics, Prometheus naming, bounded labels (partition numbers only).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type AuditMetrics = ReturnType<typeof createAuditMetrics>;

export function createAuditMetrics(registry: Registry) {
  const registers = [registry];
  return {
    events_stored: new Counter({
      name: 'keel_audit_events_stored_total',
      help: 'Events stored in the audit store for the first time',
      registers,
    }),
    events_duplicate: new Counter({
      name: 'keel_audit_events_duplicate_total',
      help: 'Events already stored (no effect)',
      registers,
    }),
    conflicts: new Counter({
      name: 'keel_audit_conflicts_total',
      help: 'Events repeated with the same id and other content (quarantined)',
      registers,
    }),
    seals: new Counter({
      name: 'keel_audit_seals_total',
      help: 'Seals: lots and trade records recomputed and stored',
      registers,
    }),
    seal_failures: new Counter({
      name: 'keel_audit_seal_failures_total',
      help: 'Seals that failed and were retried',
      registers,
    }),
    records_changed: new Counter({
      name: 'keel_audit_trade_records_changed_total',
      help: 'Trade record versions stored, appended to the audit log and published',
      registers,
    }),
    seal_duration: new Histogram({
      name: 'keel_audit_seal_duration_seconds',
      help: 'Time to recompute and store lots and trade records',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    consumer_lag: new Gauge({
      name: 'keel_audit_consumer_lag_events',
      help: 'Events behind the end of the partition after the last batch',
      labelNames: ['partition'] as const,
      registers,
    }),
  };
}
