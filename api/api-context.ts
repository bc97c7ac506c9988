// What the routes are given: the composition root's dependencies (build-app.ts) with the limits
// filled in from their defaults, the trade PDF renderer chosen, and the one account catalogue the
// routes share (it refreshes itself from the audit store as events arrive).
import type { KeelEvent } from '../engine/event-schema.js';
import type { AssetRegistry } from '../ledger/asset-registry.js';
import type { Ledger } from '../ledger/ledger-port.js';
import type { Logger } from '../platform/logger.js';
import type { Pool } from '../platform/postgres.js';
import type { ApiToken, Config } from '../platform/config.js';
import type { Registry } from 'prom-client';
import type { AccountCatalogue, CatalogueOptions } from './account-catalogue.js';
import type { ReadinessCheck } from './readiness.js';
import type { TradePdfRenderer } from './trade-pdf.js';

/** Where accepted events go: `keel.events` through Kafka in production (api/kafka-publisher.ts). */
export type EventPublisher = { publish(events: readonly KeelEvent[]): Promise<void> };

export type ApiLimits = {
  /** Largest request body accepted on writes (default 1 MiB). */
  body_limit_bytes: number;
  /** Write requests per token per minute (default 120). */
  writes_per_minute: number;
  /** Requests per token per minute on each read route, metrics included (default 1200). */
  reads_per_minute: number;
  /** Events in one POST /v1/events (default 1000). */
  events_per_request_max: number;
  /** Bound on each readiness check (default 2000 ms). */
  readiness_timeout_ms: number;
  /** Bound on publishing one request's events (default 5000 ms): past it the client gets 503 and may retry. */
  publish_timeout_ms: number;
};

export type ApiDeps = {
  ledger: Ledger;
  /** The audit store (PostgreSQL). */
  pool: Pool;
  publisher: EventPublisher;
  registry: AssetRegistry;
  tokens: readonly ApiToken[];
  metrics: Registry;
  logger: Logger;
  /** What /readyz checks: see readiness.ts for the ledger, Kafka and PostgreSQL checks. */
  readiness: readonly ReadinessCheck[];
  /** Renders the one-page trade explanation PDF: default reports/trade-explanation-pdf.ts (see trade-pdf.ts); `null` answers PDF with 406. */
  render_trade_pdf?: TradePdfRenderer | null;
  limits?: Partial<ApiLimits>;
  catalogue_options?: CatalogueOptions;
};

export type ApiContext = Omit<ApiDeps, 'limits' | 'catalogue_options'> & {
  limits: ApiLimits;
  catalogue: AccountCatalogue;
};

export const api_limit_defaults: ApiLimits = {
  body_limit_bytes: 1024 * 1024,
  writes_per_minute: 120,
  reads_per_minute: 1_200,
  events_per_request_max: 1_000,
  readiness_timeout_ms: 2_000,
  publish_timeout_ms: 5_000,
};

/** The limits configured by KEEL_API_* settings: `keel api` and `keel demo --serve` serve with the same ones. */
export function configuredApiLimits(config: Pick<Config, 'api'>): Partial<ApiLimits> {
  return {
    body_limit_bytes: config.api.body_limit_bytes,
    writes_per_minute: config.api.writes_per_minute,
    reads_per_minute: config.api.reads_per_minute,
  };
}
