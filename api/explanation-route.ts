// GET /v1/trades/:id/explanation: the plain-language explanation of a trade record, as text
// (text/plain), JSON (application/json: the explanation with the record) or the one-page PDF
// (application/pdf), by the Accept header. Without an Accept header (or */*): JSON.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { explainTrade } from '../audit/explanation.js';
import type { ApiContext } from './api-context.js';
import { ApiError, errorResponses } from './api-errors.js';
import { negotiate } from './content-negotiation.js';
import { trade_id_params, trade_record_schema, tradeRecordOr404 } from './trades-route.js';

const offered = ['application/json', 'text/plain', 'application/pdf'] as const;

const json_response = z.object({
  trade_id: z.string(),
  version: z.number().int(),
  explanation: z.string(),
  record: trade_record_schema,
});

export const explanationRoute: FastifyPluginAsyncZod<ApiContext> = async (app, context) => {
  app.get(
    '/v1/trades/:id/explanation',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Why and how a trade happened, in plain language',
        description: 'By Accept: application/json (default), text/plain, or application/pdf (one page). Scope: read.',
        tags: ['audit'],
        params: trade_id_params,
        querystring: z.strictObject({ version: z.coerce.number().int().min(1).max(2_147_483_647).optional() }),
        response: {
          200: {
            description: 'the explanation',
            content: {
              'application/json': { schema: json_response },
              'text/plain': { schema: z.string() },
              'application/pdf': { schema: z.string().describe('binary PDF') },
            },
          },
          ...errorResponses(400, 401, 403, 404, 406),
        },
      },
    },
    async (request, reply) => {
      const type = negotiate(request.headers.accept, offered);
      if (type === null) throw new ApiError('not_acceptable', `the explanation is available as ${offered.join(', ')}`);
      const stored = await tradeRecordOr404(context.pool, request.params.id, request.query.version);
      const explanation = explainTrade(stored.record);
      reply.header('vary', 'Accept');
      if (type === 'text/plain') return reply.type('text/plain; charset=utf-8').send(`${explanation}\n`);
      if (type === 'application/pdf') {
        if (context.render_trade_pdf === null || context.render_trade_pdf === undefined)
          throw new ApiError(
            'pdf_unavailable',
            'PDF rendering is not available here: ask for text/plain or application/json',
          );
        const pdf = await context.render_trade_pdf(stored.record, explanation, {
          version: stored.version,
          record_hash: stored.record_hash,
          audit_sequence: stored.audit_sequence,
        });
        const file_name = `trade-${stored.trade_id.replace(/[^\w.-]+/g, '_')}-v${stored.version}.pdf`;
        // Bytes are sent as they are; the zod serializer is for the JSON representation only.
        return reply
          .type('application/pdf')
          .header('content-disposition', `inline; filename="${file_name}"`)
          .send(pdf as unknown as string);
      }
      return reply
        .type('application/json; charset=utf-8')
        .send({ trade_id: stored.trade_id, version: stored.version, explanation, record: stored.record });
    },
  );
};
