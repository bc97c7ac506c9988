// HTTP request metrics: a counter and a duration histogram per route pattern (`/v1/trades/:id`,
// never the raw URL, so ids and query strings cannot blow up the label set), method and status.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';

const label_names = ['route', 'method', 'status'] as const;
type Labels = (typeof label_names)[number];

export type HttpMetrics = { requests: Counter<Labels>; duration_seconds: Histogram<Labels> };

export function createHttpMetrics(registry: Registry): HttpMetrics {
  // The same registry may serve several apps in one process (tests): share the metrics then.
  const requests =
    (registry.getSingleMetric('keel_api_requests_total') as Counter<Labels> | undefined) ??
    new Counter({
      name: 'keel_api_requests_total',
      help: 'HTTP requests answered by the API',
      labelNames: label_names,
      registers: [registry],
    });
  const duration_seconds =
    (registry.getSingleMetric('keel_api_request_duration_seconds') as Histogram<Labels> | undefined) ??
    new Histogram({
      name: 'keel_api_request_duration_seconds',
      help: 'Time to answer an API request',
      labelNames: label_names,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  return { requests, duration_seconds };
}

export function httpMetricsHook(metrics: HttpMetrics) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    // An unmatched URL has no pattern: all of them share one label.
    const labels = {
      route: request.routeOptions.url ?? 'unmatched',
      method: request.method,
      status: String(reply.statusCode),
    };
    metrics.requests.inc(labels);
    metrics.duration_seconds.observe(labels, reply.elapsedTime / 1000);
  };
}
