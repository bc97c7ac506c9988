// GET /v1/audit/verify: checks the audit log's hash chain end to end (I5), streaming it in bounded
// batches on one connection. One verification at a time: a second request meanwhile is answered
// 503 KEEL_ERR_API_BUSY rather than doubling the load.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { verifyAuditChain } from '../audit/audit-log.js';
import type { ApiContext } from './api-context.js';
import { ApiError, errorResponses } from './api-errors.js';

const query = z.strictObject({
  anchor: z
    .string()
    .regex(/^\d{1,15}:[0-9a-f]{64}$/, 'SEQUENCE:HASH, a sequence ≥ 1 and 64 lowercase hex digits')
    .optional()
    .describe(
      'a head recorded earlier (SEQUENCE:HASH): the chain must still hold it, which catches a truncated or rewritten log',
    ),
  batch_rows: z.coerce.number().int().min(1).max(10_000).default(1_000).describe('rows read per query'),
});

const problem = z.object({
  sequence: z.number().int(),
  problem: z.enum([
    'hash_mismatch',
    'sequence_gap',
    'sequence_repeated',
    'link_broken',
    'inserted_row',
    'anchor_mismatch',
  ]),
  expected: z.string(),
  found: z.string(),
});

const report_schema = z
  .object({
    ok: z.boolean(),
    entries: z.number().int(),
    head: z.object({ sequence: z.number().int(), hash: z.string() }),
    first_problem: problem.optional(),
  })
  .meta({ id: 'ChainReport' });

export const auditRoute: FastifyPluginAsyncZod<ApiContext> = async (app, context) => {
  let running = false;
  app.get(
    '/v1/audit/verify',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Verify the audit hash chain',
        description:
          'Recomputes every entry hash and link; `ok: false` with the first bad position when broken (still 200: the check itself succeeded). Scope: read.',
        tags: ['audit'],
        querystring: query,
        response: { 200: report_schema, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request) => {
      if (running)
        throw new ApiError('busy', 'an audit verification is already running; try again when it has finished');
      running = true;
      try {
        const { anchor, batch_rows } = request.query;
        const [sequence, entry_hash] = anchor?.split(':') ?? [];
        const client = await context.pool.connect();
        try {
          return await verifyAuditChain(client, {
            batch_rows,
            anchor: anchor === undefined ? undefined : { sequence: Number(sequence), entry_hash: entry_hash! },
          });
        } finally {
          client.release();
        }
      } finally {
        running = false;
      }
    },
  );
};
