// GET /v1/accounts/:id/transfers: one ledger account's transfers, oldest first (by ledger
// timestamp), a page at a time. The account id is TigerBeetle's, as a decimal u128.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { event_type_codes, leg_kinds } from '../engine/posting-rules.js';
import { accountFilter, u128_max, type Transfer } from '../ledger/ledger-port.js';
import { formatUnits } from '../ledger/money.js';
import type { ApiContext } from './api-context.js';
import { ApiError, errorResponses } from './api-errors.js';
import { decodeCursor, encodeCursor, next_cursor_schema, page_query } from './pagination.js';
import { account_type, decimal } from './query-fields.js';

const event_types_by_code = new Map<number, string>(
  Object.entries(event_type_codes).map(([type, code]) => [code, type]),
);
const leg_kinds_by_code = new Map<number, string>(Object.entries(leg_kinds).map(([kind, code]) => [code, kind]));

const params = z.strictObject({
  id: z
    .string()
    .regex(/^\d{1,39}$/, { message: 'an account id: a decimal whole number', abort: true })
    .refine((text) => BigInt(text) > 0n && BigInt(text) < u128_max, 'not a valid account id (1 .. 2^128 − 2)')
    .describe('ledger account id (decimal u128)'),
});

const query = z.strictObject({ ...page_query });

const transfer_schema = z
  .object({
    id: z.string().describe('transfer id (decimal u128)'),
    direction: z.enum(['debit', 'credit']).describe('which side of the transfer this account is on'),
    debit_account_id: z.string(),
    credit_account_id: z.string(),
    amount: decimal.nullable().describe('at the asset scale; null when the account is not in the catalogue'),
    amount_units: z.string().describe('integer units at the ledger scale'),
    ledger: z.number().int(),
    code: z.number().int(),
    event_type: z.string().nullable(),
    leg: z.string().nullable(),
    event_time: z
      .string()
      .nullable()
      .describe('the event time the transfer carries (user_data_64); null when it holds no time'),
    event_key: z.string().describe('user_data_128 in hex: shared by every leg of one event'),
    timestamp: z.string().describe('ledger insertion time in ns'),
    flags: z.number().int(),
  })
  .meta({ id: 'Transfer' });

const response = z.object({
  account: z.object({
    id: z.string(),
    venue: z.string().nullable(),
    account: z.string().nullable(),
    type: account_type.nullable(),
    asset: z.string().nullable(),
    ledger: z.number().int(),
  }),
  transfers: z.array(transfer_schema),
  next_cursor: next_cursor_schema,
});

export const transfersRoute: FastifyPluginAsyncZod<ApiContext> = async (app, context) => {
  app.get(
    '/v1/accounts/:id/transfers',
    {
      config: { access: 'read' },
      schema: {
        summary: "A ledger account's transfers",
        description: 'Oldest first by ledger timestamp. Scope: read.',
        tags: ['ledger'],
        params,
        querystring: query,
        response: { 200: response, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const account_id = BigInt(request.params.id);
      const { limit, cursor } = request.query;
      const after = decodeCursor(cursor, z.tuple([z.string().regex(/^\d{1,20}$/)]));
      const [ledger_account] = await context.ledger.lookupAccounts([account_id]);
      if (ledger_account === undefined) throw new ApiError('not_found', `no ledger account ${account_id}`);
      const spec = await context.catalogue.specById(account_id);
      const timestamp_min = after === undefined ? 0n : BigInt(after[0]) + 1n;
      const transfers = await context.ledger.getAccountTransfers(
        accountFilter(account_id, { timestamp_min, limit: limit + 1 }),
      );
      const page = transfers.slice(0, limit);
      return {
        account: {
          id: account_id.toString(),
          venue: spec?.venue ?? null,
          account: spec?.account ?? null,
          type: spec?.type ?? null,
          asset: spec?.asset ?? null,
          ledger: ledger_account.ledger,
        },
        transfers: page.map((transfer) => transferView(transfer, account_id, spec?.scale)),
        next_cursor: transfers.length > limit ? encodeCursor([page[page.length - 1]!.timestamp.toString()]) : null,
      };
    },
  );
};

function transferView(
  transfer: Transfer,
  account_id: bigint,
  scale: number | undefined,
): z.infer<typeof transfer_schema> {
  return {
    id: transfer.id.toString(),
    direction: transfer.debit_account_id === account_id ? 'debit' : 'credit',
    debit_account_id: transfer.debit_account_id.toString(),
    credit_account_id: transfer.credit_account_id.toString(),
    amount: scale === undefined ? null : formatUnits(transfer.amount, scale),
    amount_units: transfer.amount.toString(),
    ledger: transfer.ledger,
    code: transfer.code,
    event_type: event_types_by_code.get(transfer.code) ?? null,
    leg: leg_kinds_by_code.get(transfer.user_data_32) ?? null,
    event_time:
      transfer.user_data_64 > 0n && transfer.user_data_64 <= 8_640_000_000_000_000n
        ? new Date(Number(transfer.user_data_64)).toISOString()
        : null,
    event_key: transfer.user_data_128.toString(16).padStart(32, '0'),
    timestamp: transfer.timestamp.toString(),
    flags: transfer.flags,
  };
}
