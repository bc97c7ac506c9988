// GET /v1/lots: tax lots from the audit store, by acquisition time, a page at a time; `open=true`
// keeps lots with quantity remaining, `open=false` the fully disposed ones.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { lotsAfter, type StoredLot } from '../audit/lot-store.js';
import type { ApiContext } from './api-context.js';
import { errorResponses } from './api-errors.js';
import { decodeCursor, next_cursor_schema, page_query, pageOf } from './pagination.js';
import { decimal, iso_time, name_filter, query_boolean } from './query-fields.js';

const query = z.strictObject({
  open: query_boolean
    .optional()
    .describe('true: lots with quantity remaining; false: fully disposed lots; absent: all'),
  pool: z.string().min(1).max(400).optional().describe("'venue/account', or 'global'"),
  asset: name_filter.optional(),
  ...page_query,
});

const lot_schema = z
  .object({
    lot_id: z.string(),
    pool: z.string(),
    asset: z.string(),
    acquired_at: z.string(),
    acquisition_event_id: z.string(),
    quantity: decimal,
    remaining_quantity: decimal,
    cost_basis: decimal.nullable().describe('null when unknown (missing basis or unpriced): never zero silently'),
    currency: z.string(),
    basis_source: z.string().nullable(),
  })
  .meta({ id: 'Lot' }) satisfies z.ZodType<StoredLot>;

export const lotsRoute: FastifyPluginAsyncZod<ApiContext> = async (app, context) => {
  app.get(
    '/v1/lots',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Tax lots',
        description: 'Ordered by acquisition time, then lot id. Scope: read.',
        tags: ['audit'],
        querystring: query,
        response: {
          200: z.object({ lots: z.array(lot_schema), next_cursor: next_cursor_schema }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { open, pool, asset, limit, cursor } = request.query;
      const after = decodeCursor(cursor, z.tuple([iso_time, z.string()]));
      const rows = await lotsAfter(context.pool, { open, pool, asset }, after, limit + 1);
      const page = pageOf(rows, limit, (row) => [row.acquired_at, row.lot_id]);
      return { lots: page.items, next_cursor: page.next_cursor };
    },
  );
};
