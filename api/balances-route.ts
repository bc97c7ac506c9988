// GET /v1/balances: balances of record, from the ledger. Current by default; `at` = as of an event
// time (folded from each account's transfers with event time at or before it); `known_at` = as the
// ledger knew them at that moment (TigerBeetle's history, by insertion time).
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { balancesAsOfEventTime, balancesKnownAt, currentBalances } from '../ledger/balances.js';
import type { AccountSpec } from '../ledger/chart-of-accounts.js';
import type { ApiContext } from './api-context.js';
import { ApiError, errorResponses } from './api-errors.js';
import { decodeCursor, encodeCursor, next_cursor_schema, page_query } from './pagination.js';
import { account_type, decimal, iso_time, name_filter } from './query-fields.js';

const known_at_text = z
  .string()
  .regex(
    /^(\d{1,30}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z)$/,
    'an ISO-8601 UTC time, or a TigerBeetle timestamp in nanoseconds',
  )
  .describe(
    'as the ledger knew it at this moment: an ISO-8601 UTC time (the end of that millisecond) or a TigerBeetle timestamp in ns',
  );

const query = z
  .strictObject({
    venue: name_filter.optional(),
    account: name_filter.optional(),
    type: account_type.optional(),
    asset: name_filter.optional().describe('asset code, or instrument symbol for position accounts'),
    at: iso_time.optional().describe('balance from the transfers with event time at or before this time'),
    known_at: known_at_text.optional(),
    ...page_query,
  })
  .refine((value) => value.at === undefined || value.known_at === undefined, {
    message: 'give at most one of at and known_at',
    path: ['known_at'],
  });

export const balance_row_schema = z
  .object({
    venue: z.string(),
    account: z.string(),
    type: account_type,
    asset: z.string(),
    debits: decimal,
    credits: decimal,
    balance: decimal.describe('debits − credits'),
  })
  .meta({ id: 'BalanceRow' });

const response = z.object({
  as_of: z.object({
    kind: z.enum(['current', 'event_time', 'known_at']),
    at: z.string().optional(),
    known_at_ns: z.string().optional(),
  }),
  balances: z.array(balance_row_schema),
  next_cursor: next_cursor_schema,
});

const cursor_shape = z.tuple([z.string(), z.string(), z.string(), z.string()]);
const spec_key = (spec: Pick<AccountSpec, 'venue' | 'account' | 'type' | 'asset'>) =>
  [spec.venue, spec.account, spec.type, spec.asset] as const;

export const balancesRoute: FastifyPluginAsyncZod<ApiContext> = async (app, context) => {
  app.get(
    '/v1/balances',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Balances of record from the ledger',
        description:
          'Accounts are those the stored events post to, filtered by venue, account, type and asset; ordered by venue, account, type, asset. Scope: read.',
        tags: ['ledger'],
        querystring: query,
        response: { 200: response, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { venue, account, type, asset, at, known_at, limit, cursor } = request.query;
      const after = decodeCursor(cursor, cursor_shape);
      const specs = (await context.catalogue.specs()).filter(
        (spec) =>
          (venue === undefined || spec.venue === venue) &&
          (account === undefined || spec.account === account) &&
          (type === undefined || spec.type === type) &&
          (asset === undefined || spec.asset === asset) &&
          (after === undefined || compareKeys(spec_key(spec), after) > 0),
      );
      const page_specs = specs.slice(0, limit);
      const next_cursor = specs.length > limit ? encodeCursor(spec_key(page_specs[page_specs.length - 1]!)) : null;
      if (at !== undefined) {
        const at_ms = Date.parse(at);
        return {
          as_of: { kind: 'event_time' as const, at: new Date(at_ms).toISOString() },
          balances: await balancesAsOfEventTime(context.ledger, page_specs, at_ms),
          next_cursor,
        };
      }
      if (known_at !== undefined) {
        const known_at_ns = knownAtNs(known_at);
        return {
          as_of: { kind: 'known_at' as const, known_at_ns: known_at_ns.toString() },
          balances: await balancesKnownAt(context.ledger, page_specs, known_at_ns),
          next_cursor,
        };
      }
      return {
        as_of: { kind: 'current' as const },
        balances: await currentBalances(context.ledger, page_specs),
        next_cursor,
      };
    },
  );
};

/** An ISO time means the end of its millisecond: everything inserted during it is included. */
function knownAtNs(text: string): bigint {
  if (/^\d+$/.test(text)) {
    const ns = BigInt(text);
    if (ns >= 1n << 64n)
      throw new ApiError('validation', 'known_at is beyond a 64-bit timestamp', {
        issues: [{ path: 'query.known_at', message: 'must fit in 64 bits' }],
      });
    return ns;
  }
  const ms = Date.parse(text);
  if (!Number.isFinite(ms) || ms <= 0)
    throw new ApiError('validation', 'known_at is not a real time', {
      issues: [{ path: 'query.known_at', message: 'not a real calendar time after 1970-01-01' }],
    });
  return BigInt(ms) * 1_000_000n + 999_999n;
}

function compareKeys(left: readonly string[], right: readonly string[]): number {
  for (let index = 0; index < left.length; index += 1) {
    if (left[index] !== right[index]) return left[index]! < right[index]! ? -1 : 1;
  }
  return 0;
}
