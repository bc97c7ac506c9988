// GET /v1/adjustments: the closed-through date, the standing closes, and every prior-period
// adjustment (an event dated in a closed period that arrived after the close: README "Period
// close") with its original event, the boundary it was applied at and the rows it made.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { activeCloses, adjustmentsAfter, type PeriodClose, type StoredAdjustment } from '../audit/close-store.js';
import type { ApiContext } from './api-context.js';
import { errorResponses } from './api-errors.js';
import { decodeCursor, next_cursor_schema, page_query, pageOf } from './pagination.js';
import { iso_time } from './query-fields.js';

const query = z.strictObject({ ...page_query });

const close_schema = z
  .object({
    close_id: z.number(),
    through_date: z.string().describe('closed through the end of this UTC day'),
    through_ms: z.number(),
    reason: z.string(),
    closed_by: z.string(),
    closed_at: z.string(),
    store_id_max: z.number().describe('events stored with a higher id arrived after the close'),
  })
  .meta({ id: 'PeriodClose' }) satisfies z.ZodType<PeriodClose>;

const adjustment_schema = z
  .object({
    event_id: z.string(),
    type: z.string(),
    event_time: z.string().describe('its own time, which every row it made keeps'),
    applied_at: z
      .string()
      .describe('the close boundary it was applied at (the first millisecond after the closed period)'),
    event: z.unknown().describe('the original event'),
    lot_ids: z.array(z.string()).describe('lots it acquired'),
    disposal_ids: z.array(z.string()).describe('disposal rows it made'),
  })
  .meta({ id: 'Adjustment' }) satisfies z.ZodType<StoredAdjustment>;

export const adjustmentsRoute: FastifyPluginAsyncZod<ApiContext> = async (app, context) => {
  app.get(
    '/v1/adjustments',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Closed periods and prior-period adjustments',
        description: 'Adjustments ordered by the boundary they were applied at, then event id. Scope: read.',
        tags: ['audit'],
        querystring: query,
        response: {
          200: z.object({
            closed_through: z
              .string()
              .nullable()
              .describe('the date the books are closed through (UTC, inclusive); null when none is closed'),
            closes: z.array(close_schema),
            adjustments: z.array(adjustment_schema),
            next_cursor: next_cursor_schema,
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const after = decodeCursor(cursor, z.tuple([iso_time, z.string()]));
      const closes = await activeCloses(context.pool);
      const page = pageOf(await adjustmentsAfter(context.pool, after, limit + 1), limit, (row) => [
        row.applied_at,
        row.event_id,
      ]);
      return {
        closed_through: closes.at(-1)?.through_date ?? null,
        closes,
        adjustments: page.items,
        next_cursor: page.next_cursor,
      };
    },
  );
};
