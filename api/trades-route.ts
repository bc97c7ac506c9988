// GET /v1/trades (current trade records, a page at a time) and GET /v1/trades/:id (one record,
// the current version or `?version=N`), from the audit store.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { currentTradeRecordsAfter, loadTradeRecord, type StoredTradeRecord } from '../audit/record-store.js';
import type { Pool } from '../platform/postgres.js';
import type { ApiContext } from './api-context.js';
import { ApiError, errorResponses } from './api-errors.js';
import { decodeCursor, next_cursor_schema, page_query, pageOf } from './pagination.js';
import { iso_time, name_filter } from './query-fields.js';

export const trade_id_params = z.strictObject({
  id: z.string().min(1).max(1000).describe('trade id, e.g. binance:spot-main:order:8812001 (URL-encoded)'),
});

const version_query = z.strictObject({
  version: z.coerce
    .number()
    .int()
    .min(1)
    .max(2_147_483_647)
    .optional()
    .describe('a past version; default the current one'),
});

/** The record's main fields, for the documentation; the whole record is returned (audit/trade-records.ts). */
export const trade_record_schema = z
  .looseObject({
    record_version: z.number().int(),
    trade_id: z.string(),
    venue: z.string(),
    account: z.string(),
    side: z.enum(['buy', 'sell']),
    order_id: z.string(),
    client_order_id: z.string().nullable(),
    opened_at: z.string(),
    closed_at: z.string(),
    fills: z.array(z.looseObject({ event_id: z.string(), quantity: z.string(), price: z.string() })),
    missing: z.array(z.string()),
  })
  .meta({ id: 'TradeRecord' });

export const stored_record_schema = z
  .object({
    trade_id: z.string(),
    version: z.number().int(),
    is_current: z.boolean(),
    superseded_by: z.number().int().nullable(),
    record_hash: z.string(),
    audit_sequence: z.number().int().nullable().describe('the audit log entry that sealed this version'),
    record: trade_record_schema,
  })
  .meta({ id: 'StoredTradeRecord' }) satisfies z.ZodType<Omit<StoredTradeRecord, 'record'>>;

/** The current record of a trade, or a given version of it; 404 when there is none. */
export async function tradeRecordOr404(
  pool: Pool,
  trade_id: string,
  version: number | undefined,
): Promise<StoredTradeRecord> {
  const stored = await loadTradeRecord(pool, trade_id, version);
  if (stored === null)
    throw new ApiError(
      'not_found',
      version === undefined ? `no trade record ${trade_id}` : `no version ${version} of trade record ${trade_id}`,
    );
  return stored;
}

const list_query = z.strictObject({
  venue: name_filter.optional(),
  account: name_filter.optional(),
  from: iso_time.optional().describe('trades opened at or after this time'),
  to: iso_time.optional().describe('trades opened before this time'),
  ...page_query,
});

export const tradesRoute: FastifyPluginAsyncZod<ApiContext> = async (app, context) => {
  app.get(
    '/v1/trades',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Current trade records',
        description: 'Ordered by the time the trade opened, then trade id. Scope: read.',
        tags: ['audit'],
        querystring: list_query,
        response: {
          200: z.object({ trades: z.array(stored_record_schema), next_cursor: next_cursor_schema }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { venue, account, from, to, limit, cursor } = request.query;
      const after = decodeCursor(cursor, z.tuple([iso_time, z.string()]));
      const rows = await currentTradeRecordsAfter(context.pool, { venue, account, from, to }, after, limit + 1);
      const page = pageOf(rows, limit, (row) => row.key);
      return { trades: page.items.map((row) => row.stored), next_cursor: page.next_cursor };
    },
  );

  app.get(
    '/v1/trades/:id',
    {
      config: { access: 'read' },
      schema: {
        summary: 'One trade record',
        description: 'The current version unless `version` is given. Scope: read.',
        tags: ['audit'],
        params: trade_id_params,
        querystring: version_query,
        response: { 200: stored_record_schema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => tradeRecordOr404(context.pool, request.params.id, request.query.version),
  );
};
