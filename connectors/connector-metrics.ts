// The connectors' Prometheus metrics. Label values are bounded: venues come from the venue
// registry, streams from the four stream names, error kinds from a fixed list; never an id or a symbol.
import { Counter, type Registry } from 'prom-client';

export type ConnectorErrorKind = 'network' | 'rate_limit' | 'outage' | 'credentials' | 'exchange' | 'other';

export type ConnectorMetrics = {
  events_fetched: Counter<'venue' | 'stream'>;
  events_published: Counter<'venue' | 'stream'>;
  records_skipped: Counter<'venue' | 'stream'>;
  records_dead_lettered: Counter<'venue' | 'stream'>;
  errors: Counter<'venue' | 'stream' | 'kind'>;
  reconciliation_mismatches: Counter<'venue'>;
};

export function createConnectorMetrics(registry: Registry): ConnectorMetrics {
  const counter = <T extends string>(name: string, help: string, labelNames: readonly T[]) =>
    new Counter<T>({ name, help, labelNames, registers: [registry] });
  return {
    events_fetched: counter(
      'keel_connector_records_fetched_total',
      'Records read from venues (fills, funding rows, ledger rows, transfers)',
      ['venue', 'stream'],
    ),
    events_published: counter('keel_connector_events_published_total', 'Canonical events acknowledged by Kafka', [
      'venue',
      'stream',
    ]),
    records_skipped: counter(
      'keel_connector_records_skipped_total',
      'Records carried by another stream, or that moved nothing',
      ['venue', 'stream'],
    ),
    records_dead_lettered: counter(
      'keel_connector_records_dead_lettered_total',
      'Records that could not be normalised, sent to the DLQ',
      ['venue', 'stream'],
    ),
    errors: counter('keel_connector_errors_total', 'Failed venue requests, by kind', ['venue', 'stream', 'kind']),
    reconciliation_mismatches: counter(
      'keel_reconciliation_mismatches_total',
      'Assets whose ledger cash differs from the venue balance (I7)',
      ['venue'],
    ),
  };
}
