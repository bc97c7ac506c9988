// GET /v1/disposals: lot disposals from the audit store in a time range (from inclusive, to
// exclusive: `from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00Z` is one tax year), by disposal
// time, a page at a time. A disposal with no lot to match is listed with missing_basis = true.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { disposalsAfter, type StoredDisposal } from '../audit/lot-store.js';
import type { ApiContext } from './api-context.js';
import { errorResponses } from './api-errors.js';
import { decodeCursor, next_cursor_schema, page_query, pageOf } from './pagination.js';
import { decimal, iso_time, name_filter } from './query-fields.js';

const query = z
  .strictObject({
    from: iso_time.optional().describe('disposed at or after this time'),
    to: iso_time.optional().describe('disposed before this time'),
    pool: z.string().min(1).max(400).optional(),
    asset: name_filter.optional(),
    ...page_query,
  })
  .refine(
    (value) => value.from === undefined || value.to === undefined || Date.parse(value.from) <= Date.parse(value.to),
    { message: 'from must not be after to', path: ['to'] },
  );

const disposal_schema = z
  .object({
    disposal_id: z.string(),
    disposal_event_id: z.string(),
    lot_id: z.string().nullable(),
    pool: z.string(),
    asset: z.string(),
    disposed_at: z.string(),
    acquired_at: z.string().nullable(),
    quantity: decimal,
    proceeds: decimal.nullable().describe('null when unpriced'),
    cost_basis: decimal.nullable().describe('null when unknown'),
    gain: decimal.nullable(),
    currency: z.string(),
    holding_period: z.enum(['short', 'long']).nullable(),
    missing_basis: z.boolean(),
  })
  .meta({ id: 'Disposal' }) satisfies z.ZodType<StoredDisposal>;

export const disposalsRoute: FastifyPluginAsyncZod<ApiContext> = async (app, context) => {
  app.get(
    '/v1/disposals',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Lot disposals in a time range',
        description: 'Ordered by disposal time, then disposal id. Scope: read.',
        tags: ['audit'],
        querystring: query,
        response: {
          200: z.object({ disposals: z.array(disposal_schema), next_cursor: next_cursor_schema }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { from, to, pool, asset, limit, cursor } = request.query;
      const after = decodeCursor(cursor, z.tuple([iso_time, z.string()]));
      const rows = await disposalsAfter(context.pool, { from, to, pool, asset }, after, limit + 1);
      const page = pageOf(rows, limit, (row) => [row.disposed_at, row.disposal_id]);
      return { disposals: page.items, next_cursor: page.next_cursor };
    },
  );
};
