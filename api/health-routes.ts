// GET /healthz (the process answers) and GET /readyz (the ledger, Kafka and PostgreSQL answer,
// each within a bound): the two routes that need no token, for load balancers and orchestrators.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiContext } from './api-context.js';
import { runReadinessChecks } from './readiness.js';

// The public answer names a failed dependency only: its error text (an internal address, a driver
// message) goes to the log, never to an unauthenticated caller.
const check_result = z.object({ ok: z.boolean(), latency_ms: z.number() });
const readiness_schema = z
  .object({ ready: z.boolean(), checks: z.record(z.string(), check_result) })
  .meta({ id: 'Readiness' });

export const healthRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, context) => {
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Liveness',
        tags: ['operations'],
        security: [],
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Readiness: ledger, Kafka and PostgreSQL reachable',
        description:
          '503 when any of them does not answer within the bound; the body says which (the server log says why).',
        tags: ['operations'],
        security: [],
        response: { 200: readiness_schema, 503: readiness_schema },
      },
    },
    async (request, reply) => {
      const results = await runReadinessChecks(context.readiness, context.limits.readiness_timeout_ms);
      const failed = Object.entries(results).filter(([, result]) => !result.ok);
      if (failed.length > 0)
        request.log.warn(
          { checks: Object.fromEntries(failed) },
          `not ready: ${failed.map(([name]) => name).join(', ')} not answering`,
        );
      const checks = Object.fromEntries(
        Object.entries(results).map(([name, result]) => [name, { ok: result.ok, latency_ms: result.latency_ms }]),
      );
      return reply.code(failed.length === 0 ? 200 : 503).send({ ready: failed.length === 0, checks });
    },
  );
};
