// GET /metrics: the process's Prometheus registry (API request metrics included), for a
// scraper holding a token with the `metrics` scope.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiContext } from './api-context.js';
import { errorResponses } from './api-errors.js';

export const metricsRoute: FastifyPluginAsyncZod<ApiContext> = async (app, context) => {
  app.get(
    '/metrics',
    {
      config: { access: 'metrics' },
      schema: {
        summary: 'Prometheus metrics',
        description: 'Prometheus text format. Scope: metrics.',
        tags: ['operations'],
        response: {
          200: { description: 'metrics', content: { 'text/plain': { schema: z.string() } } },
          ...errorResponses(401, 403),
        },
      },
    },
    async (_request, reply) => reply.type(context.metrics.contentType).send(await context.metrics.metrics()),
  );
};
